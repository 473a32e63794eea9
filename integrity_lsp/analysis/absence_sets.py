"""Set-difference absences, a view of `analysis.absence` for batches: the rows of a model are
read as a collection of one field's values (`{label.title: label for label in qs}`, `{x.slug
for x in qs}`, `set(qs.values_list("slug", flat=True))`), a value found `not in` it is absent,
and a new instance with that value is inserted on that branch (`create()`), or appended to a
list that `bulk_create()` later inserts, or built by a comprehension filtered on the same test
(`[M(slug=s) for s in slugs if s not in existing]`). Two runs at once both read the old set and
both insert the missing rows.

The same for an anti-join (`absence_antijoins`): rows read with `.exclude(rel__field=v)`, and a
related row built for each of them with `v`; and for a loop over a set difference (`for v in
wanted - found:`, `absence_differences`), whose every value is absent. Rows read through a
related manager (`self.datafiles.all()`) are the manager's model's, with its foreign key as a key.

Guards: `bulk_create(ignore_conflicts=True)`/`update_conflicts=True`, a `try … except
IntegrityError` around the insert; another model, or an instance whose value for the field is
not the value tested, is not the row. The value written is matched by expression, also through
`M(**item)` when the value tested is `item["title"]`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence, Race
from integrity_lsp.analysis.absence_antijoins import (
    READS,
    AntiJoins,
    Exclusions,
    appended_to,
    own_nodes,
)
from integrity_lsp.analysis.absence_differences import Differences, owned_by, related_rows
from integrity_lsp.analysis.absence_managers import is_own_read, managed_model, own_create
from integrity_lsp.analysis.absence_match import protected, same_model
from integrity_lsp.analysis.absence_reads import Lookup, column_of, value_text
from integrity_lsp.analysis.absence_writes import CONFLICT_OPTIONS, constructed
from integrity_lsp.analysis.django import OrmCall, parse_orm_call
from integrity_lsp.analysis.writes import WriteSite, orm_write
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


def set_races(function: Node, ctx: Context) -> list[Race]:
    """The set-difference races of one function's own body (nested definitions aside)."""
    if function.type != "funcdef" or "in" not in code(function.children[-1]).split():
        return []
    finder = _Finder(function, ctx)
    for node in own_nodes(function):
        finder.visit(node)
    return finder.races


class _Finder(AntiJoins, Differences):
    def __init__(self, function: Node, ctx: Context) -> None:
        self.function = function
        self.ctx = ctx
        self.queries: dict[str, Node] = {}  # name -> a queryset read
        self.sets: dict[str, tuple[Node, str]] = {}  # name -> (the queryset, the field)
        self.lists: dict[str, tuple[Absence, WriteSite]] = {}  # list -> what it will insert
        self.excluded: dict[str, Exclusions] = {}
        self.differences: dict[str, str] = {}  # name -> the set it subtracts (`new - known`)
        self.owners: dict[int, Argument] = {}  # lookup -> the key its related manager fills in
        self.races: list[Race] = []
        self.managed = managed_model(function, ctx)  # in a manager: `self` reads its rows
        self.updated: dict[int, bool] = {}  # `if` -> its branch for the rows found updates

    def visit(self, node: Node) -> None:
        if node.type == "expr_stmt" and len(node.children) == 3 and node.children[1].value == "=":
            self.assignment(node.children[0], node.children[2])
        elif node.type == "if_stmt":
            self.branches(node)
        elif node.type == "for_stmt":
            self.anti_join_loop(node)
            loop = self.difference_loop(node)
            found = self.absence_of(loop[1], loop[2], node, loop[1]) if loop else None
            if loop is not None and found is not None:
                self.absent_branch(loop[0], *found)
        elif node.type in CALL_CHAIN_TYPES:
            self.insert_of_list(node)

    # --- reads ----------------------------------------------------------------------------

    def assignment(self, target: Node, value: Node) -> None:
        if target.type != "name":
            return
        name = target.value
        if normalised(value) == "[]" and name in self.lists:
            return  # a batch list emptied after an insert: the loop fills it again
        excluded, query = self.exclusions(value), self.query(value)
        for table in (self.queries, self.sets, self.lists, self.excluded, self.differences):
            table.pop(name, None)
        if excluded is not None:
            self.excluded[name] = excluded
        if query is not None or excluded is not None:
            self.queries[name] = value
            return
        keyed = self.keyed(value)
        if keyed is not None:
            self.sets[name] = keyed
            return
        subtracted = self.subtracted(value) if value.type != "name" else None
        if subtracted is not None:
            self.differences[name] = subtracted
            return
        built = self.comprehension(value)
        if built is not None:
            self.lists[name] = built

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

    def branches(self, node: Node) -> None:
        children = node.children
        if len(children) < 4 or children[0].value != "if":
            return
        found = self.absence(children[1], node, negated=False)
        present = children[6] if len(children) == 7 and children[4].value == "else" else None
        if found is not None:
            self.updated[id(node)] = present is not None and _updates(present)
            self.absent_branch(children[3], *found)
            return
        found = self.absence(children[1], node, negated=True)
        if found is not None and present is not None:
            self.updated[id(node)] = _updates(children[3])
            self.absent_branch(present, *found)

    def absent_branch(self, suite: Node, absence: Absence, value: Node) -> None:
        instances: dict[str, WriteSite] = {}
        for node in own_nodes(suite):
            if node.type == "expr_stmt" and len(node.children) == 3:
                target, built = node.children[0], constructed(node.children[2], self.ctx)
                if target.type == "name" and built is not None and self.writes(built, absence):
                    instances[target.value] = built
            if node.type not in CALL_CHAIN_TYPES:
                continue
            site = orm_write(node, self.ctx.env.index)
            if site is None and self.managed is not None:
                site = own_create(node, self.managed)
            if site is not None and site.kind == "create" and self.writes(site, absence):
                self.report(site, absence)
                continue
            appended = appended_to(node)
            if appended is None:
                continue
            list_name, item = appended
            site = instances.get(item.value) if item.type == "name" else None
            site = site or constructed(item, self.ctx)
            if site is not None and self.writes(site, absence):
                self.lists[list_name] = (absence, site)

    def comprehension(self, value: Node) -> tuple[Absence, WriteSite] | None:
        """`[M(f=v, …) for … if v not in found]`."""
        if value.type != "atom" or value.children[0].value != "[" or len(value.children) != 3:
            return None
        inner = value.children[1]
        if inner.type != "testlist_comp" or inner.children[-1].type != "sync_comp_for":
            return None
        condition = inner.children[-1].children[-1]
        if condition.type != "comp_if":
            return None
        found = self.absence(condition.children[1], value, negated=False)
        site = constructed(inner.children[0], self.ctx)
        if found is None or site is None or not self.writes(site, found[0]):
            return None
        return found[0], site

    def writes(self, site: WriteSite, absence: Absence) -> bool:
        """Is `site` a new instance of the absent row (same model, the tested value)?"""
        if not same_model(site, absence.lookup, self.ctx):
            return False
        owner = self.owners.get(id(absence.lookup))
        if owner is not None and not owned_by(site, absence.lookup, owner):
            return False  # another owner's row: `team.accounts` read, `team=other` written
        key = absence.lookup.keys[0]
        field, wanted = str(key.keyword), value_text(key.value)
        for keyword, argument in site.values.items():
            if column_of(keyword) == column_of(field) and value_text(argument.value) == wanted:
                return True
        return any(
            arg.star == "**" and wanted in _subscripts(code(arg.value), field)
            for arg in site.positional
        )

    def insert_of_list(self, node: Node) -> None:
        site = orm_write(node, self.ctx.env.index)
        if site is None or site.kind != "bulk_create":
            return
        if any(option in site.kwargs for option in CONFLICT_OPTIONS):
            return
        given = site.positional
        if len(given) != 1 or given[0].star or given[0].value.type != "name":
            return
        pending = self.lists.get(given[0].value.value)
        if pending is None:
            return
        absence, built = pending
        write = replace(
            built, node=site.node, kind="bulk_create", method="bulk_create",
            manager=site.manager, receiver=site.receiver, call=site.call,
        )  # fmt: skip
        self.report(write, absence)

    def report(self, write: WriteSite, absence: Absence) -> None:
        if protected(write, self.function, None):
            return
        if any(race.write.node is write.node for race in self.races):
            return
        # the rows found are updated, the missing ones inserted: an update-or-create
        code = "IL103" if self.updated.get(id(absence.origin)) else "IL101"
        self.races.append(Race(write, absence, code))


def _updates(block: Node) -> bool:
    text = code(block)
    return any(f".{method}(" in text for method in ("save", "asave", "update", "aupdate"))


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


def _subscripts(name: str, field: str) -> set[str]:
    """How `**name` carries `field`: `name["field"]`, `name.get("field")` (normalised)."""
    return {
        spelling.format(name=name, field=field, quote=quote)
        for spelling in ("{name}[{quote}{field}{quote}]", "{name}.get({quote}{field}{quote})")
        for quote in "\"'"
    }
