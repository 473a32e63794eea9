"""## What it does
Finds request handlers that write a foreign key's raw id from request data —
`Order.objects.create(customer_id=request.POST["customer_id"])`, `Order(customer_id=pk)` with a
URL parameter, `order.customer_id = payload.customer_id` — with no sign that the parent row
exists: the value did not come from `get_object_or_404`, a model instance (also an attribute of
a row a query returned: `Node.objects.filter(group=g)[0].graph_id`, `….first().team_id`) or
validated serializer/form data, and was not looked up earlier in the handler. A constructor
`obj = Order(customer_id=…)` counts when the instance is inserted (`obj.save()`, a
`bulk_create` list built of it): one only rendered or executed never reaches the table.

Also silent for what a serializer or form built from the request hands on (`form =
NoteForm(request.POST)` then `form.instance.team_id`; `serializer.data["id"]` after `save()`,
the row just written), for an attribute of a handler parameter outside django-ninja
(`project.organization_id`: a URL kwarg is a string or a number, so a parameter with attributes
is a row the view machinery fetched, as sentry's `convert_args` does), for a URL parameter that
a decorator of the handler looked up first (it names the parameter in its arguments, as
guardian's `@permission_required_or_404("app.view_team", (Team, "pk", "team_id"))` does, or is
a permission/object decorator called with arguments), for `db_constraint=False` keys, and in
test code (see the README's test-code policy). A function taken for a view only because it
takes `request` first passes on as request data only parameters named like URL identifiers
(`pk`, `id`, `slug`, `team_id`, …): `merge_threads(request, validated_data, threads, …)` is a
helper handed objects.

## Why is this bad?
An unknown or deleted id fails the foreign key: `IntegrityError: FOREIGN KEY constraint failed`
(SQLite), `insert or update on table "sales_order" violates foreign key constraint …`
(PostgreSQL), and the user gets HTTP 500 instead of a 404 or a 400. Django creates foreign keys
`DEFERRABLE INITIALLY DEFERRED` on PostgreSQL (and SQLite): inside a transaction
(`ATOMIC_REQUESTS`, `atomic()`) the error appears only at COMMIT, past any `try`/`except`
around the write.

## Example
```python
def create_order(request):
    order = Order.objects.create(customer_id=request.POST["customer_id"])
```

## Use instead
```python
def create_order(request):
    customer = get_object_or_404(Customer, pk=request.POST["customer_id"])
    order = Order.objects.create(customer=customer)
```

## Fix safety
Unsafe: the fix passes `customer=get_object_or_404(Customer, pk=…)` instead of the raw id, which
adds a query and answers 404 (DRF and django-ninja turn `Http404` into 404 too) where the
request used to fail later. It adds the imports it needs.

## References
- [get_object_or_404](https://docs.djangoproject.com/en/stable/topics/http/shortcuts/#get-object-or-404)
- [ForeignKey.db_constraint](https://docs.djangoproject.com/en/stable/ref/models/fields/#django.db.models.ForeignKey.db_constraint)
- [Database transactions](https://docs.djangoproject.com/en/stable/topics/db/transactions/)
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.bindings import is_second_save
from integrity_lsp.analysis.bulk_objects import bulk_objects
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import decorator_name, decorators_of, handler_title
from integrity_lsp.analysis.registry import register
from integrity_lsp.analysis.unique_sets import column_of
from integrity_lsp.analysis.writes import WriteSite, site_model, write_site
from integrity_lsp.findings import Finding, Location, Span
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.rules.guards.dataflow import (
    checked_before,
    is_request_derived,
    request_derived_names,
)
from integrity_lsp.rules.guards.parents import assigned_id, fetch_parent_fix, target_field
from integrity_lsp.syntax.nodes import Argument, Node, code, statement_of

CODE = "IL204"
NAME = "raw-foreign-key-id"


def check(node: Node, ctx: Context) -> Iterator[Finding]:
    handler = ctx.handler
    if handler is None or ctx.function is not handler.function:
        return
    if node.type == "expr_stmt":
        found = assigned_id(node, ctx)
        if found is not None:
            yield from _check_value(found[0], found[1], node, ctx)
        return
    site = inserted_site(node, ctx)
    if site is None:
        return
    ids = [arg for key, arg in site.kwargs.items() if key.endswith("_id")]
    written_model = site_model(site, ctx) if ids else None
    if written_model is None:
        return
    for argument in ids:
        yield from _check_value(written_model, argument, node, ctx)


def inserted_site(node: Node, ctx: Context) -> WriteSite | None:
    """The insert at `node` whose call's keyword values are written: a create, `M(…).save()`,
    the first `obj.save()` of `obj = M(…)`, the constructor a `bulk_create` list is built of.
    A bare `M(…)` is none: an instance that is only rendered or executed (django-sql-explorer's
    playground `Query`) never reaches the table, so its ids cannot fail a foreign key; when it
    is saved, the save reports its constructor's arguments (`obj.x_id = …` is reported as an
    assignment)."""
    site = write_site(node, ctx)
    if site is None or site.kind == "constructor":
        return None
    if site.kind == "bulk_create":
        return bulk_objects(site, ctx)
    if site.kind == "save" and is_second_save(node, ctx.function):
        return None  # an UPDATE of the row the first save inserted: reported there
    return site


def _check_value(
    model: ModelRecord, argument: Argument, node: Node, ctx: Context
) -> Iterator[Finding]:
    index = ctx.env.index
    key = str(argument.keyword)
    field = index.field(model, key)
    if field is None or not field.is_foreign_key or field.attname != key:
        return
    if field.option("db_constraint") == "False":
        return
    # the names as the value was computed (the constructor of a later `obj.save()`)
    names = request_derived_names(ctx, statement_of(argument.value), validated_by_objects=True)
    if not is_request_derived(argument.value, names, validated_by_objects=True):
        return
    if checked_before(argument.value, ctx, node) or _decorator_fetched(argument.value, ctx):
        return
    parent = index.related_model(model, field)
    if parent is None:
        return
    target = target_field(field.option("to_field"))
    parent_column = column_of(index, parent, target)
    assert ctx.handler is not None
    message = (
        f"`{key}` in {handler_title(ctx.handler)} comes from the request and nothing shows that "
        f"the {parent.name} exists: an unknown id raises `IntegrityError: FOREIGN KEY "
        f"constraint failed` ({column_of(index, model, key)} → {parent_column}) and the user "
        "gets HTTP 500. Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: on "
        "PostgreSQL inside a transaction the error appears at COMMIT, past any try/except "
        "around the write"
    )
    fixes = fetch_parent_fix(ctx.file, argument, field.name, parent.name, parent.module, target)
    yield Finding(
        code=CODE,
        name=NAME,
        message=message,
        path=ctx.file.path,
        span=Span.of(argument.node),
        related=(Location(field.ref.path, field.ref.span, f"{model.name}.{field.name}"),),
        fixes=tuple(fixes),
    )


def _decorator_fetched(value: Node, ctx: Context) -> bool:
    """A URL parameter that a decorator of the handler looked up first: guardian's
    `@permission_required_or_403("x", (Team, "pk", "team_id"))` or a project's
    `@object_permission(Team, "team_id")` names the parameter (or the model) in its arguments
    and answers 404/403 before the view runs when the row does not exist."""
    handler = ctx.handler
    if handler is None or value.type != "name":
        return False
    parameter = str(value.value)
    for decorator in decorators_of(handler.function):
        call = decorator.children[1] if len(decorator.children) > 1 else None
        if call is None or call.type not in ("atom_expr", "power") or not _is_call(call):
            continue
        name = decorator_name(decorator).rsplit(".", 1)[-1].lower()
        quoted = {f'"{parameter}"', f"'{parameter}'"}
        arguments_text = code(call.children[-1])
        if any(text in arguments_text for text in quoted):
            return True
        if ("perm" in name or "object" in name) and arguments_text.strip() != "()":
            return True
    return False


def _is_call(node: Node) -> bool:
    last = node.children[-1]
    return bool(last.type == "trailer" and last.children[0].value == "(")


register(
    CODE,
    NAME,
    doc=__doc__,
    node_types=("atom_expr", "power", "expr_stmt"),
    check=check,
    words=("_id=", "_id ="),
    scope="function",
)
