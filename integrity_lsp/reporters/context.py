"""What a reporter needs besides the findings: where paths are relative to, and how the run
was asked to treat fixes and colour."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from integrity_lsp.checker import Unchecked
from integrity_lsp.findings import Applicability, Finding


@dataclass(frozen=True)
class ReportContext:
    root: Path  # the project root
    repository: Path  # SARIF and GitHub annotations name files relative to it
    unsafe_fixes: bool = False  # the run applies (or would apply) unsafe fixes too
    color: bool = False
    quiet: bool = False  # the findings only, no summary
    unchecked: tuple[Unchecked, ...] = ()  # files that could not be checked (syntax errors)
    failed: bool = False  # a named path could not be read, or a file's check raised (exit 2)


def repository_root(root: Path) -> Path:
    """The repository `root` is in (the closest folder upwards holding `.git`), else `root`:
    GitHub resolves the paths of annotations and code-scanning alerts against it."""
    resolved = root.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / ".git").exists():
            return folder
    return resolved


def fixability(finding: Finding, unsafe_fixes: bool) -> Literal["fixable", "hidden", "none"]:
    """Whether `--fix` fixes the finding in this run ("fixable"), would with `--unsafe-fixes`
    ("hidden"), or has no fix that edits anything ("none")."""
    kinds = {fix.applicability for fix in finding.fixes if fix.edits}
    if Applicability.SAFE in kinds or (unsafe_fixes and Applicability.UNSAFE in kinds):
        return "fixable"
    if Applicability.UNSAFE in kinds:
        return "hidden"
    return "none"
