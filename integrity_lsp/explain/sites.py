"""Write sites as `explain` shows them: the project's writes of a model, read from the shared
write-site model (`analysis.write_scan`), with what each sets every field to (a literal, `None`,
or data) and the checker's findings on its lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar

from integrity_lsp.analysis.write_scan import (
    prefilter_words,
    project_files,
    project_write_sites,
    text_write_sites,
)
from integrity_lsp.analysis.write_values import ValueKind, field_name_of, value_kind
from integrity_lsp.analysis.writes import WriteKind
from integrity_lsp.analysis.writes import WriteSite as SharedSite
from integrity_lsp.config import Settings
from integrity_lsp.explain.trees import DISK_TREES
from integrity_lsp.findings import Finding, Span
from integrity_lsp.project.records import FieldRecord, ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, code, enclosing, walk
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

__all__ = [
    "FileMemo",
    "WriteSite",
    "call_sites",
    "find_write_sites",
    "is_test_path",
    "project_files",
    "shown_site",
]

# How a pasted traceback names a write: its line is in a frame, or a frame's line calls the
# function the write is in.
TracebackLink = Literal["", "frame", "helper"]
T = TypeVar("T")
_DEFAULT_SETTINGS = Settings()


def is_test_path(path: Path, root: Path, settings: Settings | None = None) -> bool:
    """Whether `path` is test code, by the checker's own test-code policy (`Settings.is_test_path`:
    the default folders and file names plus the project's `test-paths`), so `explain` ranks as
    test code exactly what the rules treat as test code."""
    return (settings or _DEFAULT_SETTINGS).is_test_path(path, root)


@dataclass(frozen=True)
class WriteSite:
    """One write of `model` at `path:span`; `findings` is filled by whoever runs the checker."""

    path: Path
    span: Span  # the whole call expression
    kind: WriteKind
    model: ModelRecord
    code: str  # the first line of the call, stripped
    function: str | None  # the enclosing function, None at module level
    values: tuple[tuple[str, ValueKind], ...]  # field name -> what it is set to, in call order
    complete: bool  # False when `**kwargs`, a `defaults=` variable etc. may set more
    lookup: tuple[str, ...] = ()  # get_or_create / update_or_create lookup fields
    keywords: tuple[str, ...] = ()  # the keywords as written (`customer_id` vs `customer`)
    findings: tuple[Finding, ...] = ()
    traceback: TracebackLink = ""
    test: bool = False  # in test code (see `is_test_path`)

    @property
    def from_traceback(self) -> bool:
        return bool(self.traceback)

    @property
    def line(self) -> int:
        return self.span.start_line

    def value_of(self, name: str) -> ValueKind | None:
        for key, value in self.values:
            if key == name:
                return value
        return None

    def sets(self, fields: Iterable[FieldRecord]) -> bool | None:
        """True when it sets one of `fields`, False when it visibly does not, None unknown."""
        names = {f.name for f in fields}
        if any(key in names for key, _ in self.values):
            return True
        return False if self.complete else None


class FileMemo(Protocol):
    """Keeps what was read from a file while the file is unchanged (`cache.snapshot`)."""

    def memo(self, path: Path, key: str, compute: Callable[[], T]) -> T: ...


def find_write_sites(
    index: ProjectIndex,
    models: ModelRecord | Sequence[ModelRecord],
    *,
    resolver: Resolver | None = None,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """Every write of one of `models` in the project, in file and line order; with `memo`,
    each file's writes are read from it once for as long as the file does not change."""
    if memo is None:
        sites = project_write_sites(
            index, models, resolver=resolver, files=files, settings=settings, trees=DISK_TREES
        )
        return [shown_site(index, site, settings) for site in sites]
    wanted = [models] if isinstance(models, ModelRecord) else list(models)
    if not wanted:
        return []
    use = resolver if resolver is not None else Resolver(index)
    labels = {model.label for model in wanted}
    key = "writes:" + ",".join(sorted(labels))
    words = prefilter_words(index, wanted)
    found: list[WriteSite] = []
    for path in files if files is not None else project_files(index.root, settings):
        text = read_project_text(path, encoding="utf-8-sig")
        if text is None or not any(word in text for word in words):
            continue

        def compute(path: Path = path, text: str = text) -> list[WriteSite]:
            shared = text_write_sites(path, text, index, use, labels, DISK_TREES)
            return [shown_site(index, site, settings) for site in shared]

        found.extend(memo.memo(path, key, compute))
    return found


def call_sites(
    index: ProjectIndex,
    read: Callable[[Node, SourceFile], SharedSite | None],
    *,
    mentions: Callable[[str], bool],
    key: str,
    values: tuple[tuple[str, ValueKind], ...],
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """The shared sites `read` finds at the call chains of each project file whose text
    `mentions` what it looks for (a cheap test before parsing), shown with `values`; with
    `memo`, a file's sites are kept under `key` for as long as the file does not change."""
    sites: list[WriteSite] = []
    for path in files if files is not None else project_files(index.root, settings):
        text = read_project_text(path, encoding="utf-8-sig")
        if text is None or not mentions(text):
            continue

        def compute(path: Path = path, text: str = text) -> list[WriteSite]:
            source = SourceFile(path, text, index.module_name(path), open_documents=DISK_TREES)
            found = []
            for node in walk(source.tree):
                if node.type in CALL_CHAIN_TYPES:
                    site = read(node, source)
                    if site is not None:
                        found.append(shown_site(index, site, values=values))
            return found

        sites.extend(compute() if memo is None else memo.memo(path, key, compute))
    return sites


def shown_site(
    index: ProjectIndex,
    site: SharedSite,
    settings: Settings | None = None,
    *,
    values: tuple[tuple[str, ValueKind], ...] | None = None,
) -> WriteSite:
    """A site of the shared write-site model as explain shows it; `values` when the kind says
    what it sets better than its arguments do (a many-to-many link sets its field to data)."""
    model = site.model
    assert model is not None and site.path is not None  # the scans resolve every site
    if values is None:
        found: list[tuple[str, ValueKind]] = []
        for keyword, argument in site.values.items():
            name = field_name_of(index, model, keyword)
            if name is not None:
                found.append((name, value_kind(argument.value)))
        values = tuple(found)
    lookup = tuple(
        name for keyword in site.lookup if (name := field_name_of(index, model, keyword))
    )
    function = enclosing(site.node, "funcdef")
    text = code(site.node)
    return WriteSite(
        path=site.path,
        span=Span.of(site.node),
        kind=site.kind,
        model=model,
        code=text.splitlines()[0].strip() if text else "",
        function=function.name.value if function is not None else None,
        values=values,
        complete=site.complete,
        lookup=lookup,
        keywords=tuple(site.values) if site.kind != "bulk_update" else (),
        test=is_test_path(site.path, index.root, settings),
    )
