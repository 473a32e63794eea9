"""Does an `except` leave its atomic block before the broken transaction sees another query?

A write that fails inside `atomic()` only marks the transaction for rollback; the
`TransactionManagementError` comes from the *next query* inside the block. When nothing from
the handler on queries until the innermost `atomic()` block is left, `Atomic.__exit__` rolls
the block back (to its savepoint when it is nested) and nothing fails: `continue` or `break`
out of a `with transaction.atomic():` inside a loop (pretix's sync queue: lock and mark one
row, `except DatabaseError: continue`), a `return`, falling off the end of the block, or a
handler that adds a message and falls through to `return redirect(…)` (hyperkitty's list
deletion).

The route from the handler to the end of the block is followed through the statements after
the `try` and after each enclosing `if` and `with` (leaving a `with` runs its context
manager's exit: a project `@contextmanager` is read up from its `yield`); a `for`, `while` or
`try` between the `try` and the block makes the route not one place (the loop may come back
to the write), and so does a `finally` of the `try` itself. Every call on the route must be
quiet (`call_effects`): an unknown call counts as a query. That is the side unknown falls on
for IL202: what it reports — a failure caught inside a transaction it broke — is read from
the code; the exit is an exemption, granted only where it is shown, and the calls that
follow a caught error are mostly the recovery (`render()` of the form again, a lookup, a
helper), which query.

Only when the block wrote nothing before the failing `try` (those writes would be rolled back
with it, silently): every statement before it on the route reads at most. Only for a `with` or
a decorator (not `ATOMIC_REQUESTS`, whose block goes on after a view method returns) with a
savepoint (`savepoint=False` hands the broken state to the enclosing block).
"""

from __future__ import annotations

from integrity_lsp.analysis.context import AtomicBlock, Context
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.rules.guards.call_effects import Effect, context_manager_effects, effect_of
from integrity_lsp.syntax.nodes import Node, block_exits
from integrity_lsp.syntax.nodes import statements as block_statements

# The statements a route may pass through on its way out: the branch runs, then what follows.
_PASSED_THROUGH = ("if_stmt", "with_stmt")


def leaves_block_unqueried(try_stmt: Node, handlers: list[tuple[Node, Node]], ctx: Context) -> bool:
    """Every handler in `handlers` (the catching clauses and their blocks) runs no query, and
    neither does anything after it until the innermost atomic block is left; that block wrote
    nothing before `try_stmt`."""
    atomic = ctx.atomic[-1]
    body = _block_body(atomic, ctx)
    if body is None or not atomic.savepoint:
        return False
    if any(child.type == "keyword" and child.value == "finally" for child in try_stmt.children):
        return False
    route = _route(try_stmt, body)
    if route is None:
        return False
    if max(_before(level, body, ctx) for level in route) is Effect.OTHER:
        return False
    if not all(_quiet_handler(clause, block, ctx) for clause, block in handlers):
        return False
    if all(block_exits(block) for _, block in handlers):
        return True  # return, raise, continue, break: the route after the `try` is not taken
    return all(_after(level, body, ctx) is Effect.QUIET for level in route)


def _block_body(atomic: AtomicBlock, ctx: Context) -> Node | None:
    """The suite the atomic block runs: the `with` body, or the decorated function's body."""
    if atomic.source == "with":
        body: Node = atomic.node.children[-1]
        return body
    function = ctx.function
    if function is None or atomic.source != "decorator":
        return None
    if any(decorator is atomic.node for decorator in decorators_of(function)):
        suite: Node = function.children[-1]
        return suite
    return None


def _route(try_stmt: Node, body: Node) -> list[tuple[Node, Node]] | None:
    """(suite, the statement of the route in it), from the `try` out to the block's body;
    None when a statement other than `if` / `with` lies between (a loop may come back).
    Any `continue` / `break` met on the route then targets a loop outside the block: it
    leaves the block."""
    route: list[tuple[Node, Node]] = []
    statement = try_stmt
    while True:
        suite = statement.parent
        if suite is None or suite.type != "suite":
            return None
        route.append((suite, statement))
        if suite is body:
            return route
        owner = suite.parent
        if owner is None or owner.type not in _PASSED_THROUGH:
            return None
        statement = owner


def _before(level: tuple[Node, Node], body: Node, ctx: Context) -> Effect:
    """What runs before the route's statement in this suite: the statements before it, and the
    tests of an `if` or the entering of a `with` that owns the suite."""
    suite, statement = level
    siblings = block_statements(suite)
    effects = [effect_of(s, ctx) for s in siblings[: siblings.index(statement)]]
    owner = suite.parent if suite is not body else None  # the atomic block itself
    if owner is not None and owner.type == "if_stmt":
        tests = owner.children[: owner.children.index(suite)]
        effects.extend(effect_of(t, ctx) for t in tests if t.type not in ("keyword", "operator"))
    elif owner is not None and owner.type == "with_stmt":
        effects.extend(context_manager_effects(item, ctx)[0] for item in _with_items(owner))
    return max(effects, default=Effect.QUIET)


def _after(level: tuple[Node, Node], body: Node, ctx: Context) -> Effect:
    """What runs after the route's statement in this suite: the statements after it, and the
    exit of a `with` that owns the suite."""
    suite, statement = level
    siblings = block_statements(suite)
    effects = [effect_of(s, ctx) for s in siblings[siblings.index(statement) + 1 :]]
    owner = suite.parent if suite is not body else None
    if owner is not None and owner.type == "with_stmt":
        effects.extend(context_manager_effects(item, ctx)[1] for item in _with_items(owner))
    return max(effects, default=Effect.QUIET)


def _with_items(with_stmt: Node) -> list[Node]:
    items = with_stmt.children[1]
    if items.type == "with_items":
        return [item for item in items.children if item.type != "operator"]
    return [items]


def _quiet_handler(clause: Node, block: Node, ctx: Context) -> bool:
    caught: frozenset[str] = frozenset()  # `except … as e`: `str(e)` is quiet
    if clause.type == "except_clause" and len(clause.children) == 4:
        caught = frozenset({str(clause.children[3].value)})
    return all(effect_of(s, ctx, caught) is Effect.QUIET for s in block_statements(block))
