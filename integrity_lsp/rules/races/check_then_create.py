"""## What it does
Finds an existence check that guards a create of the same row: `if not
M.objects.filter(k=v).exists(): M.objects.create(k=v, …)`, and the other shapes of the same
check (`.count() == 0`, `not qs`, `.first() is None`, `obj = ….first(); if not obj:`, an early
`return` when the row exists).

Not checked in migration files: `migrate` runs a migration's code once, alone, so nothing
races it.

## Why is this bad?
The check and the insert are two statements. Two requests that run them at the same time both
see "no row" and both insert: one of them fails with `IntegrityError: UNIQUE constraint failed:
app_model.column` (HTTP 500), or — without a unique constraint — a duplicate row is stored and
every later `get()` raises `MultipleObjectsReturned`. Tests never see it: it takes concurrency.

## Example
```python
if not Product.objects.filter(sku=sku).exists():
    Product.objects.create(sku=sku, name=name)
```

## Use instead
```python
Product.objects.get_or_create(sku=sku, defaults={"name": name})
```
or, where the create must stay (a manager `create_user`, more statements in the branch):
```python
try:
    with transaction.atomic():
        Product.objects.create(sku=sku, name=name)
except IntegrityError:
    pass
```

## Fix safety
The `get_or_create` rewrite is safe when the lookup is covered by a database uniqueness
guarantee (`unique=True`, a primary key, a `OneToOneField`, `unique_together`, or an
unconditional `UniqueConstraint` over exactly-looked-up fields): then `get_or_create` is
race-safe. Otherwise the fix wraps the create in `try`/`atomic`/`except IntegrityError` and is
unsafe: without a constraint no IntegrityError is ever raised, so add one (see IL104).
The `transaction.atomic()` savepoint keeps an enclosing transaction usable after the error.

## References
- [QuerySet.get_or_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#get-or-create)
- [Avoiding race conditions using F()](https://docs.djangoproject.com/en/stable/ref/models/expressions/#avoiding-race-conditions-using-f)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.writes import WriteSite, writes_in
from integrity_lsp.findings import Finding
from integrity_lsp.rules.races.report import race_finding, write_fixes
from integrity_lsp.rules.races.shapes import (
    ExistenceCheck,
    bindings_before,
    existence_check,
    guarded_within,
    same_subject,
)
from integrity_lsp.rules.races.views import view_findings
from integrity_lsp.syntax.nodes import Node, block_exits, code, statements

CODE = "IL101"
NAME = "check-then-create"


def _branches(if_stmt: Node) -> list[tuple[Node | None, Node]]:
    """(condition, body) pairs: `if`/`elif` with their test, `else` with None."""
    children = if_stmt.children
    pairs: list[tuple[Node | None, Node]] = []
    index = 0
    while index < len(children):
        keyword = children[index]
        if keyword.type == "keyword" and keyword.value in ("if", "elif"):
            pairs.append((children[index + 1], children[index + 3]))
            index += 4
        elif keyword.type == "keyword" and keyword.value == "else":
            pairs.append((None, children[index + 2]))
            index += 3
        else:
            index += 1
    return pairs


def _updates(block: Node) -> bool:
    """Does a branch modify the existing row (then it is IL103's update-or-create shape)?"""
    text = code(block)
    return ".update(" in text or ".save(" in text


def shape_check(if_stmt: Node, ctx: Context) -> Iterator[Finding]:
    index = ctx.env.index
    branches = _branches(if_stmt)
    condition, body = branches[0]
    assert condition is not None
    found = existence_check(condition, bindings_before(if_stmt, index), index)
    if found is None:
        return
    if not found.truthy_means_exists:
        yield from _report(if_stmt, found, body, writes_in(body, index), None, ctx)
        return
    # `if exists: … else: create` and `if exists: return` followed by a create.
    if _updates(body):
        return
    else_body = next((b for c, b in branches[1:] if c is None), None)
    if else_body is not None:
        yield from _report(if_stmt, found, else_body, writes_in(else_body, index), body, ctx)
    elif len(branches) == 1 and block_exits(body):
        later = _later_statements(if_stmt)
        writes = [w for s in later for w in writes_in(s, index)]
        yield from _report(if_stmt, found, None, writes, body, ctx)


def _later_statements(statement: Node) -> list[Node]:
    suite = statement.parent
    siblings = statements(suite) if suite.type == "suite" else list(suite.children)
    position = next(i for i, s in enumerate(siblings) if s is statement)
    return siblings[position + 1 :]


def _report(
    if_stmt: Node,
    found: ExistenceCheck,
    create_body: Node | None,
    writes: list[WriteSite],
    exists_body: Node | None,
    ctx: Context,
) -> Iterator[Finding]:
    for write in writes:
        if not same_subject(write, found.query):
            continue
        if ctx.integrity_guard is not None or guarded_within(write, if_stmt):
            return  # already the try/except IntegrityError form
        simple = (
            create_body is not None
            and exists_body is None
            and len(if_stmt.children) == 4
            and len(statements(create_body)) == 1
            and statements(create_body)[0] is write.statement
        )
        fixes = write_fixes(
            ctx, write, found.query, replace_statement=if_stmt if simple else None,
            handler_body=exists_body,
        )  # fmt: skip
        yield race_finding(CODE, NAME, ctx, write, found.query, fixes, "an existence check")
        return


def check(function: Node, ctx: Context) -> Iterator[Finding]:
    """The races `analysis.absence` files under this code; fixes from the shape above."""
    yield from view_findings(function, ctx, CODE, NAME, shape_check)


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("funcdef", "file_input"),
    check=check,
    words=WRITE_WORDS,
    in_migrations=False,
)
