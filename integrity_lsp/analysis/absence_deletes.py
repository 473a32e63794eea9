"""Deletes as absences, a view of `analysis.absence` for replaced rows: after
`M.objects.filter(k=v).delete()` (or `qs.delete()` on a name holding that queryset, `adelete()`,
its result bound or dropped) no row with those keys is left on that path, so an insert of the
same keys that follows is an insert of a row just found absent. Two runs at once both delete and
both insert: the second insert collides with the first's new row. The deleted keys are matched
in the insert's terms by `replaced_row`: a `k__in=values` key per value of a loop over `values`,
the two columns of a `GenericForeignKey` the insert sets.

Why that holds on PostgreSQL's default READ COMMITTED (and on every backend Django supports):
the second run's DELETE waits on the rows the first one locked by deleting them, and once the
first commits it skips them (they are gone); the row the first run inserted is not among the rows
its statement found, so nothing of it is deleted, and the second INSERT fails on the unique index.
When no row existed, the DELETEs lock nothing at all and the second INSERT waits for the first
transaction, then fails. `transaction.atomic()` changes none of this. (MySQL/InnoDB's
REPEATABLE READ takes gap locks on the deleted range instead: the two inserts then deadlock,
which is an error all the same; SQLite serialises the writers.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence, State
from integrity_lsp.analysis.absence_match import value_text_of
from integrity_lsp.analysis.absence_reads import (
    DELETES,
    MEMBER_SUFFIX,
    column_of,
    lookup_of,
    value_text,
)
from integrity_lsp.analysis.generic_foreign_keys import generic_foreign_keys
from integrity_lsp.analysis.writes import simple_statements, site_model
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    assignment_target,
    chain_parts,
    expression_of,
    links,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite

_COMPREHENSIONS = ("sync_comp_for", "comp_for")
_CONTENT_TYPE_OF = "ContentType.objects.get_for_model("


def deleted(node: Node, state: State, ctx: Context) -> Absence | None:
    """The rows a small statement deletes by exact keys, as an absence from there on: the
    statement's own value (`qs.delete()`, `count, _ = qs.delete()`, `await qs.adelete()`)."""
    value = expression_of(node)  # `await` is dropped by `chain_parts`
    if value.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(value)
    chain = links(trailers)
    call = chain[-1].call if chain else None
    if call is None or chain[-1].name not in DELETES or call is not trailers[-1]:
        return None
    if len(call.children) != 2:
        return None  # `delete(…)` with arguments is not a queryset's delete
    if base.type == "name" and len(trailers) == 2:
        held = state.held(base.value)  # `qs = M.objects.filter(k=v)` … `qs.delete()`
        if held is None or held.kind != "query":
            return None
        return Absence(held.lookup, node, "delete")
    found = lookup_of(value, ctx.env.index, deleted=True, members=True)
    if found is None:
        return None
    return Absence(found.lookup, node, "delete")


def replaced_row(
    absence: Absence, write: WriteSite, function: Node, ctx: Context
) -> tuple[Absence, WriteSite] | None:
    """The deleted keys in the insert's terms, where they can be: a `k__in=values` key is the
    insert's `k`, when that is the variable of a loop or comprehension over the same `values`
    (`filter(user__in=users).delete()`, then `bulk_create([M(user=u) for u in users])`): one
    row per value, each deleted. A `GenericForeignKey` the insert sets (`object=instance`) writes
    its two columns: the object's primary key, and its content type where the lookup names it
    (`ContentType.objects.get_for_model(instance)`, or a name bound once to that). None: a
    member key with no such loop."""
    keys: list[Argument] = []
    for key in absence.lookup.keys:
        keyword = str(key.keyword)
        if not keyword.endswith(MEMBER_SUFFIX):
            keys.append(key)
            continue
        column = column_of(keyword.removesuffix(MEMBER_SUFFIX))
        written = next(
            (a for k, a in write.values.items() if column is not None and column_of(k) == column),
            None,
        )
        if written is None or not _iterates(written.value, key.value):
            return None
        keys.append(Argument(keyword.removesuffix(MEMBER_SUFFIX), written.value, node=key.node))
    lookup = replace(absence.lookup, keys=tuple(keys))
    return replace(absence, lookup=lookup), _generic_values(write, lookup.keys, function, ctx)


def _iterates(name: Node, values: Node) -> bool:
    """Is `name` the variable of a loop or comprehension around it over `values`?"""
    if name.type != "name":
        return False
    wanted = normalised(values)
    node: Node | None = name.parent
    while node is not None and node.type not in ("funcdef", "file_input"):
        candidates = [c for c in getattr(node, "children", ()) if c.type in _COMPREHENSIONS]
        if node.type == "for_stmt":
            candidates.append(node)
        for loop in candidates:
            target, iterable = loop.children[1], loop.children[3]
            if target.type == "name" and target.value == name.value:
                return normalised(iterable) == wanted
        node = node.parent
    return False


def _generic_values(
    write: WriteSite, keys: tuple[Argument, ...], function: Node, ctx: Context
) -> WriteSite:
    model = site_model(write, ctx)
    if model is None:
        return write
    values = dict(write.values)
    by_column = {column_of(str(key.keyword)): key for key in keys}
    for attribute, (ct_field, fk_field) in generic_foreign_keys(ctx, model).items():
        given = write.values.get(attribute)
        if given is None:
            continue
        values.setdefault(fk_field, Argument(fk_field, given.value, node=given.node))
        content_type = by_column.get(column_of(ct_field))
        if content_type is not None and _content_type_of(content_type.value, function) == (
            value_text(given.value)
        ):
            values.setdefault(ct_field, Argument(ct_field, content_type.value, node=given.node))
    return replace(write, values=values)


def _content_type_of(value: Node, function: Node) -> str | None:
    """`ContentType.objects.get_for_model(x)` (or a name bound once in the function to it):
    the text of `x`."""
    if value.type == "name":
        bound = [
            expression_of(statement)
            for statement in simple_statements(function)
            if (target := assignment_target(statement)) is not None
            and target.type == "name"
            and target.value == value.value
        ]
        if len(bound) != 1:
            return None
        value = bound[0]
    text = normalised(value)
    if not text.startswith(_CONTENT_TYPE_OF) or not text.endswith(")"):
        return None
    inner = text.removeprefix(_CONTENT_TYPE_OF).removesuffix(")")
    return None if "," in inner or "(" in inner else value_text_of(inner)
