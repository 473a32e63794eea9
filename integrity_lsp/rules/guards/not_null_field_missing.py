"""## What it does
Finds `create()` calls and `Model(…)` instances saved with `.save()` that leave a NOT NULL
field without a value: no keyword for it, no `default`, no `db_default`, not an auto field, not
`auto_now`/`auto_now_add`, and not a type that Django fills with `""` (CharField, TextField,
SlugField, EmailField, URLField, FilePathField, FileField, ImageField; BinaryField gets `b""`).
Integer, decimal, boolean, date, UUID, JSON fields and foreign keys get None. A field class of
the project counts as the Django class it derives from; one that is neither (a third-party
field such as wagtail's `StreamField`) is not judged: Django's base `Field` sends `""` for an
omitted value unless the class declares otherwise. A field class imported from an installed
package other than Django is not judged either, whatever its name (djblets' `JSONField` is a
TextField that stores `"{}"`), nor is a field class that defines `pre_save`, itself or in a
base of the project's or a package's short of Django's (Django asks `pre_save` for every
inserted value: a timestamp field setting `now()` there when the value is None, a JSON field
returning its dumped `{}`), and neither is a model whose fields are not all known: one with
a base class from a package the project's interpreter does not have installed (see the README,
"Third-party models"). A `parent_link=True` one-to-one field is filled by Django, which inserts
the parent row first.

## Why is this bad?
Django sends NULL for the missing column and the database refuses the row:
`IntegrityError: NOT NULL constraint failed: sales_orderline.quantity` — a 500 in a view, a
crashed task elsewhere. The model's `blank`/form validation does not run on `create()`.

Silent when the call passes positional values or `**kwargs` (the names cannot be seen), when the
instance is handed to other code before `save()`, when the model's own methods assign the field
(`self.slug = …` in an overridden `save()`), when the manager overrides `create()` (wagtail's
`GroupPagePermission.objects.create(permission_type=…)` fills `permission` itself), for the
`width_field` / `height_field` of an `ImageField` that is given (Django fills them from the
image), for the `content_type` / `object_id` behind a `GenericForeignKey` that is given
(`content_object=…`), and for attributes a `pre_save` receiver of the project assigns on its
`instance` (for its `sender`, or for every model when it names none: wagtail's `locale`). An
attribute set by tuple unpacking (`obj.author, _ = …`) counts as set, a `GenericForeignKey`
imported under another name (or subclassed in the module) as one, and migration files are not
checked (RunPython writes historical models, not today's models.py), nor is a model a function
gets from `apps.get_model(…)` with `apps` a parameter (a migration helper outside migrations/).

## Example
```python
OrderLine.objects.create(order=order, product=product, unit_price=product.price)
```

## Use instead
```python
OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=product.price)
```
or give the field a `default=` (or `db_default=`) in the model.

## Fix safety
Display-only: the fix names the missing fields; which value they need is yours to decide.

## References
- [Field.null](https://docs.djangoproject.com/en/stable/ref/models/fields/#null)
- [Field.default](https://docs.djangoproject.com/en/stable/ref/models/fields/#default)
- [Field.db_default](https://docs.djangoproject.com/en/stable/ref/models/fields/#db-default)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.bindings import last_binding
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import parse_orm_call
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.unique_sets import column_of
from integrity_lsp.analysis.writes import WriteSite, site_model, write_site
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.rules.guards.required import missing_fields
from integrity_lsp.syntax.nodes import Node, chain_parts, expression_of, statement_of

CODE = "IL203"
NAME = "not-null-field-missing"


def check(node: Node, ctx: Context) -> Iterator[Finding]:
    site = write_site(node, ctx)
    if site is None or site.opaque or site.method not in ("create", "save"):
        return
    model = site_model(site, ctx)
    if model is None or model.abstract or _manager_overrides_create(site, model, ctx):
        return
    if _historical(site, ctx):
        return
    if not ctx.env.index.fields_known(model):
        return  # a base from a package that is not installed may hold more fields
    missing = missing_fields(ctx, model, set(site.values))
    if not missing:
        return
    index = ctx.env.index
    names = ", ".join(f"`{field.name}`" for field in missing)
    columns = [column_of(index, model, field.name) for field in missing]
    call = f"{site.model_text}.objects.create()" if site.kind == "create" else "save()"
    plural = "fields have" if len(missing) > 1 else "field has"
    status = " → HTTP 500" if ctx.handler is not None else ""
    message = (
        f"`{call}` of {model.label} leaves {names} unset: the NOT NULL {plural} no default, so "
        f"the insert raises `IntegrityError: NOT NULL constraint failed: {columns[0]}`{status}"
    )
    related = tuple(
        Location(field.ref.path, field.ref.span, f"{field.name} = {field.field_class}(…)")
        for field in missing
    )
    title = f"Pass {', '.join(f'{field.name}=…' for field in missing)} (or give a default)"
    yield Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span.of(site.node),
        related=related,
        fixes=(Fix(title, Applicability.DISPLAY_ONLY),),
    )


def _historical(site: WriteSite, ctx: Context) -> bool:
    """Is the model a name bound to `registry.get_model(…)` where `registry` is a parameter (the
    `apps` RunPython hands a migration helper, wherever the helper lives: nautobot's
    ipam/utils/migrations.py)? That class is the historical model, whose fields may differ from
    models.py."""
    function = ctx.function
    name = site.model_text
    if function is None or not name.isidentifier():
        return False
    binding = last_binding(function, name, statement_of(site.node))
    if binding is None:
        return False
    base, trailers = chain_parts(expression_of(binding))
    names = [t.children[1].value for t in trailers if t.children[0].value == "."]
    if base.type != "name" or names[:1] != ["get_model"]:
        return False
    params = {param.name.value for param in function.get_params()}
    return str(base.value) in params


def _manager_overrides_create(site: WriteSite, model: ModelRecord, ctx: Context) -> bool:
    if site.kind != "create":
        return False
    orm = parse_orm_call(site.node, ctx.env.index)
    if orm is None:
        return False
    return any(
        manager.attribute == orm.manager and "create" in manager.create_methods
        for manager in ctx.env.index.managers(model)
    )


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("atom_expr", "power"),
    check=check,
    words=("create(", "save("),  # only `create()` and `save()` are judged (`check`)
    in_migrations=False,  # RunPython writes historical models, not today's models.py
    scope="function",
)
