"""Rows read as a set of one field's values, a part of `absence_sets`: which collections hold
the values a model's rows have (`{x.slug for x in qs}`, `{label.title: label for label in qs}`,
`set(qs.values_list("slug", flat=True))`), and the absence a test against one of them proves
(`value not in found`): a `Lookup` whose first key is the value tested, then the query's own
exact keys (`organization=…`) and the key a related manager pins (`source=self`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence
from integrity_lsp.analysis.absence_antijoins import READS
from integrity_lsp.analysis.absence_differences import related_rows
from integrity_lsp.analysis.absence_managers import is_own_read
from integrity_lsp.analysis.absence_reads import Lookup, column_of
from integrity_lsp.analysis.django import OrmCall, parse_orm_call
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    chain_parts,
    code,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord


class SetReads:
    """The reading half of `absence_sets._Finder` (its tables, filled in source order)."""

    ctx: Context
    queries: dict[str, Node]  # name -> a queryset read
    sets: dict[str, tuple[Node, str]]  # name -> (the queryset, the field)
    owners: dict[int, Argument]  # lookup -> the key its related manager fills in
    managed: ModelRecord | None  # in a manager: `self` reads its rows

    def query(self, node: Node) -> Node | None:
        """A queryset of one model (`M.objects.filter(…)`, `…all()`), or a name bound to one."""
        if node.type == "name":
            return self.queries.get(node.value)
        if node.type not in CALL_CHAIN_TYPES:
            return None
        if self.managed is not None and is_own_read(node):
            return node  # `self.all()` in the model's manager
        orm = parse_orm_call(node, self.ctx.env.index)
        if orm is None or orm.node is not node or any(m.name not in READS for m in orm.methods):
            return None
        return node

    def keyed(self, value: Node) -> tuple[Node, str] | None:
        """`{x.f: … for x in qs}`, `{x.f for x in qs}`, `[x.f for x in qs]`,
        `set(qs.values_list("f", flat=True))`: the queryset and the field `f`."""
        base, trailers = chain_parts(value)
        if base.type == "name" and base.value in ("set", "list", "frozenset") and trailers:
            given = arguments(trailers[0]) if len(trailers) == 1 else []
            return self.values_list(given[0].value) if len(given) == 1 else None
        if value.type in CALL_CHAIN_TYPES:
            return self.values_list(value)
        if value.type != "atom" or len(value.children) != 3:
            return None
        inner = value.children[1]
        if inner.type not in ("dictorsetmaker", "testlist_comp"):
            return None
        element, loop = inner.children[0], inner.children[-1]
        if loop.type != "sync_comp_for" or len(loop.children) != 4:
            return None
        variable, source = loop.children[1], loop.children[3]
        query = self.query(source)
        if query is None or variable.type != "name":
            return None
        element_base, element_trailers = chain_parts(element)
        if (
            element_base.type != "name"
            or element_base.value != variable.value
            or len(element_trailers) != 1
            or element_trailers[0].children[0].value != "."
        ):
            return None
        return query, element_trailers[0].children[1].value

    def values_list(self, node: Node) -> tuple[Node, str] | None:
        if node.type not in CALL_CHAIN_TYPES:
            return None
        _, trailers = chain_parts(node)
        if len(trailers) < 2 or code(trailers[-2]).strip() != ".values_list":
            return None
        given = arguments(trailers[-1])
        flat = any(a.keyword == "flat" and code(a.value) == "True" for a in given)
        fields = [a.value for a in given if a.keyword is None]
        if not flat or len(fields) != 1 or fields[0].type != "string":
            return None
        base, _ = chain_parts(node)
        query = self.query(base if len(trailers) == 2 else node)
        return (query, fields[0].value.strip("\"'")) if query is not None else None

    def absence(self, test: Node, origin: Node, *, negated: bool) -> tuple[Absence, Node] | None:
        """`value not in found` (or `value in found` when `negated`, for its else branch)."""
        if test.type != "comparison" or len(test.children) != 3:
            return None
        value, operator, found = test.children
        wanted = "notin" if not negated else "in"
        if normalised(operator) != wanted or found.type != "name" or found.value not in self.sets:
            return None
        return self.absence_of(value, found.value, origin, test)

    def absence_of(
        self, value: Node, found: str, origin: Node, test: Node
    ) -> tuple[Absence, Node] | None:
        """`value` is not among the field's values in the set named `found`."""
        query, field = self.sets[found]
        orm = parse_orm_call(query, self.ctx.env.index)
        tested = Argument(field, value, "", test)
        if column_of(field) is None:
            return None
        if orm is None and self.managed is not None and is_own_read(query):
            model = self.managed
            lookup = Lookup(query, (tested,), model.name, "self", "self", "filter", None, model)
            return Absence(lookup, origin, "set"), value
        if orm is None:
            return None
        # the value tested first (what `writes` matches), then the query's own exact keys
        # (`organization=…`: which unique constraint the insert can break)
        keys = (tested, *_exact_keys(orm, field))
        related = related_rows(orm, self.ctx)  # `self.datafiles.all()`: DataFile, source=self
        if related is not None and related[1] is not None:
            keys = (*keys, related[1])
        lookup = Lookup(
            query, keys, orm.model_text, orm.receiver, orm.manager, "filter", orm,
            related[0] if related is not None else None,
        )  # fmt: skip
        if related is not None and related[1] is not None:
            self.owners[id(lookup)] = related[1]
        return Absence(lookup, origin, "set"), value


def _exact_keys(orm: OrmCall, tested: str) -> list[Argument]:
    """The exact-equality keyword arguments of the query's `filter()` steps."""
    found = []
    for link in orm.methods:
        if link.name != "filter" or link.call is None:
            continue
        for arg in arguments(link.call):
            column = column_of(str(arg.keyword)) if arg.keyword is not None else None
            if column is not None and column != column_of(tested):
                found.append(arg)
    return found
