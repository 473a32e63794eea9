"""Which write sites a traceback points at: its project frames, the write at a frame's line or
in the `with transaction.atomic():` block starting there, else the writes of the helpers the
innermost frame calls (a library frame in between, a cut paste)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from integrity_lsp.explain.form_sites import form_sites
from integrity_lsp.explain.sites import FileMemo, WriteSite, find_write_sites
from integrity_lsp.explain.tracebacks import Frame, called_names
from integrity_lsp.findings import Span
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import is_file, read_project_text
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

_LIBRARY_MARKERS = ("site-packages", "dist-packages", "<frozen", "<string>")


def project_path(frame_path: str, root: Path) -> Path | None:
    """The project file a traceback path names, even when the traceback came from elsewhere.

    The path itself when it is under `root`, else the longest tail of at least two parts that
    exists under `root` (`/srv/app/shop/views.py` is `shop/views.py` here); library frames
    (site-packages, frozen modules) are never project.
    """
    normalised = frame_path.replace("\\", "/")
    if any(marker in normalised for marker in _LIBRARY_MARKERS):
        return None
    pure = PureWindowsPath(frame_path) if "\\" in frame_path else PurePosixPath(frame_path)
    if not pure.is_absolute():  # pytest prints paths relative to where it ran
        relative = root.joinpath(*pure.parts)
        if is_file(relative):  # never raises, also under a folder that cannot be entered
            return relative
    elif isinstance(pure, PurePosixPath):
        direct = Path(pure)
        if is_file(direct) and direct.resolve().is_relative_to(root.resolve()):
            return direct
    parts = [part for part in pure.parts if part not in ("/", "\\") and not part.endswith(":\\")]
    for start in range(len(parts) - 1):
        candidate = root.joinpath(*parts[start:])
        if is_file(candidate):
            return candidate
    return None


def project_frames(frames: Sequence[Frame], root: Path) -> list[tuple[Frame, Path]]:
    """Project frames, innermost first."""
    found = []
    for frame in reversed(frames):
        path = project_path(frame.path, root)
        if path is not None:
            found.append((frame, path))
    return found


def helper_sites(
    sites: Sequence[WriteSite], frames: Sequence[tuple[Frame, Path]]
) -> set[tuple[Path, Span]]:
    """The writes in the functions the innermost project frame's line calls (`helper(…)`,
    `self.service.add(…)`), or one call further inside a helper of the same file: the frame
    that called a helper the traceback left out (a library in between, a cut paste).
    One call further means a helper defined in the frame's file or a file with writes."""
    files = list(dict.fromkeys(site.path for site in sites))
    for frame, path in frames:
        called = called_names(_line_text(path, frame.line) or frame.code)
        if not called:
            continue
        found = {(s.path, s.span) for s in sites if s.function in called}
        if not found:
            inner: set[str] = set()
            for file in dict.fromkeys([path, *files]):
                inner |= _calls_inside(file, called)
            found = {(s.path, s.span) for s in sites if s.function in inner - called}
        if found:
            return found
    return set()


def _line_text(path: Path, line: int) -> str:
    text = read_project_text(path, encoding="utf-8-sig")
    lines = text.splitlines() if text is not None else []
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _calls_inside(path: Path, functions: set[str]) -> set[str]:
    """The names the functions named `functions` defined in `path` call."""
    text = read_project_text(path, encoding="utf-8-sig")
    if text is None or not any(f"def {function}" in text for function in functions):
        return set()
    source = SourceFile(path, text)
    called: set[str] = set()
    definitions = list(source.tree.iter_funcdefs())
    for cls in source.tree.iter_classdefs():
        definitions.extend(cls.iter_funcdefs())
    for definition in definitions:
        if definition.name.value in functions:
            called |= called_names(definition.get_code())
    return called


def sites_at_frames(
    index: ProjectIndex,
    resolver: Resolver,
    models: Sequence[ModelRecord],
    frames: Sequence[tuple[Frame, Path]],
    files: Sequence[Path],
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    """The writes of `models` the innermost project frame that has any points at (a ModelForm's
    or the admin's save too: their form classes may be anywhere, so they are read once, only
    when no other write is at a frame)."""
    for frame, path in frames:
        sites = find_write_sites(index, models, resolver=resolver, files=[path], memo=memo)
        at_line = [site for site in sites if site.span.contains_line(frame.line)]
        if at_line:
            return at_line
        block = _with_block_at(sites, frame.line, path)
        if block:
            return block
    saves = form_sites(index, models, resolver, files, memo=memo)
    for frame, path in frames:
        at_line = [s for s in saves if s.path == path and s.span.contains_line(frame.line)]
        if at_line:
            return at_line
    return []


def _with_block_at(sites: Sequence[WriteSite], line: int, path: Path) -> list[WriteSite]:
    """Writes inside `with transaction.atomic():` at `line`: where a deferred check fires."""
    text = read_project_text(path, encoding="utf-8-sig")
    if text is None:
        return []
    source = SourceFile(path, text)
    line_text = source.line_text(line)
    if not line_text.strip():
        return []
    indent = len(line_text) - len(line_text.lstrip())
    node = source.tree.get_leaf_for_position((line, indent), include_prefixes=True)
    while node is not None and node.type != "with_stmt":
        node = node.parent
    if node is None or node.start_pos[0] != line:
        return []
    start, end = node.start_pos[0], node.end_pos[0]
    return [site for site in sites if start <= site.span.start_line <= end]
