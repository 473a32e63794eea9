"""Deletes as absences, a view of `analysis.absence` for replaced rows: after
`M.objects.filter(k=v).delete()` (or `qs.delete()` on a name holding that queryset, `adelete()`,
its result bound or dropped) no row with those keys is left on that path, so an insert of the
same keys that follows is an insert of a row just found absent. Two runs at once both delete and
both insert: the second insert collides with the first's new row.

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

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence, State
from integrity_lsp.analysis.absence_reads import DELETES, lookup_of
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, expression_of, links

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context


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
    found = lookup_of(value, ctx.env.index, deleted=True)
    if found is None:
        return None
    return Absence(found.lookup, node, "delete")
