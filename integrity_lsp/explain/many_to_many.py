"""Many-to-many fields' auto-created through tables, as `explain` needs them (the tables and
their `.add()` writes are the shared write-site model's: `analysis.related_writes`).

A `ManyToManyField` without `through=` gets a table Django makes itself:
`<owner table>_<field name>` (or the field's `db_table`), with `<owner>_id` and `<target>_id`
columns (`from_<model>_id` / `to_<model>_id` when the field points at its own model) and a
unique (owner, target) pair. No model of the project has that table, so a violation there is
explained as the field on its owner; its writes are `.add()` / `.set()` / `.create()` through
the field (`post.tags.add(tag)`) or its reverse accessor (`tag.post_set.add(post)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.related_writes import (
    AutoThrough,
    auto_throughs,
    link_write,
    shared_accessors,
)
from integrity_lsp.explain.sites import FileMemo, WriteSite, call_sites
from integrity_lsp.project.resolve import Resolver

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex

__all__ = ["AutoThrough", "auto_throughs", "link_sites", "through_for_table"]


def through_for_table(index: ProjectIndex, table: str) -> AutoThrough | None:
    for through in auto_throughs(index):
        if through.table.lower() == table.lower():
            return through
    return None


def link_sites(
    index: ProjectIndex,
    through: AutoThrough,
    resolver: Resolver,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """The `.add()` / `.set()` / `.create()` calls through the field or its reverse accessor
    (`analysis.related_writes.link_write`)."""
    names = through.accessors
    ambiguous = shared_accessors(index, through)
    return call_sites(
        index,
        lambda node, source: link_write(node, source, resolver, through, ambiguous),
        mentions=lambda text: any(f".{name}." in text for name in names),
        key=f"links:{through.owner.label}.{through.field.name}",
        values=((through.field.name, "data"),),
        files=files,
        settings=settings,
        memo=memo,
    )
