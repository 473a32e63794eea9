"""Anti-joins, a part of `absence_sets`: rows read with `.exclude(<relation>__<field>=v)` (the
ones that already have a related row with that value left out), then, in a `for` over them, a
new related row built for each with the same value and appended to a list that
`bulk_create()` inserts. Two runs at once both read the same rows without one and both insert
it. The relation is the built model's lower-cased name or a foreign key's
`related_query_name`/`related_name`; the row must be built with the loop's variable and the
excluded value."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence
from integrity_lsp.analysis.absence_reads import NARROWING, Lookup, column_of, value_text
from integrity_lsp.analysis.absence_writes import constructed
from integrity_lsp.analysis.django import parse_orm_call
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    chain_parts,
    code,
    links,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

READS = NARROWING | {"all"}
_DEFINITIONS = ("funcdef", "classdef", "lambdef")
Exclusions = tuple[tuple[str, str, Node], ...]


class AntiJoins:
    """The anti-join half of `absence_sets._Finder` (its tables, filled in source order)."""

    ctx: Context
    queries: dict[str, Node]
    lists: dict[str, tuple[Absence, WriteSite]]
    # name -> the related rows it excludes: (relation, field, value) of `.exclude(rel__f=v)`
    excluded: dict[str, Exclusions]

    def exclusions(self, value: Node) -> Exclusions | None:
        """`qs.exclude(deviceconnection__credentials_id=c)` (through any chain of reads):
        the rows that already have a related `DeviceConnection` with that value are left out
        (None: not a chain of reads of a queryset)."""
        if value.type not in CALL_CHAIN_TYPES:
            return None
        base, trailers = chain_parts(value)
        chain = links(trailers)
        if base.type == "name" and base.value in self.excluded:
            found = list(self.excluded[base.value])
        elif base.type == "name" and base.value in self.queries:
            found = []
        else:
            orm = parse_orm_call(value, self.ctx.env.index)
            if orm is None or orm.node is not value:
                return None
            found, chain = [], list(orm.methods)  # the links after the manager
        for link in chain:
            if link.call is None or link.name not in (*READS, "exclude", "iterator"):
                return None
            if link.name != "exclude":
                continue
            given = arguments(link.call)
            parts = str(given[0].keyword).split("__") if len(given) == 1 else []
            if len(parts) == 2 and given[0].keyword is not None:
                found.append((parts[0], parts[1], given[0].value))
        return tuple(found)

    def anti_join_loop(self, node: Node) -> None:
        """`for device in devices:` over rows excluding those with a related row: each new
        related row built for `device` with the excluded value is absent."""
        variable, source = node.children[1], node.children[3]
        if source.type == "name":
            excluded = self.excluded.get(source.value, ())
        else:
            excluded = self.exclusions(source) or ()
        if variable.type != "name" or not excluded:
            return
        instances: dict[str, tuple[Absence, WriteSite]] = {}
        for inner in own_nodes(node.children[-1]):
            built = constructed(inner, self.ctx) if inner.type in CALL_CHAIN_TYPES else None
            found = self.related_row(built, variable, excluded) if built is not None else None
            if found is not None and built is not None:
                target = inner.parent.children[0] if inner.parent.type == "expr_stmt" else None
                if target is not None and target.type == "name":
                    instances[target.value] = (found, built)
            appended = appended_to(inner) if inner.type in CALL_CHAIN_TYPES else None
            if appended is not None and appended[1].type == "name":
                pending = instances.get(appended[1].value)
                if pending is not None:
                    self.lists[appended[0]] = pending

    def related_row(self, built: WriteSite, variable: Node, excluded: Exclusions) -> Absence | None:
        owner = next(
            (key for key, arg in built.values.items() if value_text(arg.value) == variable.value),
            None,
        )
        for relation, field, value in excluded:
            if owner is None or relation not in self.relation_names(built):
                continue
            given = {column_of(key): arg for key, arg in built.values.items()}
            written = given.get(column_of(field))
            if written is None or value_text(written.value) != value_text(value):
                continue
            keys = (Argument(owner, variable), Argument(field, value))
            receiver = f"{built.model_text}.objects"
            lookup = Lookup(variable, keys, built.model_text, receiver, "objects", "exclude")
            return Absence(lookup, variable, "set")
        return None

    def relation_names(self, built: WriteSite) -> set[str]:
        """How a query from the other side names the built model: its lower-cased name, or
        the `related_query_name`/`related_name` of its foreign keys."""
        names = {built.model_text.rsplit(".", 1)[-1].lower()}
        model = site_model(built, self.ctx)
        if model is None:
            return names
        for field in self.ctx.env.index.all_fields(model).values():
            for option in ("related_query_name", "related_name"):
                given = field.option(option)
                if given and given[:1] in "\"'":
                    names.add(given.strip("\"'"))
                    break
        return names

    # --- tests and inserts ----------------------------------------------------------------


def appended_to(node: Node) -> tuple[str, Node] | None:
    """`items.append(x)`: ("items", x)."""
    base, trailers = chain_parts(node)
    if base.type != "name" or len(trailers) != 2 or code(trailers[0]).strip() != ".append":
        return None
    given = arguments(trailers[1])
    if len(given) != 1 or given[0].keyword is not None or given[0].star:
        return None
    return base.value, given[0].value


def own_nodes(root: Node) -> list[Node]:
    found = []
    stack = list(reversed(getattr(root, "children", ())))
    while stack:
        node = stack.pop()
        if node.type in _DEFINITIONS:
            continue
        found.append(node)
        stack.extend(reversed(getattr(node, "children", ())))
    return found
