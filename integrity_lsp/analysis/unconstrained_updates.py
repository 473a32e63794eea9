"""`obj.save(update_fields=[…])` that no constraint can refuse: an UPDATE of an existing row
whose named columns are in no unique set, no `CheckConstraint`, no relation, nor the primary
key, of a model whose `save()` is Django's own (no override in its MRO, every class of which is
read). Such an UPDATE raises no `IntegrityError`; it fails only when the row is gone (Django's
`DatabaseError("Save with update_fields did not affect any rows.")`), which a handler means to
catch only when it names `DatabaseError` (pretix's best-effort extension of a cart position
that may have been deleted in the meantime).

The field names must be literal strings, the model known (`fields_known`), and the instance's
model read from the code (`resolve_instance`, no jedi): unknown means the write may fail.
What `pre_save` / `post_save` receivers write is not followed (as for every other save).
"""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.project.records import (
    MANY_TO_MANY_FIELD_CLASSES,
    POSITIVE_FIELD_CLASSES,
    RELATION_FIELD_CLASSES,
    ModelRecord,
)
from integrity_lsp.syntax.declarations import collection_items, literal
from integrity_lsp.syntax.nodes import Node, arguments, chain_parts


def unconstrained_update(node: Node, ctx: Context) -> bool:
    """`node` (a call chain ending in `.save(…)`) updates only columns no constraint covers."""
    head, trailers = chain_parts(node)
    if head.type != "name" or len(trailers) != 2 or ctx.function is None:
        return False
    names = _update_fields(trailers[-1])
    if not names:
        return False
    model = ctx.env.resolver.resolve_instance(ctx.file, head, use_jedi=False)
    if model is None or not ctx.env.index.fields_known(model):
        return False
    return _unconstrained(model, names, ctx) and _django_save(model, ctx)


def _update_fields(call: Node) -> list[str] | None:
    """The literal names of `update_fields=[…]`; None when absent or not all literal, or when
    another argument is given (`force_insert`)."""
    given = arguments(call)
    if len(given) != 1 or given[0].keyword != "update_fields":
        return None
    items = collection_items(given[0].value)
    if items is None:
        return None
    names = [literal(item) for item in items]
    if not all(isinstance(name, str) for name in names):
        return None
    return [str(name) for name in names]


def _unconstrained(model: ModelRecord, names: list[str], ctx: Context) -> bool:
    index = ctx.env.index
    if any(constraint.kind == "check" for constraint in index.constraints(model)):
        return False  # its condition may read a named column
    pk = index.pk(model)
    covered = {name for unique in index.unique_sets(model) for name in unique.fields}
    for name in names:
        field = index.field(model, name)
        if field is None or field.name != name or field.third_party:
            return False
        if field.primary_key or (pk is not None and pk.name == name) or name in covered:
            return False
        if field.unique or field.related_model is not None:
            return False
        special = RELATION_FIELD_CLASSES | MANY_TO_MANY_FIELD_CLASSES | POSITIVE_FIELD_CLASSES
        if field.known_class in special:
            return False
    return True


def _django_save(model: ModelRecord, ctx: Context) -> bool:
    """No class of the model's MRO defines `save()` before Django's `Model`; all are read."""
    return not any(True for _ in mro_definitions(model, "save", ctx))
