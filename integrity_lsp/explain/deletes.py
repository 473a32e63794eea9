"""Deletes of a parent row, for `update or delete on table "parent" violates foreign key
constraint … on table "child"` (MySQL's 1451): the writes that raise it are deletes of the
parent, never inserts of the child.

Django's deletion collector applies `on_delete` in Python (CASCADE deletes the children first,
PROTECT/RESTRICT raise before any SQL), so the database only refuses a delete the collector did
not prepare for: a child whose `on_delete` is DO_NOTHING, a `_raw_delete()` or raw SQL, or a
child row inserted by another transaction after the collector looked (a race). The deletes are
the shared write-site model's (`analysis.related_writes.delete_write`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.related_writes import delete_write
from integrity_lsp.explain.sites import FileMemo, WriteSite, call_sites
from integrity_lsp.project.records import FieldRecord, ModelRecord
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


def unprepared_children(index: ProjectIndex, parent: ModelRecord) -> list[str]:
    """`app.Child.field` for each foreign key to `parent` whose on_delete is DO_NOTHING."""
    found = []
    for accessor, (child, field) in index.reverse_relations(parent).items():
        del accessor
        if _on_delete(field) == "DO_NOTHING":
            found.append(f"{child.label}.{field.name}")
    return sorted(set(found))


def _on_delete(field: FieldRecord) -> str:
    value = field.option("on_delete") or ""
    return value.rsplit(".", 1)[-1]
