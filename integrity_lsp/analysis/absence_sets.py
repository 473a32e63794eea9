"""Set-difference absences, a view of `analysis.absence` for batches: the rows of a model are
read as a collection of one field's values (`{label.title: label for label in qs}`, `{x.slug
for x in qs}`, `set(qs.values_list("slug", flat=True))`), a value found `not in` it is absent,
and a new instance with that value is inserted on that branch (`create()`), or appended to a
list that `bulk_create()` later inserts, or built by a comprehension filtered on the same test
(`[M(slug=s) for s in slugs if s not in existing]`). Two runs at once both read the old set and
both insert the missing rows.

The sets are read by `absence_set_reads`, an insert is matched to the absent row by
`absence_set_rows`. The same for an anti-join (`absence_antijoins`): rows read with
`.exclude(rel__field=v)`, and a related row built for each of them with `v`; and for a loop
over a set difference (`for v in wanted - found:`, `absence_differences`), whose every value is
absent. Rows read through a related manager (`self.datafiles.all()`) are the manager's model's,
with its foreign key as a key.

Guards: `bulk_create(ignore_conflicts=True)`/`update_conflicts=True`, a `try … except
IntegrityError` around the insert; another model, an instance whose value for the field is not
the value tested, or one written for another owner than the rows read (`filter(team=team)`,
then `team=other`) is not the row. The value written is matched by expression, also through
`M(**item)` when the value tested is `item["title"]`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence, Race
from integrity_lsp.analysis.absence_antijoins import (
    AntiJoins,
    Exclusions,
    appended_to,
    own_nodes,
)
from integrity_lsp.analysis.absence_differences import Differences
from integrity_lsp.analysis.absence_managers import managed_model, own_create
from integrity_lsp.analysis.absence_match import protected
from integrity_lsp.analysis.absence_set_reads import SetReads
from integrity_lsp.analysis.absence_set_rows import writes_absent_row
from integrity_lsp.analysis.absence_writes import CONFLICT_OPTIONS, constructed
from integrity_lsp.analysis.writes import WriteSite, orm_write
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
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


class _Finder(SetReads, AntiJoins, Differences):
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
        return writes_absent_row(site, absence, self.owners.get(id(absence.lookup)), self.ctx)

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
