"""## What it does
Finds a hand-written upsert: update the row when it is there, insert it when not, in two
statements — `if qs.exists(): qs.update(…) else: M.objects.create(…)`, `if not
qs.update(…): M.objects.create(…)`, or `try: obj = M.objects.get(…); obj.x = …; obj.save()
except M.DoesNotExist: M.objects.create(…)`.

One of three views of the race analysis (see IL101 for the check, insert and key shapes all
three share): IL103 is the view where the path that found the row updates it (`update()` on the
query, or `save()` of the row the `get()` returned, also through a reverse one-to-one accessor),
and an `update()` that changed no row counts as "absent". A batch counts too: rows read as a
collection of one field's values (`{p.sku: p for p in qs}`), the ones `in` it updated and saved,
the others created (the create is wrapped in `try`/`atomic`/`except IntegrityError`, unsafe:
the loser skips the row and its values are not written). So does a ModelForm given the row looked
for (`except M.DoesNotExist: instance = None`, then `form = MForm(data, instance=instance)`):
its `save()` inserts where the row was absent, with the values set on `form.instance` (no fix
is offered; `save(commit=False)` writes nothing). A caller's check before a model method that
inserts is reported at the method's insert, as IL101 does (the caller's branch that found the row
updating it makes it this view). Migration files, `RunPython` functions kept outside them and
command code (see IL101) are not checked. An existence check or an `update()` whose insert no
unique guarantee of the known model can fail is not reported (see IL101: both rows are stored and
the update writes both); a `get()` is, as it raises `MultipleObjectsReturned` once there are two.
Nor is a check for a row a data migration inserted with the same constant values (see IL101).

## Why is this bad?
Two requests can both find no row and both take the create branch: the second raises
`IntegrityError: UNIQUE constraint failed: app_model.column` (HTTP 500), or, without a unique
constraint, a duplicate row is stored and later `get()` calls raise `MultipleObjectsReturned`.

## Guards that silence it
As for IL101: the insert inside `try … except IntegrityError`, a lock every competitor takes
first, `update_or_create` instead. `row = qs.select_for_update().first()` (parenthesised or
not) is no such lock when the row is missing: the insert branch of `if row: … else: insert`
still races.

## Example
```python
try:
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    level.quantity = quantity
    level.save()
except StockLevel.DoesNotExist:
    level = StockLevel.objects.create(product=product, warehouse=warehouse, quantity=quantity)
```

## Use instead
```python
level, _created = StockLevel.objects.update_or_create(
    product=product, warehouse=warehouse, defaults={"quantity": quantity}
)
```
On Django ≥ 5.0, values used only when creating go to `create_defaults={…}`.

## Fix safety
The get-modify-save rewrite is safe when the lookup is covered by a database uniqueness
guarantee, and unsafe otherwise. The `qs.update()` rewrite is always unsafe: `update()` changes
every matching row without calling `save()` or sending signals, while `update_or_create` saves
one instance. `create_defaults` is only written when the project's Django is ≥ 5.0 (from
`django-version`, the environment or the requirements); otherwise the fix is offered only when
the create sets nothing beyond the lookup and the updated values. In async code (`if not await
qs.aupdate(…): await M.objects.acreate(…)`) the whole `if` becomes `await
M.objects.aupdate_or_create(…, defaults=…)` (safe) when a unique constraint covers the lookup
and the insert writes exactly the lookup and the updated values; otherwise no fix
(`atomic()` cannot wrap an `await`).

On SQLite, two overlapping calls of the fixed code can fail with `OperationalError: database is
locked` instead: `update_or_create` reads first (its `select_for_update()` is a plain `SELECT`
there) inside a transaction that SQLite opens DEFERRED, and the call that writes second cannot
upgrade its lock. Set `"OPTIONS": {"transaction_mode": "IMMEDIATE"}` in the SQLite `DATABASES`
entry (Django ≥ 5.1) to make it race-free there. On PostgreSQL and MariaDB the fix is race-free
as it is (all three checked by the integration suite, `docs/hazards.md`).

## References
- [QuerySet.update_or_create](https://docs.djangoproject.com/en/stable/ref/models/querysets/#update-or-create)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.block_inserts import writes_in
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS, parse_orm_call
from integrity_lsp.analysis.django_version import supports_create_defaults
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Applicability, Finding, Fix
from integrity_lsp.rules.races.fixes import (
    assigned,
    get_or_create_call,
    layout_of,
    replace_statement,
    split_write,
)
from integrity_lsp.rules.races.report import coverage, race_finding
from integrity_lsp.rules.races.shapes import (
    Query,
    bindings_before,
    existence_check,
    get_except_create,
    same_subject,
)
from integrity_lsp.rules.races.views import view_findings
from integrity_lsp.syntax.nodes import (
    Argument,
    Node,
    assignment_target,
    chain_parts,
    code,
    expression_of,
    keyword_arguments,
    links,
    normalised,
    statements,
)

CODE = "IL103"
NAME = "check-then-update-or-create"


def shape_check(node: Node, ctx: Context) -> Iterator[Finding]:
    if ctx.integrity_guard is not None:
        return
    if node.type == "if_stmt":
        yield from _check_if(node, ctx)
    else:
        yield from _check_try(node, ctx)


def _check_if(if_stmt: Node, ctx: Context) -> Iterator[Finding]:
    index = ctx.env.index
    children = if_stmt.children
    if len(children) != 7 or children[4].value != "else":
        return
    bindings = bindings_before(if_stmt, index)
    found = existence_check(children[1], bindings, index)
    if found is None:
        return
    update_body, create_body = (children[3], children[6])
    if not found.truthy_means_exists:
        update_body, create_body = create_body, update_body
    updates = _update_values(update_body, found.query, bindings, ctx)
    if updates is None:
        return
    for write in writes_in(create_body, index):
        if same_subject(write, found.query):
            simple = len(statements(create_body)) == 1 and len(statements(update_body)) == 1
            fixes = _fixes(ctx, if_stmt, write, found.query, updates, simple, Applicability.UNSAFE)
            yield race_finding(CODE, NAME, ctx, write, found.query, fixes, "an existence check")
            return


def _update_values(
    block: Node, query: Query, bindings: dict[str, Query], ctx: Context
) -> list[tuple[str, str]] | None:
    """The values of `qs.update(a=…)` on the checked query inside `block`, or None."""
    for statement in statements(block):
        expression = expression_of(statement)
        base, trailers = chain_parts(expression)
        chain = links(trailers)
        if not chain or chain[-1].name != "update" or chain[-1].call is None:
            continue
        lookup = None
        if base.type == "name" and base.value in bindings and len(chain) == 1:
            lookup = bindings[base.value].lookup
        else:
            orm = parse_orm_call(expression, ctx.env.index)
            lookup = orm.lookup(skip_last=True) if orm is not None else None
        if lookup is not None and _same_lookup(lookup, query):
            return [(k, code(a.value)) for k, a in keyword_arguments(chain[-1].call).items()]
    return None


def _same_lookup(lookup: dict[str, Argument], query: Query) -> bool:
    return {k: normalised(a.value) for k, a in lookup.items()} == {
        k: normalised(a.value) for k, a in query.lookup.items()
    }


def _check_try(try_stmt: Node, ctx: Context) -> Iterator[Finding]:
    shape = get_except_create(try_stmt, ctx.env.index)
    if shape is None or not shape.body or shape.target is None:
        return
    target = code(shape.target)
    updates: list[tuple[str, str]] = []
    for statement in shape.body[:-1]:
        assigned_to = assignment_target(statement)
        if assigned_to is None or not code(assigned_to).startswith(f"{target}."):
            return
        updates.append((code(assigned_to).split(".", 1)[1], code(expression_of(statement))))
    if normalised(shape.body[-1]) not in (f"{target}.save()",) and not normalised(
        shape.body[-1]
    ).startswith(f"{target}.save("):
        return
    _, unique = coverage(ctx, shape.write, shape.query)
    applicability = Applicability.SAFE if unique is not None else Applicability.UNSAFE
    simple = len(statements(shape.handler_body)) == 1 and len(try_stmt.children) == 6
    fixes = _fixes(
        ctx, try_stmt, shape.write, shape.query, updates, simple, applicability, shape.target
    )
    yield race_finding(
        CODE, NAME, ctx, shape.write, shape.query, fixes, "`get()` … `except DoesNotExist`"
    )


def _fixes(
    ctx: Context,
    statement: Node,
    write: WriteSite,
    query: Query,
    updates: list[tuple[str, str]],
    simple: bool,
    applicability: Applicability,
    target: Node | None = None,
) -> list[Fix]:
    if not simple or write.method.startswith("create_") or write.positional:
        return []
    lookup, rest = split_write(write, query.lookup)
    create_values = [(str(a.keyword), code(a.value)) for a in rest]
    create_defaults = None
    if sorted(create_values) != sorted(updates):
        if not supports_create_defaults(ctx):
            return []
        create_defaults = create_values
    receiver = write.receiver if write.method != "save" else f"{write.model_text}.objects"
    call = get_or_create_call(
        receiver, "update_or_create", lookup, updates, create_defaults,
        multiline=layout_of(write, statement),
    )  # fmt: skip
    edit = replace_statement(ctx.file, statement, assigned(target or write.target, call))
    return [Fix(f"Use `{write.model_text}.objects.update_or_create()`", applicability, (edit,))]


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
    in_commands=False,
    scope="calls",
)
