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
"""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.project.records import ModelRecord
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


def _accessor_targets(ctx: Context, accessor: str) -> set[str]:
    """The concrete models the attribute `accessor` leads to as a single row, on every model
    that has it (a forward relation field or a reverse one-to-one accessor); an attribute of
    another kind on any model adds a name that matches no model."""
    index = ctx.env.index
    found: set[str] = set()
    for model in index.models():
        if model.abstract:
            continue
        field = index.field(model, accessor)
        if field is not None and field.name == accessor:
            target = index.related_model(model, field) if field.is_foreign_key else None
            found.add(index.concrete_model(target).label if target is not None else "?")
            continue
        reverse = index.reverse_relations(model).get(accessor)
        if reverse is not None:
            source_model, relation = reverse
            one = relation.known_class == "OneToOneField"
            found.add(index.concrete_model(source_model).label if one else "?")
    return found
