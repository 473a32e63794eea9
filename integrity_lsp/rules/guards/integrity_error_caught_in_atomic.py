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

Not reported: a handler that re-raises (also in every branch of a closing `if … else`); a `try`
body whose only writes are `get_or_create()`/`update_or_create()` or `obj.save()` of a model
instance whose `save()` — the first of its MRO, read from the project or an installed package —
is decorated `@transaction.atomic` (django-lifecycle's `LifecycleModelMixin`, under every
pulpcore model) or writes only inside its own `with transaction.atomic():`, or hands on to such
a `save()` with `super().save(…)` as its only write outside one (they take a savepoint of their
own; so does `obj.save()` of `obj = Cls(…)` of a project class whose `save()` does, and of
what a model's static or class method builds and returns, `Artifact.init_and_validate(…)`;
and where that `save()` cannot be read — a class of the model's MRO, or the object's class
or one of its bases imported from a package that is not installed, as under a pre-commit
hook's own environment — nothing is said);
`obj.save(update_fields=[…])` naming only columns no constraint covers, of a model that keeps
Django's `save()` (it can fail only when the row is gone, which only a handler naming
`DatabaseError` means to catch); a `delete()` of a known model that no enforced DO_NOTHING
foreign key points at, whose `delete()` overrides write nothing but deletes (Django's collector
handles `on_delete` in Python: PROTECT raises `ProtectedError`, an IntegrityError, before any
write, so the block stays usable; again only a handler naming `DatabaseError` is reported); and a
handler after which no query runs before the innermost
atomic block is left — `continue` or `break` out of a `with transaction.atomic():` in a loop,
`return`, the end of the block, or the code after the `try` up to there (through enclosing `if`
and `with` statements, not loops) — when nothing in the block before the `try` writes (or calls
anything but reads: the ORM's, `len()` / `set()` / `list()` of a queryset, a form's or
serializer's `is_valid()`, building a project form or serializer without an `__init__` of its
own), the `try` has no `finally`, and the block is a `with` or a decorator
with a savepoint. Then no query meets the broken transaction: the block is rolled back as a
whole, as atomic blocks are (`with transaction.atomic(): try: lock and mark the row … except
DatabaseError: continue`; `except IntegrityError as e: messages.error(request, str(e))` then
`return redirect(reverse(…))`). Runs no query: logging, `django.contrib.messages`, `reverse()`,
translation, `HttpResponse…` / `JsonResponse` / DRF's `Response` (rendered after the view
returns), `redirect()` to a URL (not to a model instance), `type(e).__name__` and
`isinstance()`, reading what was submitted (`request.data.get(…)`), building a model instance
(`Model(**data)`), a project function whose body does none of it, a project `@contextmanager`'s
code after its `yield`; a model instance's `full_clean()` only reads. Any other call counts as a
query — `render()` runs templates and context processors that do —, so an unknown call keeps the
finding: the caught failure is read from the code, the exemption must be shown.
`ATOMIC_REQUESTS` views are not given this pass: their block goes on after a view method
returns.

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
from integrity_lsp.analysis.db_exception_aliases import aliases_db_error
from integrity_lsp.analysis.exception_handlers import (
    INTEGRITY_ERROR_CATCHERS,
    except_clauses,
    handler_names,
)
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.unconstrained_updates import unconstrained_update
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.rules.guards.atomic_exits import leaves_block_unqueried
from integrity_lsp.rules.guards.prepared_deletes import prepared_delete
from integrity_lsp.rules.guards.savepoints import (
    SELF_SAVEPOINT,
    unprotected_writes,
    wrap_body_in_atomic,
)
from integrity_lsp.syntax.nodes import Node, code
from integrity_lsp.syntax.nodes import statements as block_statements

CODE = "IL202"
NAME = "integrity-error-caught-in-atomic"
CATCHERS = INTEGRITY_ERROR_CATCHERS - {"Error"}  # `Error` alone is too common a name


def check(try_stmt: Node, ctx: Context) -> Iterator[Finding]:
    if not ctx.atomic:
        return
    caught = [
        (clause, block)
        for clause, block in except_clauses(try_stmt)
        if (CATCHERS & set(handler_names(clause)) or aliases_db_error(clause))
        and not _reraises(block)
    ]
    if not caught:
        return
    names_database_error = any("DatabaseError" in handler_names(clause) for clause, _ in caught)
    writes = [
        (write, method)
        for write, method in unprotected_writes(try_stmt.children[2], ctx)
        if method not in SELF_SAVEPOINT
        and (names_database_error or not _cannot_raise_integrity_error(write, method, ctx))
    ]
    if not writes or leaves_block_unqueried(try_stmt, caught, ctx):
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


def _cannot_raise_integrity_error(write: Node, method: str, ctx: Context) -> bool:
    """An UPDATE of columns no constraint covers, or a delete Django's collector prepares: each
    fails only on a database error, which only a handler naming `DatabaseError` means to catch."""
    if method == "save":
        return unconstrained_update(write, ctx)
    return method == "delete" and prepared_delete(write, ctx)


def _clause_text(clause: Node) -> str:
    if clause.type == "keyword":
        return "except:"
    return " ".join(code(clause).split())


def _reraises(block: Node) -> bool:
    """The handler ends in a `raise`, or in an `if` / `elif` / `else` each branch of which does."""
    body = block_statements(block)
    last = body[-1] if body else None
    node = last.children[0] if last is not None and last.type == "simple_stmt" else last
    if node is not None and node.type == "if_stmt":
        branches = [child for child in node.children if child.type == "suite"]
        has_else = any(child.type == "keyword" and child.value == "else" for child in node.children)
        return has_else and all(_reraises(branch) for branch in branches)
    return node is not None and (node.type == "raise_stmt" or code(node) == "raise")


def _describe(atomic: AtomicBlock, ctx: Context) -> str:
    if atomic.source == "atomic-requests":
        return "a view under `ATOMIC_REQUESTS = True`"
    line = atomic.node.start_pos[0]
    if atomic.source == "decorator":
        return f"the `@{code(atomic.node.children[1])}` function (line {line})"
    return f"the atomic block of line {line}"


def _fix(try_stmt: Node, ctx: Context) -> list[Fix]:
    edits = wrap_body_in_atomic(ctx.file, try_stmt.children[2])
    if not edits:
        return []
    title = "Wrap the `try` body in `with transaction.atomic():` (a savepoint)"
    return [Fix(title, Applicability.SAFE, tuple(edits))]


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("try_stmt",),
    check=check,
    words=("except",),
    scope="calls",  # the handler's helpers and the savers' save() are read in the module too
)
