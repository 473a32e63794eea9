"""Applying fixes to files: `--fix`, `--unsafe-fixes` and `--diff` (printed by `cli/patch.py`).

Fixes are chosen by `checker.fixes.select_fixes` (the selection fix-all uses too) and applied
in passes (non-overlapping ones together, then the files are re-checked) until nothing more
applies. A fix that edits a file this run must not write (outside the root, through a symlink
leaving it, inside `.git/`, read-only, hard-linked; `syntax/writes.py` says which) is left
out, with one message for that file; the others go on. The files are written by
`syntax.writes.write_files`: all or none, each replaced by a rename.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.edits import EditConflict, apply_edits, compiles
from integrity_lsp.checker import check_source
from integrity_lsp.checker.fixes import allowed, select_fixes
from integrity_lsp.findings import Edit, Finding, Fix
from integrity_lsp.syntax.files import read_source
from integrity_lsp.syntax.writes import write_files, write_refusal

MAX_PASSES = 8


@dataclass
class FixResult:
    changed: dict[Path, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    applied: int = 0
    errors: list[str] = field(default_factory=list)


def compute_fixes(findings: Sequence[Finding], env: Environment, *, unsafe: bool) -> FixResult:
    """Apply fixes in memory, pass after pass; nothing is written here."""
    result = FixResult()
    files = _Files(env, result)
    pending = list(findings)
    for _ in range(MAX_PASSES):
        batch: dict[Path, list[Edit]] = {}
        for fix in select_fixes(pending, allowed(unsafe), files.accept):
            for edit in fix.edits:
                batch.setdefault(edit.path, []).append(edit)
            result.applied += 1
        if not batch:
            break
        for path, edits in batch.items():
            try:
                updated = apply_edits(files.texts[path], edits)
            except EditConflict as error:
                result.errors.append(f"{path}: fixes conflict ({error}); left unchanged")
                continue
            if compiles(files.texts[path]) and not compiles(updated):
                result.errors.append(f"{path}: a fix would not parse; left unchanged")
                continue
            files.texts[path] = updated
        pending = []
        for path in batch:
            env.index.update_file(path, files.texts[path])
        for path in batch:
            pending.extend(check_source(files.texts[path], path, env))
    for path, text in files.texts.items():
        if text != files.originals[path]:
            result.changed[path] = (files.originals[path], text)
    return result


class _Files:
    """The texts fixes are applied to, read once each; files this run may not write are
    refused once, with a message."""

    def __init__(self, env: Environment, result: FixResult) -> None:
        self.env = env
        self.result = result
        self.texts: dict[Path, str] = {}
        self.originals: dict[Path, str] = {}
        self.refused: set[Path] = set()

    def accept(self, fix: Fix) -> bool:
        return all(self._load(edit.path) for edit in fix.edits)

    def _load(self, path: Path) -> bool:
        if path in self.texts:
            return True
        if path in self.refused:
            return False
        text, problem = read_source(path)
        new = text is None and not os.path.lexists(path)  # a file the fix creates
        refusal = write_refusal(path, self.env.root, new=new)
        if refusal is None and text is None and not new:
            refusal = problem
        if refusal is not None:
            self.refused.add(path)
            self.result.errors.append(refusal)
            return False
        self.texts[path] = self.originals[path] = text or ""
        return True


def write_fixes(changed: dict[Path, tuple[str, str]], root: Path) -> tuple[int, list[str]]:
    """Write every changed file, or none (a fix may span files: a migration edited, two
    generated after it). (files written, problems)"""
    return write_files(changed, root)
