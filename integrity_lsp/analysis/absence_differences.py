"""Set differences and related rows, a part of `absence_sets`.

- A loop over a set difference: `for v in wanted - found:` (or over a name bound to `wanted -
  found`), where `found` is a set of one field's values read from rows (`{x.f for x in qs}`):
  every `v` the loop gives is absent, so a row built with it in the loop's body is a missing row
  (netbox's `DataSource.sync()`: `new_paths = walked - known_paths`, then `DataFile(source=self,
  path=path)` for each, `bulk_create()`d).
- Rows read through a related manager (`{df.path for df in self.datafiles.all()}`): the rows of
  the manager's model, and the foreign key it fills in is one of the lookup's keys (it selects
  the owner's rows only). An owner the resolver cannot type (an unannotated parameter) leaves
  the model unknown, and the read is no absence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_reads import Lookup, column_of, value_text
from integrity_lsp.analysis.django import OrmCall, is_related_manager
from integrity_lsp.syntax.declarations import is_operator
from integrity_lsp.syntax.nodes import Argument, Node

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite
    from integrity_lsp.project.records import ModelRecord


class Differences:
    """The set-difference half of `absence_sets._Finder` (its tables, filled in source order)."""

    sets: dict[str, tuple[Node, str]]
    differences: dict[str, str]  # name -> the set of values read from rows it subtracts

    def subtracted(self, value: Node) -> str | None:
        """`wanted - found` with `found` a set read from rows, or a name bound to one: the name
        of `found`."""
        if value.type == "name":
            return self.differences.get(value.value)
        children: list[Node] = list(value.children) if value.type == "arith_expr" else []
        if len(children) != 3 or not is_operator(children[1], "-"):
            return None
        found = children[2]
        return found.value if found.type == "name" and found.value in self.sets else None

    def difference_loop(self, node: Node) -> tuple[Node, Node, str] | None:
        """`for v in wanted - found: …`: (the loop's body, `v`, the name of `found`)."""
        variable, iterable, body = node.children[1], node.children[3], node.children[5]
        if variable.type != "name":
            return None
        found = self.subtracted(iterable)
        return (body, variable, found) if found is not None else None


def related_rows(orm: OrmCall, ctx: Context) -> tuple[ModelRecord, Argument | None] | None:
    """Rows read through a related manager (`self.datafiles.all()`): its model, and the key it
    pins (`source=self`) when the owner is a plain name; None when not a related manager or
    the owner's model is unknown."""
    if not is_related_manager(orm.manager, ctx.env.index):
        return None
    trailer = orm.methods[0].name_leaf.parent  # `.all`: the manager is everything before it
    try:
        target = ctx.env.resolver.resolve_manager_call(ctx.file, trailer)
    except Exception:  # resolution is best effort; a rule must never crash on it
        return None
    if target is None or target.kind != "related":
        return None
    owner = orm.model_leaf
    pinned = None
    if len(target.fixed_fields) == 1 and owner is not None and orm.receiver.count(".") == 1:
        pinned = Argument(target.fixed_fields[0], owner)  # `self.datafiles`: source=self
    return target.model, pinned


def owned_by(site: WriteSite, lookup: Lookup, owner: Argument) -> bool:
    """Does the insert set the related manager's key to its owner (or go through it)?"""
    if "".join(site.receiver.split()) == "".join(lookup.receiver.split()):
        return True  # `team.accounts.create(…)`: the manager fills it in
    column, wanted = column_of(str(owner.keyword)), value_text(owner.value)
    return any(
        column_of(keyword) == column and value_text(argument.value) == wanted
        for keyword, argument in site.values.items()
    )
