"""Which write sites can raise a violation, and in what order `explain` lists them.

The order is what a reviewer would read first: the write the pasted traceback points at (then a
write in a helper that line calls), production code before tests, writes that reach the
database before objects only built in memory, and then the risk of the write itself — a write
that sets the violated column explicitly (to None, or to a computed value) before one that
leaves it to the model's default, a raw `customer_id=` before a fetched parent, a checker
finding before none.
"""

from __future__ import annotations

from collections.abc import Sequence

from integrity_lsp.explain.messages import Kind
from integrity_lsp.explain.sites import WriteSite
from integrity_lsp.project.records import FieldRecord

_DEPTHS = {"frame": 0, "helper": 1}


def rank_key(
    site: WriteSite, kind: Kind, fields: Sequence[FieldRecord]
) -> tuple[int, int, int, int]:
    """Sort key: lower comes first (see the module's docstring). `fields` are the violated
    fields as they are on the site's model."""
    traceback = _DEPTHS.get(site.traceback, 2)
    in_memory = 1 if site.kind == "constructor" else 0
    return (traceback, int(site.test), in_memory, risk(site, kind, fields))


def relevant(site: WriteSite, kind: Kind, fields: Sequence[FieldRecord]) -> bool:
    """Whether the write can raise this error: an update that visibly leaves the fields alone
    cannot, nor (for a foreign key) any write that visibly never sets it."""
    if site.traceback or not fields:
        return True
    if site.sets(fields) is not False:
        return True
    return kind != "foreign_key" and site.kind not in (
        "update",
        "bulk_update",
    )


def risk(site: WriteSite, kind: Kind, fields: Sequence[FieldRecord]) -> int:
    """How likely the write itself raises this error; lower is riskier."""
    score = -10 * len(site.findings)
    sets = site.sets(fields) if fields else None
    values = {site.value_of(field.name) for field in fields} - {None}
    creates = site.kind in ("create", "constructor", "save", "bulk_create")
    if kind == "unique":
        covered = bool(fields) and {f.name for f in fields} <= set(site.lookup)
        if covered:
            score += 20  # get_or_create on the unique fields is the safe pattern
        elif sets:
            score += 0 if creates or site.kind == "update_or_create" else 2
        else:
            score += 5 if sets is None else 8
    elif kind == "not_null":
        omitted = sets is False and site.kind not in ("update", "bulk_update")
        if "none" in values or (omitted and not any(f.filled_when_omitted() for f in fields)):
            score += 0
        elif "data" in values:
            score += 1  # set explicitly to a computed value: it may compute None
        elif sets is None:
            score += 3
        elif omitted:
            score += 8  # the model's default fills it
        else:
            score += 6
    elif kind == "foreign_key":
        raw_id = any(f.attname in site.keywords and f.attname != f.name for f in fields)
        score += 0 if raw_id else (2 if sets else 5)
    elif sets:
        score += 0 if "literal" in values else 2
    else:
        score += 5
    return score
