"""## What it does
Finds literal values in `create()`, model constructors (`Product(price=-1)`) and queryset
`update()` calls (`Product.objects.filter(…).update(price=-1)`) that violate a
`CheckConstraint` of the model — its `condition=` (or the older `check=`) evaluated with the
lookups `exact`, `iexact`, `gt`, `gte`, `lt`, `lte`, `in`, `range`, `isnull`, `contains`,
`startswith`, `endswith`, `F()` references and `&`, `|`, `^`, `~` — or a negative value for a
`PositiveIntegerField`, `PositiveSmallIntegerField` or `PositiveBigIntegerField`.

## Why is this bad?
The database rejects the row: `IntegrityError: CHECK constraint failed: price_gte_0`. For the
positive fields Django adds a column check (`"quantity" >= 0`): SQLite reports `CHECK constraint
failed: quantity`, PostgreSQL `violates check constraint "sales_orderline_quantity_check"`.
On MariaDB they are `UNSIGNED` columns, and (in its default strict mode) a negative value is
refused as out of range before any check: `DataError: (1264, "Out of range value for column
'quantity'…")`, not an `IntegrityError`, so an `except IntegrityError` does not catch it there
(a `CheckConstraint` of the model fails with `IntegrityError` (4025) on MariaDB as elsewhere). A
literal that always fails is a bug that only shows when that line runs.

Values the analysis cannot know (variables, expressions, `F()`, NULL) are never reported: a
CHECK passes when its condition is unknown, exactly as in SQL. A condition is read as Python
reads it inside the constraint's call, over as many lines as it is written on (`Q(a=…)` then
`| Q(b=…)` on the next line: every alternative counts). Unset fields count with their
literal `default` in an insert; an `update()` only knows the columns it sets, so a constraint
over other columns too (`sale_price < price` with only `sale_price` set) is not judged. An
`update()` that matches no row raises nothing, but the line fails as soon as one row matches.

## Example
```python
class Product(models.Model):
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(price__gte=0), name="price_gte_0")]


Product.objects.create(sku="GIFT-CARD", price=-1)
```

## Use instead
```python
Product.objects.create(sku="GIFT-CARD", price=0)
```

## Fix safety
Display-only: which value is right is not for a tool to decide.

## References
- [CheckConstraint](https://docs.djangoproject.com/en/stable/ref/models/constraints/#checkconstraint)
- [PositiveIntegerField](https://docs.djangoproject.com/en/stable/ref/models/fields/#positiveintegerfield)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from integrity_lsp.analysis.conditions import (
    UNKNOWN,
    constraint_name,
    evaluate,
    is_negative_number,
    literal_value,
    literal_value_of,
    may_read_negative,
    without,
)
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import WRITE_WORDS, parse_orm_call
from integrity_lsp.analysis.registry import Narrowing, register
from integrity_lsp.analysis.unique_sets import column_of
from integrity_lsp.analysis.writes import WriteSite, site_model, write_site
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.project.db_names import postgres_check_name
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import POSITIVE_FIELD_CLASSES, ModelRecord, SourceRef
from integrity_lsp.syntax.nodes import Argument, Node, arguments, code

LOOKUP_FIELD = re.compile(r"[(,]\s*([A-Za-z_]\w*?)(?:__\w+)?\s*=(?!=)")
CODE = "IL205"
NAME = "check-constraint-violated"


def check(node: Node, ctx: Context) -> Iterator[Finding]:
    site = write_site(node, ctx) or _update_site(node, ctx)
    if site is None or site.kind == "bulk_create" or not site.values:
        return
    # `obj = M(…)` … `obj.save()`: the constructor's values are reported at the constructor.
    partial = site.kind == "save" and site.call.parent is not node
    index = ctx.env.index
    if not _may_violate(site, partial, index):
        return  # decided before the model is looked up, which costs far more
    statement = "update" if site.kind == "update" else "insert"
    model = site_model(site, ctx)
    if model is None:
        return
    known: dict[str, Any] = {}
    given: dict[str, Argument] = {}
    for key, argument in site.values.items():
        field = index.field(model, key) if "__" not in key else None
        if field is None or (partial and argument.node.type != "simple_stmt"):
            continue
        value = literal_value(argument.value)
        if value is not UNKNOWN:
            known[field.name] = value
            given[field.name] = argument
    if not given:
        return
    if not site.opaque and not partial and site.kind != "update":
        for field in index.all_fields(model).values():
            if field.name not in site.values and field.attname not in site.values:
                default = literal_value_of(field.default)
                if default is not UNKNOWN:
                    known.setdefault(field.name, default)
    status = " → HTTP 500" if ctx.handler is not None else ""
    for name, argument in given.items():
        field = index.field(model, name)
        value = known[name]
        if field is None or field.known_class not in POSITIVE_FIELD_CLASSES:
            continue
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and value < 0:
            table, column = column_of(index, model, name).split(".", 1)
            message = (
                f"`{_shown(argument)}` on {model.label}.{name}, a {field.field_class}: "
                f'Django adds `CHECK ("{column}" >= 0)`, so the {statement} raises '
                f"`IntegrityError: CHECK constraint failed: {column}` (PostgreSQL: violates check "
                f"constraint "
                f'"{postgres_check_name(table, column)}"){status}'
            )
            yield _finding(ctx, argument, site.node, message, field.ref)
    for record in (model, *index.parents(model)):
        for constraint in index.constraints(record):
            if constraint.kind != "check" or not constraint.condition:
                continue

            def field_name(text: str, owner: ModelRecord = record) -> str | None:
                found = index.field(owner, text)
                return found.name if found is not None else None

            if evaluate(constraint.condition, known, field_name) is not False:
                continue
            condition = constraint.condition
            lhs = {field_name(m) for m in LOOKUP_FIELD.findall(condition)}
            order = sorted(given, key=lambda n: n not in lhs)  # the lookups' own fields first
            culprit = next(
                (
                    given[n]
                    for n in order
                    if evaluate(condition, without(known, n), field_name) is not False
                ),
                None,
            )
            label = constraint_name(constraint.name or "", record.app_label, record.name)
            shown = f"`{_shown(culprit)}`" if culprit is not None else "A default value"
            message = (
                f"{shown} violates the CheckConstraint `{label}` (`{constraint.condition}`) of "
                f"{record.label}: the {statement} raises `IntegrityError: CHECK constraint failed: "
                f"{label}`{status}"
            )
            yield _finding(ctx, culprit, site.node, message, constraint.ref)


def _may_violate(site: WriteSite, partial: bool, index: ProjectIndex) -> bool:
    """Some value this check could judge is given: a literal, and -- unless a model of the
    project has a CheckConstraint -- a negative number (all a positive field refuses)."""
    values = [
        literal_value(argument.value)
        for key, argument in site.values.items()
        if "__" not in key and not (partial and argument.node.type != "simple_stmt")
    ]
    literals = [value for value in values if value is not UNKNOWN]
    if not literals:
        return False
    return index.has_check_constraints() or any(is_negative_number(v) for v in literals)


def _narrowing(index: ProjectIndex) -> Narrowing | None:
    """Without a CheckConstraint in the project, only a function with a negative literal can
    be reported in (`_may_violate`)."""
    return None if index.has_check_constraints() else Narrowing("-", may_read_negative)


def _update_site(node: Node, ctx: Context) -> WriteSite | None:
    """`M.objects.filter(…).update(field=value, …)`: an UPDATE of the columns it names."""
    orm = parse_orm_call(node, ctx.env.index)
    if orm is None or orm.method != "update" or orm.final_call is None:
        return None
    call = orm.final_call
    values = {a.keyword: a for a in arguments(call) if a.keyword is not None}
    site = WriteSite(node, "update", "update", orm.model_text, orm.model_leaf, call, values)
    return replace(site, manager=orm.manager)


def _shown(argument: Argument) -> str:
    node = argument.node
    return code(node.children[0] if node.type == "simple_stmt" else node)


def _finding(
    ctx: Context, argument: Argument | None, node: Node, message: str, ref: SourceRef
) -> Finding:
    where = argument.node if argument is not None else node
    if where.type == "simple_stmt":
        where = where.children[0]
    return Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span.of(where),
        related=(Location(ref.path, ref.span, "defined here"),),
        fixes=(Fix("Use a value the constraint accepts", Applicability.DISPLAY_ONLY),),
    )


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("atom_expr", "power"),
    check=check,
    words=(*WRITE_WORDS, "update("),
    scope="function",
    constructors=True,
    narrowing=_narrowing,
)
