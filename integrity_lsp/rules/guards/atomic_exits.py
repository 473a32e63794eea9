"""Does an `except` leave its atomic block before the broken transaction sees another query?

A write that fails inside `atomic()` only marks the transaction for rollback; the
`TransactionManagementError` comes from the *next query* inside the block. A handler that
runs no query and then leaves the innermost `atomic()` block at once lets `Atomic.__exit__`
roll the block back (to its savepoint when it is nested) and nothing fails: `continue` or
`break` out of a `with transaction.atomic():` inside a loop (pretix's sync queue: lock and mark
one row, `except DatabaseError: continue`), a `return`, or falling off the end of the block.

Only when the block wrote nothing before the `try` (those writes would be rolled back with
it, silently), the `try` has no `finally`, the block is a `with` or a decorator (not
`ATOMIC_REQUESTS`, whose block goes on after a view method returns) and has a savepoint
(`savepoint=False` hands the broken state to the enclosing block).
"""

from __future__ import annotations

from integrity_lsp.analysis.context import AtomicBlock, Context
from integrity_lsp.analysis.django import parse_orm_call
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.rules.guards.savepoints import write_method
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, walk
from integrity_lsp.syntax.nodes import statements as block_statements

# Calls that run no query: logging and printing.
_QUIET_CALLS = frozenset({"logger", "log", "logging", "LOGGER", "_logger", "print", "warnings"})


def leaves_block_unqueried(try_stmt: Node, handlers: list[Node], ctx: Context) -> bool:
    """Every handler in `handlers` (the blocks of the catching clauses) runs no query and
    leaves the innermost atomic block, which wrote nothing before `try_stmt`."""
    atomic = ctx.atomic[-1]
    body = _block_body(atomic, ctx)
    if body is None or not atomic.savepoint or try_stmt.parent is not body:
        return False
    if any(child.type == "keyword" and child.value == "finally" for child in try_stmt.children):
        return False
    siblings = block_statements(body)
    index = siblings.index(try_stmt)
    if any(_may_write(statement, ctx) for statement in siblings[:index]):
        return False
    last = index == len(siblings) - 1
    loops_outside = atomic.source == "with"  # a `continue` here leaves the `with` block
    return all(_quiet_exit(handler, last, loops_outside) for handler in handlers)


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


def _quiet_exit(handler: Node, last: bool, loops_outside: bool) -> bool:
    statements = block_statements(handler)
    if not statements or any(_queries(statement) for statement in statements):
        return False
    final = statements[-1]
    node = final.children[0] if final.type == "simple_stmt" else final
    if node.type == "return_stmt":
        return True
    if node.type == "keyword" and node.value in ("continue", "break"):
        return loops_outside
    if node.type in ("if_stmt", "for_stmt", "while_stmt", "try_stmt", "with_stmt"):
        return False  # where it goes on is not one place
    return last  # falls through to the end of the block


def _queries(statement: Node) -> bool:
    """Any call but logging: an unknown call may query."""
    for node in walk(statement):
        if node.type not in CALL_CHAIN_TYPES:
            continue
        head, trailers = chain_parts(node)
        calls = any(t.children[0].value == "(" for t in trailers)
        if calls and not (head.type == "name" and head.value in _QUIET_CALLS):
            return True
    return False


def _may_write(statement: Node, ctx: Context) -> bool:
    """A write, or a call that is not a known ORM read (it may write)."""
    for node in walk(statement):
        if node.type not in CALL_CHAIN_TYPES:
            continue
        head, trailers = chain_parts(node)
        if not any(t.children[0].value == "(" for t in trailers):
            continue
        if head.type == "name" and head.value in _QUIET_CALLS:
            continue
        if parse_orm_call(node, ctx.env.index) is None or write_method(node, ctx) is not None:
            return True
    return False
