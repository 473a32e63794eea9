"""Applying fixes to files: `--fix`, `--unsafe-fixes` and `--diff`.

Fixes are applied in passes (non-overlapping ones together, then the file is re-checked) until
nothing more applies. Files are written atomically (temporary file + rename), only inside the
project root, never through a symlink that leaves it, and never when the file changed on disk
since it was read.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.edits import EditConflict, apply_edits, compiles
from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability, Edit, Finding, Fix
from integrity_lsp.syntax.files import ReadWarning, read_project_bytes, read_source
from integrity_lsp.syntax.source import content_hash

MAX_PASSES = 8


@dataclass
class FixResult:
    changed: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    applied: int = 0
    errors: list[str] = field(default_factory=list)


def choose_fix(finding: Finding, unsafe: bool) -> Fix | None:
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe else set())
    for fix in finding.fixes:
        if fix.edits and fix.applicability in allowed:
            return fix
    return None


def compute_fixes(findings: Sequence[Finding], env: Environment, *, unsafe: bool) -> FixResult:
    """Apply fixes in memory, pass after pass; nothing is written here."""
    result = FixResult()
    texts: dict[Path, str] = {}
    originals: dict[Path, str] = {}
    pending = list(findings)
    for _ in range(MAX_PASSES):
        batch: dict[Path, list[Edit]] = {}
        claimed: dict[Path, list[tuple[int, int]]] = {}
        touched: set[Path] = set()
        for finding in pending:
            fix = choose_fix(finding, unsafe)
            if fix is None or any(_overlaps(edit, claimed) for edit in fix.edits):
                continue
            if not all(_load(edit.path, texts, originals, env) for edit in fix.edits):
                continue
            for edit in fix.edits:
                batch.setdefault(edit.path, []).append(edit)
                claimed.setdefault(edit.path, []).append((edit.span.start_line, edit.span.end_line))
                touched.add(edit.path)
            result.applied += 1
        if not batch:
            break
        for path, edits in batch.items():
            try:
                updated = apply_edits(texts[path], edits)
            except EditConflict as error:
                result.errors.append(f"{path}: fixes conflict ({error}); left unchanged")
                continue
            if compiles(texts[path]) and not compiles(updated):
                result.errors.append(f"{path}: a fix would not parse; left unchanged")
                continue
            texts[path] = updated
        pending = []
        for path in touched:
            env.index.update_file(path, texts[path])
        for path in touched:
            pending.extend(check_source(texts[path], path, env))
    for path, text in texts.items():
        if text != originals[path]:
            result.changed[path] = (originals[path], text)
    return result


def _overlaps(edit: Edit, claimed: dict[Path, list[tuple[int, int]]]) -> bool:
    # Whole lines are claimed: two fixes on the same lines are applied in separate passes.
    return any(
        not (edit.span.end_line < start or edit.span.start_line > end)
        for start, end in claimed.get(edit.path, [])
    )


def _load(path: Path, texts: dict[Path, str], originals: dict[Path, str], env: Environment) -> bool:
    if path in texts:
        return True
    text, _ = read_source(path)
    if text is None:
        if path.exists() or not path.resolve().is_relative_to(env.root.resolve()):
            return False
        text = ""  # the fix creates this file
    texts[path] = originals[path] = text
    return True


def unified_diff(changed: dict[Path, tuple[str, str]]) -> str:
    chunks: list[str] = []
    for path, (before, after) in sorted(changed.items()):
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{path}",
                tofile=f"b/{path}",
            )
        )
    return "".join(chunks)


def write_fixes(changed: dict[Path, tuple[str, str]], root: Path) -> tuple[int, list[str]]:
    """Write every changed file, or none when one of them cannot be (changed on disk since it
    was read, or outside `root`): the fixes of a pass may span files (a migration edited, two
    generated after it), so writing only some of them can leave a broken project. Existing
    files go first, generated ones last; the first failing write stops. (written, problems)"""
    problems = [
        problem
        for path, (before, _after) in sorted(changed.items())
        if (problem := _unwritable(path, before, root))
    ]
    if problems:
        return 0, [*problems, "no fix written: a fix may span several files; run again"]
    written = 0
    for path, (before, after) in sorted(changed.items(), key=lambda item: item[1][0] == ""):
        problem = write_atomically(path, before, after, root)
        if problem:
            return written, [problem]
        written += 1
    return written, []


def _unwritable(path: Path, before: str, root: Path) -> str | None:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return f"{path}: outside the project root {root}; not written"
    if before == "" and not path.exists():
        return None
    return _changed_since_read(path, before)


def write_atomically(path: Path, before: str, after: str, root: Path) -> str | None:
    """Write `after` to `path` unless it changed on disk or leaves `root`; an error line or None."""
    resolved = path.resolve()
    try:
        resolved.relative_to(root.resolve())
    except ValueError:
        return f"{path}: outside the project root {root}; not written"
    if before == "" and not path.exists():  # a file a fix creates
        return _create_atomically(path, resolved, after)
    stale = _changed_since_read(path, before)
    if stale:
        return stale
    problems: list[ReadWarning] = []
    raw = read_project_bytes(path, warn=problems.append)
    if raw is None:
        return str(problems[0])
    newline_bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
    mode = resolved.stat().st_mode
    handle, temporary = tempfile.mkstemp(
        dir=resolved.parent, prefix=f".{resolved.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(newline_bom + after)
        os.chmod(temporary, mode & 0o7777)
        stale = _changed_since_read(path, before)  # saved by the user meanwhile?
        if stale:
            Path(temporary).unlink(missing_ok=True)
            return stale
        os.replace(temporary, resolved)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        return f"{path}: cannot write: {error}"
    return None


def _changed_since_read(path: Path, before: str) -> str | None:
    current, error = read_source(path)
    if current is None:
        return error
    if content_hash(current) != content_hash(before):
        return f"{path}: changed on disk while being fixed; not written"
    return None


def _create_atomically(path: Path, resolved: Path, text: str) -> str | None:
    """Create a new file whole or not at all: a temporary file, then a hard link (which fails
    if the file appeared meanwhile), never a half-written file at `path`."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=resolved.parent, prefix=f".{resolved.name}.", suffix=".tmp"
        )
    except OSError as problem:
        return f"{path}: cannot create: {problem}"
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.link(temporary, resolved)
    except OSError as problem:
        return f"{path}: cannot create: {problem}"
    finally:
        Path(temporary).unlink(missing_ok=True)
    return None
