"""What makes an insert unable to collide with another request's, or not an insert at all:
fresh values (`uuid4()`, `secrets.token_urlsafe()`) (a row this request inserted just before is
`analysis.bindings.inserted_before`),
a second `save()` of the same object (an UPDATE), a model whose own `save()` swallows
IntegrityError, and a function that takes `request` but is a helper its module calls.
"""

from __future__ import annotations

from integrity_lsp.analysis.class_methods import model_class, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    assignment_target,
    chain_parts,
    code,
    expression_of,
)


def called_in_module(ctx: Context) -> bool:
    """A module-level function taken for a view only because it takes `request` first, but
    called by the module's own code: a helper, whose callers may guard it."""
    handler = ctx.handler
    if handler is None or handler.class_node is not None or handler.kind != "django":
        return False
    if decorators_of(handler.function):
        return False  # `@require_POST` and friends make it a view
    name = str(handler.function.children[1].value)
    for leaf in ctx.file.tree.get_used_names().get(name, []):
        following = leaf.get_next_sibling()
        is_call = (
            following is not None
            and following.type == "trailer"
            and following.children[0].value == "("
        )
        if is_call and leaf.parent is not handler.function:
            return True
    return False


def save_swallows_conflicts(model: ModelRecord, ctx: Context) -> bool:
    """Does the model's own `save()` catch IntegrityError (`Online.save`: "first come is first
    serve")? Then create()/save() never raise it."""
    found = model_class(model, ctx)
    save = own_method(found[0], "save") if found is not None else None
    return save is not None and "IntegrityError" in code(save)


USER_CREATORS = frozenset({"create_user", "create_superuser"})


def username_argument(site: WriteSite, model: ModelRecord, ctx: Context) -> Argument | None:
    """`create_user(email, password)` passes the model's USERNAME_FIELD first: that value as a
    keyword argument (`USERNAME_FIELD = "email"` read from the model or a project base; Django's
    default is `username`)."""
    if site.method not in USER_CREATORS:
        return None
    positional = [argument for argument in site.positional if not argument.star]
    if not positional or site.positional[0].star:
        return None
    name = "username"
    for record in (model, *ctx.env.index.ancestors(model)):
        found = _class_string(record, ctx, "USERNAME_FIELD")
        if found is not None:
            name = found
            break
    return Argument(name, positional[0].value)


def _class_string(model: ModelRecord, ctx: Context, attribute: str) -> str | None:
    """A string class attribute (`USERNAME_FIELD = "email"`) of a project model's class."""
    found = model_class(model, ctx)
    if found is None:
        return None
    for statement in found[0].children[-1].children:
        target = assignment_target(statement) if statement.type == "simple_stmt" else None
        if target is not None and target.type == "name" and target.value == attribute:
            value = expression_of(statement)
            if value.type == "string" and value.value[:1] in "\"'":
                return str(value.value[1:-1])
    return None


def related_owner(site: WriteSite, model: ModelRecord, ctx: Context) -> Argument | None:
    """`layer.transformations.create(…)` fills the foreign key whose reverse accessor is
    `transformations` (its `related_name`, else `<model>_set`) with `layer`."""
    if site.kind != "create" or site.manager is None or site.node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(site.node)
    if not _owner_chain(base, trailers):
        return None  # only `owner.accessor.create(…)` / `self.request.organizer.accessor.create(…)`
    owner: Node = base if len(trailers) == 3 else trailers[-3]  # the value: the owner's part
    candidates = []
    for field in ctx.env.index.all_fields(model).values():
        if not field.is_foreign_key:
            continue
        related = (field.option("related_name") or "").strip("\"'")
        if (related or f"{model.name.lower()}_set") == site.manager:
            candidates.append(field)
    if len(candidates) > 1:  # `membership_set` of a user and of a team: the owner decides
        held = ctx.env.resolver.resolve_instance(ctx.file, base) if len(trailers) == 3 else None
        candidates = [
            field
            for field in candidates
            if held is not None
            and (field.related_model or "").rsplit(".", 1)[-1] in (held.name, "self")
        ]
    return Argument(candidates[0].name, owner) if len(candidates) == 1 else None


def model_by_accessor(site: WriteSite, ctx: Context) -> ModelRecord | None:
    """The model of `owner.transformations.create(…)` when the owner cannot be resolved but
    exactly one foreign key of the project has that reverse accessor (`related_name=
    "transformations"`, or `<model>_set` without one)."""
    if site.kind != "create" or site.manager is None or site.node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(site.node)
    if not _owner_chain(base, trailers):
        return None
    found = {
        (model.app_label, model.name): model
        for model in ctx.env.index.models()
        if not model.abstract
        for field in ctx.env.index.local_fields(model).values()
        if field.is_foreign_key
        and ((field.option("related_name") or "").strip("\"'") or f"{model.name.lower()}_set")
        == site.manager
    }
    return next(iter(found.values())) if len(found) == 1 else None


def _owner_chain(base: Node, trailers: list[Node]) -> bool:
    """`owner.accessor.create(…)`, the owner a name or attributes of one
    (`self.request.organizer.customers.create(…)`)."""
    return (
        base.type == "name"
        and len(trailers) >= 3
        and trailers[-1].children[0].value == "("
        and all(trailer.children[0].value == "." for trailer in trailers[:-1])
    )
