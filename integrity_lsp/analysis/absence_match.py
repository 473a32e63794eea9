"""Does an insert write the row a lookup found absent? Same model (resolved, else the same text)
and, for every key of the lookup, the same value expression (after `absence_reads`'
normalisation) among the insert's values: keywords, known dict literals behind `**`, the
positional values of a manager's `create_*`, and the foreign key a related manager fills in.

A reverse relation (`self.profiles.get(event=e)`, `user.profiles.create(event=e)`) is its
model's manager with the foreign key fixed to the owner: on either side it is read as
`SpeakerProfile.objects` with `user=self` added, so `self.profiles.get(event=e)` matches
`SpeakerProfile(event=e, user=self).save()` and `SpeakerProfile.objects.filter(user=u,
event=e)` matches `u.profiles.create(event=e)`. The relation is known from the resolver (in
the file being checked) or from a `related_name` only one foreign key of the project declares;
else only the same related-manager expression on both sides matches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_reads import Lookup, column_of, value_text
from integrity_lsp.analysis.django import is_related_manager, model_of, related_model_of
from integrity_lsp.analysis.exception_handlers import catches_integrity_error
from integrity_lsp.analysis.write_relations import related_target, relation_of
from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.syntax.nodes import Argument, Node, normalised

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord
    from integrity_lsp.project.values import ManagerTarget


def written_values(write: WriteSite, dicts: Mapping[str, Node]) -> dict[str, str]:
    """Column -> normalised value text of everything the insert visibly sets."""
    found: dict[str, str] = {}
    arguments: list[Argument] = list(write.values.values())
    for arg in write.positional:
        if arg.star != "**":
            continue
        entries = dict_entries(arg.value)
        if entries is None and arg.value.type == "name" and arg.value.value in dicts:
            entries = dict_entries(dicts[arg.value.value])
        arguments.extend(entries or ())
    for arg in arguments:
        column = column_of(str(arg.keyword)) if arg.keyword else None
        if column is not None:
            found[column] = value_text(arg.value)
    return found


def lookup_model(lookup: Lookup, ctx: Context) -> ModelRecord | None:
    """The model a lookup's rows are of (through a related manager too), if known."""
    if lookup.model is not None or lookup.orm is None:
        return lookup.model
    return model_of(lookup.orm, ctx) or related_model_of(lookup.orm, ctx)


def _pk_name(model: ModelRecord | None, ctx: Context) -> str:
    if model is None:
        return "id"
    pk = ctx.env.index.pk(model)
    return pk.name if pk is not None else "id"


def _text(text: str) -> str:
    return "".join(text.split())


def named_after(write: WriteSite, lookup: Lookup, ctx: Context) -> WriteSite:
    """An object of unknown model, as the model of the lookup whose row it inserts."""
    model = lookup_model(lookup, ctx)
    return replace(write, model_text=lookup.model_text, receiver=lookup.receiver, model=model)


def same_model(write: WriteSite, lookup: Lookup, ctx: Context) -> bool:
    if not write.model_text and write.model_leaf is None:
        return True  # an object from elsewhere: judged by its keys alone
    written_relation = related_target(write, ctx)
    read_relation = lookup_relation(lookup, ctx)
    written = site_model(write, ctx) if written_relation is None else written_relation.model
    written = write.model or written
    read = read_relation.model if read_relation else lookup_model(lookup, ctx)
    if written is not None and read is not None:
        index = ctx.env.index
        return index.concrete_model(written).label == index.concrete_model(read).label
    return _text(write.receiver) == _text(lookup.receiver) or (
        _text(write.model_text) == _text(lookup.model_text)
        and not is_related_manager(lookup.manager, ctx.env.index)
    )


def writes_looked_up_row(
    write: WriteSite, lookup: Lookup, ctx: Context, dicts: Mapping[str, Node]
) -> bool:
    """Is `write` an insert of the row `lookup` selects (same model, same key values)?"""
    if not same_model(write, lookup, ctx):
        return False
    if not write.model_text and len(lookup.keys) < 2:
        return False  # an object of unknown model: one shared key (`user=user`) is too little
    if not _same_splats(write, lookup, dicts):
        return False
    values = written_values(write, dicts)
    filled = _owner_key(related_target(write, ctx), write.receiver)
    if filled is not None:
        values.setdefault(*filled)  # `user.profiles.create(…)` writes `user=user`
    positional = {value_text(arg.value) for arg in write.positional if not arg.star}
    by_create_method = write.method.startswith("create_") or write.method == "acreate_user"
    pk_name = _pk_name(site_model(write, ctx) or lookup_model(lookup, ctx), ctx)
    for arg in lookup.keys:
        column = column_of(str(arg.keyword))
        if column is None:
            return False
        wanted = value_text(arg.value)
        names = {column, pk_name, "pk", "id"} if column in ("pk", "id", pk_name) else {column}
        if any(values.get(name) == wanted for name in names):
            continue
        if by_create_method and wanted in positional:
            continue
        return False
    if is_related_manager(lookup.manager, ctx.env.index) and _text(write.receiver) != _text(
        lookup.receiver
    ):
        # The related manager filters on its owner too: the insert must set it (the foreign
        # key the relation fixes, when known).
        owner = _owner_key(lookup_relation(lookup, ctx), lookup.receiver)
        if owner is not None:
            return values.get(owner[0]) == owner[1]
        return value_text_of(lookup.receiver.rsplit(".", 1)[0]) in values.values()
    return True


def _same_splats(write: WriteSite, lookup: Lookup, dicts: Mapping[str, Node]) -> bool:
    """Every `**name` of the lookup is splatted into the insert too (`get(p=p, **scope)` /
    `create(p=p, **scope)`): the same unknown keys, `name` not rebound in between (rebinding
    it drops the absence); or `name` holds a known dict literal whose every entry the insert
    writes alike."""
    written = {normalised(arg.value) for arg in write.positional if arg.star == "**"}
    values: dict[str, str] | None = None
    for splat in lookup.splats:
        if splat.value in written:
            continue
        entries = dict_entries(dicts[splat.value]) if splat.value in dicts else None
        if not entries:
            return False
        values = written_values(write, dicts) if values is None else values
        for entry in entries:
            column = column_of(str(entry.keyword))
            if column is None or values.get(column) != value_text(entry.value):
                return False
    return True


def lookup_relation(lookup: Lookup, ctx: Context) -> ManagerTarget | None:
    """The reverse relation a read goes through (`self.profiles.get(event=e)`): its model and
    the foreign key fixed to the owner."""
    if lookup.orm is None or not is_related_manager(lookup.manager, ctx.env.index):
        return None
    return relation_of(lookup.manager, lookup.orm.methods[0].name_leaf.parent, ctx)


def _owner_key(relation: ManagerTarget | None, receiver: str) -> tuple[str, str] | None:
    """(the column a relation fixes, the owner's value text): `self.profiles` -> ("user",
    "self"); None when the relation or its one foreign key is not known."""
    if relation is None or len(relation.fixed_fields) != 1:
        return None
    column = column_of(relation.fixed_fields[0])
    owner = receiver.rsplit(".", 1)[0] if "." in receiver else ""
    if column is None or not owner:
        return None
    return column, value_text_of(owner)


def value_text_of(text: str) -> str:
    text = _text(text)
    for suffix in (".pk", ".id"):
        if text.endswith(suffix):
            return text.removesuffix(suffix)
    return text


def same_value(first: Node, second: Node) -> bool:
    return normalised(first) == normalised(second)


def protected(write: WriteSite, function: Node, through: Node | None) -> bool:
    """Is the insert (or the call that reaches it) inside a `try` that catches IntegrityError?"""
    for start in (write.node, through):
        node = start
        while node is not None and node.type not in ("funcdef", "file_input"):
            parent = node.parent
            if (
                parent is not None
                and parent.type == "try_stmt"
                and node is parent.children[2]
                and catches_integrity_error(parent)
            ):
                return True
            node = parent
    return False
