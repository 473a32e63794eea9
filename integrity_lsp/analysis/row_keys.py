"""Is a value the primary key of a row of the model the write saves?

`demographics.pk = customer.demographics.pk` before `demographics.save()` (tendenci's
membership views, the ModelForm's instance taking over the user's existing row): Django's
`save()` of an instance whose key is set UPDATEs the row with that key first and inserts only
when none was updated, so a key read from a row of the same model names a row that exists (or
is None, and the insert gets a new automatic key). Either way the key cannot collide: the save
is an UPDATE of that row, not the insert of a duplicate. Not so where the key has a `default`
(`UUIDField(default=uuid4)`): Django then forces an INSERT of a new instance. A key read from a
row of another model (`profile.pk = user.pk`, a shared primary key) does not name a row of this
model and stays a key set by the code.

The object the key is read from is typed by the resolver (`existing.pk` after `existing =
Demographic.objects.get(…)`); failing that, by the relation it is reached through
(`customer.demographics.pk`): an attribute that, on every model of the project having it, is a
forward or reverse one-to-one/foreign-key accessor leading to the saved model.

Likewise a nullable field unique on its own, read from a row of the same model
(`Speaker.objects.create(user=speaker.user)` copying a speaker): the new row collides with
that row unless the value is NULL, so it is NULL or the write fails on every call.
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.name_bindings import bindings
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, code

KEY_ATTRIBUTES = ("pk", "id")


def copies_row_key(value: Node, model: ModelRecord, ctx: Context) -> bool:
    """Is `value` (`x.pk`, `x.id`, `a.b.pk`) the primary key of a row of `model`?"""
    if value.type not in CALL_CHAIN_TYPES:
        return False
    base, trailers = chain_parts(value)
    if not trailers or any(code(t).strip()[:1] != "." for t in trailers):
        return False  # calls and subscripts: not a plain attribute read
    index = ctx.env.index
    pk = index.pk(model)
    if pk is not None and (pk.default is not None or pk.db_default is not None):
        return False  # Django forces an INSERT of a new instance whose key has a default
    last = code(trailers[-1]).strip()[1:]
    if last not in (*KEY_ATTRIBUTES, *((pk.name, pk.attname) if pk is not None else ())):
        return False
    wanted = index.concrete_model(model).label
    # a name leaf inside the chain stands for the chain up to it (`customer.demographics`)
    owner = trailers[-2].children[1] if len(trailers) >= 2 else base
    owner_model = ctx.env.resolver.resolve_instance(ctx.file, owner)
    if owner_model is not None:
        return index.concrete_model(owner_model).label == wanted
    if len(trailers) < 2:
        return False
    accessor = code(trailers[-2]).strip()[1:]
    targets = _accessor_targets(ctx, accessor)
    return bool(targets) and targets == {wanted}


def copies_own_unique_value(value: Node, model: ModelRecord, name: str, ctx: Context) -> bool:
    """Is `value` (`speaker.user`, `speaker.user_id`) the field `name` read from a row of
    `model`, a nullable field unique on its own? Written into a new row it collides with that
    row unless it is NULL: NULL, or a failure of every call, never a race of two requests."""
    if value.type not in CALL_CHAIN_TYPES:
        return False
    index = ctx.env.index
    field = index.field(model, name)
    if field is None or not field.null:
        return False
    if not any(
        unique.fields == {field.name} and unique.condition is None and unique.nulls_distinct
        for unique in index.unique_sets(model)
    ):
        return False
    base, trailers = chain_parts(value)
    if not trailers or any(code(t).strip()[:1] != "." for t in trailers):
        return False  # calls and subscripts: not a plain attribute read
    if code(trailers[-1]).strip()[1:] not in (field.name, field.attname):
        return False
    owner = trailers[-2].children[1] if len(trailers) >= 2 else base
    wanted = index.concrete_model(model).label
    if owner.get_root_node() is ctx.file.tree:  # a node of another file reads the wrong module
        owner_model = ctx.env.resolver.resolve_instance(ctx.file, owner)
        if owner_model is not None:
            return index.concrete_model(owner_model).label == wanted
    accessor = _looped_accessor(owner)
    return accessor is not None and _collection_targets(ctx, accessor, field.name) == {wanted}


_QUERYSET_METHODS = frozenset(
    {"all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "distinct"}
)


def _looped_accessor(owner: Node) -> str | None:
    """`speaker_set` of `for speaker in event.speaker_set.all():` around `owner` (`speaker`)."""
    if owner.type != "name":
        return None
    function = owner.parent
    while function is not None and function.type not in ("funcdef", "file_input"):
        function = function.parent
    if function is None:
        return None
    before = [node for node in bindings(function, owner.value) if node.start_pos < owner.start_pos]
    loop = before[-1] if before else None
    if loop is None or loop.type != "for_stmt" or loop.children[1].type != "name":
        return None  # not bound by a loop, or bound again since
    if owner.start_pos > loop.end_pos:
        return None
    iterable = loop.children[3]
    if iterable.type not in CALL_CHAIN_TYPES:
        return None
    _, trailers = chain_parts(iterable)
    texts = [code(t).strip() for t in trailers]
    while len(texts) >= 2 and texts[-1][:1] == "(" and texts[-2][1:] in _QUERYSET_METHODS:
        texts = texts[:-2]
    last = texts[-1] if texts else ""
    return last[1:] if last[:1] == "." and last[1:].isidentifier() else None


def _models_having(
    index: ProjectIndex, accessor: str
) -> Iterator[tuple[ModelRecord, FieldRecord | None]]:
    """Every concrete (non-abstract) model of the index, with its field named `accessor`, or
    None where `accessor` is not one of its fields (a reverse accessor, or nothing)."""
    for model in index.models():
        if model.abstract:
            continue
        field = index.field(model, accessor)
        yield model, field if field is not None and field.name == accessor else None


def _collection_targets(ctx: Context, accessor: str, read: str) -> set[str]:
    """The concrete models having a field `read` whose rows the attribute `accessor` manages,
    on every model that has it (a reverse relation or a many-to-many field); an attribute of
    another kind adds a name that matches no model. (tendenci's `event.speaker_set` is
    events.Speaker's; `track.speaker_set` leads to speakers.Speaker, which has no `user`.)"""
    index = ctx.env.index
    found: set[str] = set()
    for model, field in _models_having(index, accessor):
        target: ModelRecord | None = None
        if field is not None:
            target = index.related_model(model, field) if field.is_many_to_many else None
            if target is None:
                found.add("?")
                continue
        elif (reverse := index.reverse_relations(model).get(accessor)) is not None:
            target = reverse[0]
        if target is not None and index.field(target, read) is not None:
            found.add(index.concrete_model(target).label)
    return found


def _accessor_targets(ctx: Context, accessor: str) -> set[str]:
    """The concrete models the attribute `accessor` leads to as a single row, on every model
    that has it (a forward relation field or a reverse one-to-one accessor); an attribute of
    another kind on any model adds a name that matches no model."""
    index = ctx.env.index
    found: set[str] = set()
    for model, field in _models_having(index, accessor):
        if field is not None:
            target = index.related_model(model, field) if field.is_foreign_key else None
            found.add(index.concrete_model(target).label if target is not None else "?")
            continue
        reverse = index.reverse_relations(model).get(accessor)
        if reverse is not None:
            source_model, relation = reverse
            one = relation.known_class == "OneToOneField"
            found.add(index.concrete_model(source_model).label if one else "?")
    return found
