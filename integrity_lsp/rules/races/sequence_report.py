"""IL101's message for a sequence number (`analysis.absence_sequences`): the number an insert
writes is the largest one read (or the count) + 1, so two writers compute the same one. Reported
only where a unique set of the model covers the read's keys and the number — elsewhere the
duplicate is stored and nothing fails. No fix is offered: the safe ones (lock the parent row
with `select_for_update()` inside a transaction, or retry the whole computation on
IntegrityError) need the surrounding code, which a text edit cannot know is right."""

from __future__ import annotations

from integrity_lsp.analysis.absence import Race
from integrity_lsp.analysis.context import Context
from integrity_lsp.findings import Finding, Location, Span
from integrity_lsp.rules.races.report import coverage, unique_error
from integrity_lsp.rules.races.shapes import Query, lookup_source
from integrity_lsp.syntax.nodes import code


def sequence_finding(
    code_: str, name: str, ctx: Context, race: Race, query: Query
) -> Finding | None:
    model, unique = coverage(ctx, race.write, query)
    if model is None or unique is None or unique.condition is not None:
        return None  # no unique set over the keys and the number: duplicates, no error
    number = race.absence.lookup.keys[-1]
    column = str(number.keyword)
    if column not in unique.fields:
        return None  # another unique set: the number is not what collides
    keys = {key: arg for key, arg in query.lookup.items() if key != column}
    read = " ".join(code(race.absence.lookup.node).split())
    method = race.write.method or "save"
    rows = f"{model.name}({lookup_source(keys)})" if keys else model.name
    message = (
        f"Race: the `{column}` of a new {rows} is derived from a read of the rows it continues "
        f"(`{read}`) before `{method}()`; two concurrent requests read the same rows, compute "
        f"the same number and both insert it — the loser raises `IntegrityError: "
        f"{unique_error(ctx, model, unique)}`. Lock the parent row with `select_for_update()` "
        "before the read (in the same transaction), or retry on IntegrityError"
    )
    related = (Location(unique.ref.path, unique.ref.span, unique.description),)
    return Finding(
        code=code_,
        name=name,
        message=message,
        path=ctx.file.path,
        span=Span.of(race.write.node),
        related=related,
    )
