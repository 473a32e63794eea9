"""Every write of some models in a project: the write-site model over whole files, resolved.

`project_write_sites` reads each project file that mentions the models (a cheap text test
first), walks its parso tree once and keeps `create(…)` / `create_*(…)`, `get_or_create`,
`update_or_create`, `bulk_create`, `bulk_update`, `.update(…)`, `Model(…)` constructors and
`.save()` of an instance whose model the resolver names, as `WriteSite`s with `model` and
`path` set (one file's walk is `write_scanner`'s). `explain` lists these; the rules judge the
same sites one file at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.write_scanner import WriteScanner
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.config import Settings
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, walk
from integrity_lsp.syntax.source import SourceFile, TreeCache
from integrity_lsp.syntax.walk import python_files

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex


def project_files(root: Path, settings: Settings | None = None) -> Iterator[Path]:
    """The project's Python files (the one walker's), without migrations, sorted."""
    for path in python_files(root, settings or Settings()):
        if "migrations" not in path.relative_to(root).parts[:-1]:
            yield path


def project_write_sites(
    index: ProjectIndex,
    models: ModelRecord | Sequence[ModelRecord],
    *,
    resolver: Resolver | None = None,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    trees: TreeCache | None = None,
) -> list[WriteSite]:
    """Every write of one of `models` in the project, in file and position order; `trees`
    may give the files' parso trees instead of a fresh parse (explain's disk cache)."""
    wanted = [models] if isinstance(models, ModelRecord) else list(models)
    if not wanted:
        return []
    if resolver is None:
        resolver = Resolver(index)
    labels = {model.label for model in wanted}
    words = prefilter_words(index, wanted)
    sites: list[WriteSite] = []
    for path in files if files is not None else project_files(index.root, settings):
        text = read_project_text(path, encoding="utf-8-sig")
        if text is None:
            continue
        if not any(word in text for word in words):
            continue
        sites.extend(text_write_sites(path, text, index, resolver, labels, trees))
    return sites


def text_write_sites(
    path: Path,
    text: str,
    index: ProjectIndex,
    resolver: Resolver,
    labels: set[str],
    trees: TreeCache | None = None,
) -> list[WriteSite]:
    """The writes of the models labelled `labels` in the file `path` whose text is `text`."""
    source = SourceFile(path, text, index.module_name(path), open_documents=trees)
    return file_write_sites(source, index, resolver, labels)


def file_write_sites(
    source: SourceFile, index: ProjectIndex, resolver: Resolver, labels: set[str]
) -> list[WriteSite]:
    """The writes of the models labelled `labels` in one file, in position order."""
    return WriteScanner(index, resolver, source, labels).scan()


def orm_writes_on_lines(
    source: SourceFile, index: ProjectIndex, resolver: Resolver, labels: set[str], lines: set[int]
) -> list[WriteSite]:
    """The ORM write calls (`….create(…)`, `qs.update(…)`) of the models labelled `labels` whose
    chain starts on one of `lines`: the scan of `file_write_sites` for a few candidates found
    cheaply, without resolving every other chain of the file."""
    scanner = WriteScanner(index, resolver, source, labels)
    sites = []
    for node in walk(source.tree):
        if node.type in CALL_CHAIN_TYPES and node.start_pos[0] in lines:
            site = scanner.orm_write(node)
            if site is not None:
                sites.append(site)
    return sites


def prefilter_words(index: ProjectIndex, models: Sequence[ModelRecord]) -> set[str]:
    """Words a file must contain to hold a write of `models` (their names, reverse accessors)."""
    words = {model.name for model in models}
    labels = {model.label for model in models}
    for accessor, holders in _related_managers(index).items():
        if holders & labels:
            words.add(accessor)
    return words


def _related_managers(index: ProjectIndex) -> dict[str, set[str]]:
    """Reverse accessor (`orders`, `order_set`) -> labels of the models it can manage."""
    accessors: dict[str, set[str]] = {}
    for model in index.models():
        if model.abstract or model.proxy or index.is_builtin(model):
            continue
        for accessor, (holder, _) in index.reverse_relations(model).items():
            accessors.setdefault(accessor, set()).add(holder.label)
    return accessors
