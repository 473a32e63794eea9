"""## What it does
Finds `except IntegrityError` (or `DatabaseError`, `Exception`, a bare `except`) whose `try`
body writes without its own `with transaction.atomic():`, while the `try` itself runs inside an
atomic block: `@transaction.atomic`, `with transaction.atomic()`, or a view under
`ATOMIC_REQUESTS = True` (read from the settings module; not for
`@transaction.non_atomic_requests` views).

## Why is this bad?
A write that fails inside an atomic block marks the whole transaction for rollback. Catching the
IntegrityError does not undo that: the next query in the block raises
`TransactionManagementError: An error occurred in the current transaction. You can't execute
queries until the end of the 'atomic' block.` (on every backend), and when the block ends,
everything it wrote is rolled back, silently. The handler that was meant to recover is the code
that crashes.

Not reported: a handler that re-raises, and a `try` body whose only writes are
`get_or_create()`/`update_or_create()` (they take a savepoint of their own).

## Example
```python
@transaction.atomic
def reorder(customer, number):
    try:
        order = Order.objects.create(customer=customer, number=number)
    except IntegrityError:
        order = Order.objects.get(number=number)
```

## Use instead
```python
@transaction.atomic
def reorder(customer, number):
    try:
        with transaction.atomic():
            order = Order.objects.create(customer=customer, number=number)
    except IntegrityError:
        order = Order.objects.get(number=number)
```

## Fix safety
Safe: the fix wraps the `try` body in `with transaction.atomic():`, a savepoint. When the write
fails, only the savepoint is rolled back and the outer transaction stays usable; when it
succeeds, nothing changes. Comments are kept.

## References
- [Avoid catching exceptions inside atomic!](https://docs.djangoproject.com/en/stable/topics/db/transactions/#django.db.transaction.atomic)
- [Savepoints](https://docs.djangoproject.com/en/stable/topics/db/transactions/#savepoints)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import AtomicBlock, Context
from integrity_lsp.analysis.django import (
    INTEGRITY_ERROR_CATCHERS,
    except_clauses,
    handler_names,
    is_atomic_expression,
    parse_orm_call,
)
from integrity_lsp.analysis.edits import ensure_import, offset_of, statement_span
from integrity_lsp.analysis.nodes import CALL_CHAIN_TYPES, Node, chain_parts, code, links, walk
from integrity_lsp.analysis.nodes import statements as block_statements
from integrity_lsp.analysis.race_fixes import shift_block
from integrity_lsp.findings import Applicability, Edit, Finding, Fix, Location, Span
from integrity_lsp.registry import register

CODE = "IL202"
NAME = "integrity-error-caught-in-atomic"
CATCHERS = INTEGRITY_ERROR_CATCHERS - {"Error"}  # `Error` alone is too common a name
ORM_WRITES = frozenset({"create", "bulk_create", "bulk_update", "update", "delete"})
SELF_SAVEPOINT = frozenset({"get_or_create", "update_or_create"})
SCOPES = ("funcdef", "classdef", "lambdef", "async_funcdef", "decorated")


def check(try_stmt: Node, ctx: Context) -> Iterator[Finding]:
    if not ctx.atomic:
        return
    caught = [
        (clause, block)
        for clause, block in except_clauses(try_stmt)
        if CATCHERS & set(handler_names(clause)) and not _reraises(block)
    ]
    if not caught:
        return
    writes = [
        w for w in _unprotected_writes(try_stmt.children[2], ctx) if w[1] not in SELF_SAVEPOINT
    ]
    if not writes:
        return
    clause = caught[0][0]
    write, method = writes[0]
    atomic = ctx.atomic[-1]
    message = (
        f"`{_clause_text(clause)}` inside {_describe(atomic, ctx)} catches a "
        f"failed `{method}()` that has no savepoint of its own: the transaction is marked for "
        "rollback, so the next query raises `TransactionManagementError` and everything the "
        "block wrote is rolled back"
    )
    related = [Location(ctx.file.path, Span.of(write), f"the `{method}()` that can fail")]
    if atomic.source != "atomic-requests":
        related.append(Location(ctx.file.path, Span.of(atomic.node), "the atomic block"))
    yield Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span.of(clause),
        related=tuple(related),
        fixes=tuple(_fix(try_stmt, ctx)),
    )


def _clause_text(clause: Node) -> str:
    if clause.type == "keyword":
        return "except:"
    return " ".join(code(clause).split())


def _reraises(block: Node) -> bool:
    body = block_statements(block)
    last = body[-1] if body else None
    node = last.children[0] if last is not None and last.type == "simple_stmt" else last
    return node is not None and (node.type == "raise_stmt" or code(node) == "raise")


def _unprotected_writes(body: Node, ctx: Context) -> list[tuple[Node, str]]:
    """ORM writes in the `try` body, outside nested defs and savepoint `atomic()` blocks."""
    found: list[tuple[Node, str]] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in SCOPES or (node.type == "with_stmt" and _is_savepoint(node)):
            continue
        if node.type in CALL_CHAIN_TYPES:
            method = _write_method(node, ctx)
            if method is not None:
                found.append((node, method))
        stack.extend(reversed(getattr(node, "children", [])))
    return found


def _is_savepoint(with_stmt: Node) -> bool:
    for item in with_stmt.children[1:-2]:
        expression = item.children[0] if item.type == "with_item" else item
        is_atomic, savepoint = is_atomic_expression(expression)
        if is_atomic and savepoint:
            return True
    return False


def _write_method(node: Node, ctx: Context) -> str | None:
    orm = parse_orm_call(node, ctx.env.index)
    if orm is not None:
        names = [link.name for link in orm.methods]
        hit = next((n for n in names if n in ORM_WRITES | SELF_SAVEPOINT), None)
        return hit or next((n for n in names if n.startswith("create_")), None)
    chain = links(chain_parts(node)[1])
    if chain and chain[-1].call is not None and chain[-1].name in ("save", "delete"):
        return chain[-1].name
    return None


def _describe(atomic: AtomicBlock, ctx: Context) -> str:
    if atomic.source == "atomic-requests":
        return "a view under `ATOMIC_REQUESTS = True`"
    line = atomic.node.start_pos[0]
    if atomic.source == "decorator":
        return f"the `@{code(atomic.node.children[1])}` function (line {line})"
    return f"the atomic block of line {line}"


def _fix(try_stmt: Node, ctx: Context) -> list[Fix]:
    body = try_stmt.children[2]
    statements = block_statements(body)
    if body.type != "suite" or not statements:
        return []
    if any(n.type in ("string", "fstring_string") and "\n" in n.value for n in walk(body)):
        return []  # re-indenting would change a multi-line string
    start = statement_span(statements[0])
    end = statement_span(statements[-1])
    lines = ctx.file.lines
    begin = offset_of(lines, start.start_line, start.start_column)
    text = ctx.file.text[begin : offset_of(lines, end.end_line, end.end_column)]
    indent = " " * start.start_column
    transaction, import_edit = ensure_import(ctx.file, "django.db", "transaction")
    content = f"with {transaction}.atomic():\n" + shift_block(text, indent, indent + "    ")
    span = Span(start.start_line, start.start_column, end.end_line, end.end_column)
    edits = [Edit(ctx.file.path, span, content)]
    if import_edit is not None:
        edits.append(import_edit)
    return [Fix("Wrap the `try` body in `with transaction.atomic():` (a savepoint)",
                Applicability.SAFE, tuple(edits))]  # fmt: skip


register(CODE, NAME, doc=__doc__, node_types=("try_stmt",), check=check)
