"""Deletes of a parent row, for `update or delete on table "parent" violates foreign key
constraint … on table "child"` (MySQL's 1451): the writes that raise it are deletes of the
parent, never inserts of the child.

Django's deletion collector applies `on_delete` in Python (CASCADE deletes the children first,
PROTECT/RESTRICT raise before any SQL), so the database only refuses a delete the collector did
not prepare for: a child whose `on_delete` is DO_NOTHING, a `_raw_delete()` or raw SQL, or a
child row inserted by another transaction after the collector looked (a race). The deletes are
the shared write-site model's (`analysis.related_writes.delete_write`), and so are the
DO_NOTHING children (`unprepared_children`, which IL202 asks too).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.related_writes import delete_write
from integrity_lsp.explain.sites import FileMemo, WriteSite, call_sites
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex


def delete_sites(
    index: ProjectIndex,
    parent: ModelRecord,
    resolver: Resolver,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """`Parent.objects.filter(…).delete()` and `parent.delete()` of the parent model."""
    words = {parent.name, *index.reverse_relations(parent)}
    return call_sites(
        index,
        lambda node, source: delete_write(node, source, resolver, parent, words),
        mentions=lambda text: "delete(" in text,
        key=f"deletes:{parent.label}",
        values=(),
        files=files,
        settings=settings,
        memo=memo,
    )
