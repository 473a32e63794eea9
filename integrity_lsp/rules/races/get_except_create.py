"""## What it does
Finds `try: M.objects.get(k=v) except M.DoesNotExist: M.objects.create(k=v, …)`.

Not checked in migration files: `migrate` runs a migration's code once, alone, so nothing
races it.

## Why is this bad?
Between the failed `get()` and the `create()`, another request can insert the same row. The
second `create()` then raises `IntegrityError: UNIQUE constraint failed: app_model.column`
(HTTP 500), or, without a unique constraint, stores a duplicate that makes every later `get()`
raise `MultipleObjectsReturned`.

## Example
```python
try:
    warehouse = Warehouse.objects.get(code=code)
except Warehouse.DoesNotExist:
    warehouse = Warehouse.objects.create(code=code, name=name)
```

## Use instead
```python
warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
```

## Fix safety
Safe when the lookup is covered by a database uniqueness guarantee (then `get_or_create`
retries the `get()` after the IntegrityError and is race-safe); unsafe otherwise, because
`get_or_create` is only race-safe with such a constraint. When the `try` block does more than
the `get()`, the fix wraps the create in `try`/`atomic`/`except IntegrityError` instead.

## References
- [QuerySet.get_or_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#get-or-create)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS
from integrity_lsp.analysis.registry import register
from integrity_lsp.findings import Applicability, Finding, Fix
from integrity_lsp.rules.races.fixes import (
    assigned,
    get_or_create_call,
    layout_of,
    replace_statement,
    rest_items,
    split_write,
)
from integrity_lsp.rules.races.report import coverage, race_finding, write_fixes
from integrity_lsp.rules.races.shapes import get_except_create
from integrity_lsp.rules.races.views import view_findings
from integrity_lsp.syntax.nodes import Node, statements

CODE = "IL102"
NAME = "get-except-create"


def shape_check(try_stmt: Node, ctx: Context) -> Iterator[Finding]:
    shape = get_except_create(try_stmt, ctx.env.index)
    if shape is None or shape.body or ctx.integrity_guard is not None:
        return  # more work after get(): modify-then-save is IL103's shape
    write = shape.write
    _, unique = coverage(ctx, write, shape.query)
    handler = statements(shape.handler_body)
    simple = (
        len(handler) == 1
        and handler[0] is write.statement
        and len(try_stmt.children) == 6
        and not write.method.startswith("create_")
        and _same_target(shape.target, write.target)
        and shape.returned == write.returned
        and not any(arg.keyword is None and arg.star != "**" for arg in write.positional)
    )
    if simple:
        lookup, rest = split_write(write, shape.query.lookup)
        stars = [arg for arg in write.positional if arg.star == "**"]
        receiver = write.receiver if write.method != "save" else f"{write.model_text}.objects"
        call = get_or_create_call(
            receiver, "get_or_create", lookup, rest_items(rest, stars),
            multiline=layout_of(write, try_stmt),
        )  # fmt: skip
        edit = replace_statement(
            ctx.file, try_stmt, assigned(shape.target, call, returned=write.returned)
        )
        applicability = Applicability.SAFE if unique is not None else Applicability.UNSAFE
        fixes = [Fix(f"Use `{write.model_text}.objects.get_or_create()`", applicability, (edit,))]
    else:
        fixes = write_fixes(ctx, write, shape.query, replace_statement=None, handler_body=None)
    yield race_finding(
        CODE, NAME, ctx, write, shape.query, fixes, "`get()` … `except DoesNotExist`"
    )


def _same_target(first: Node | None, second: Node | None) -> bool:
    if first is None or second is None:
        return first is None and second is None
    return bool(first.get_code(include_prefix=False) == second.get_code(include_prefix=False))


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
