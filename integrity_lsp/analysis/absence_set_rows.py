"""Is an insert the row a set test found absent? A part of `absence_sets`: the same model, the
value tested written for the field tested (also through `M(**item)` when the value tested is
`item["title"]`), and the row of the owner the set was read for — the key a related manager
pins (`team.accounts.all()`) and every exact key of the query (`filter(team=team)`): an insert
that writes another value for one of them (`team=other`) is another owner's row, whose absence
was never tested."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_differences import owned_by
from integrity_lsp.analysis.absence_match import same_model
from integrity_lsp.analysis.absence_reads import column_of, value_text
from integrity_lsp.syntax.nodes import Argument, code

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence import Absence
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite


def writes_absent_row(
    site: WriteSite, absence: Absence, owner: Argument | None, ctx: Context
) -> bool:
    """Is `site` a new instance of the absent row (same model, the tested value, the same
    owner)? `owner` is the key the set's related manager fills in, if any."""
    if not same_model(site, absence.lookup, ctx):
        return False
    if owner is not None and not owned_by(site, absence.lookup, owner):
        return False  # another owner's row: `team.accounts` read, `team=other` written
    tested, *scoped = absence.lookup.keys
    if any(_written_otherwise(site, key) for key in scoped if key is not owner):
        return False  # `filter(team=team)` read, `team=other` written: not the rows read
    field, wanted = str(tested.keyword), value_text(tested.value)
    for keyword, argument in site.values.items():
        if column_of(keyword) == column_of(field) and value_text(argument.value) == wanted:
            return True
    return any(
        arg.star == "**" and wanted in _subscripts(code(arg.value), field)
        for arg in site.positional
    )


def _written_otherwise(site: WriteSite, key: Argument) -> bool:
    """The insert writes the key's column, with another value."""
    column, wanted = column_of(str(key.keyword)), value_text(key.value)
    return any(
        column_of(keyword) == column and value_text(argument.value) != wanted
        for keyword, argument in site.values.items()
    )


def _subscripts(name: str, field: str) -> set[str]:
    """How `**name` carries `field`: `name["field"]`, `name.get("field")` (normalised)."""
    return {
        spelling.format(name=name, field=field, quote=quote)
        for spelling in ("{name}[{quote}{field}{quote}]", "{name}.get({quote}{field}{quote})")
        for quote in "\"'"
    }
