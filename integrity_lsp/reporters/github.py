"""GitHub Actions workflow commands: one `::warning file=…,line=…` annotation per finding.

GitHub resolves `file=` against the repository's root, whatever the step's
`working-directory`, so paths are relative to the repository holding the project.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp.findings import Finding, Severity
from integrity_lsp.reporters.context import ReportContext


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def repository_path(path: Path, repository: Path) -> str:
    """`path` relative to the repository (absolute when it lies outside)."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(repository).as_posix()
    except ValueError:
        try:
            return absolute.resolve().relative_to(repository).as_posix()
        except (ValueError, OSError):
            return absolute.as_posix()


def report(findings: Sequence[Finding], context: ReportContext, out: TextIO) -> None:
    for finding in findings:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        if finding.severity in (Severity.INFO, Severity.HINT):
            level = "notice"
        span = finding.span
        where = _escape_property(repository_path(finding.path, context.repository))
        out.write(
            f"::{level} title={_escape_property(f'integrity-lsp ({finding.code})')},"
            f"file={where},line={span.start_line},col={span.start_column + 1},"
            f"endLine={span.end_line},endColumn={span.end_column + 1}::"
            f"{_escape_data(f'{finding.code} {finding.message}')}\n"
        )
    for item in context.unchecked:  # the check says nothing about these: say so where they are
        where = _escape_property(repository_path(item.path, context.repository))
        out.write(
            f"::error title=integrity-lsp (not checked),file={where},line={item.line},"
            f"col={item.column}::{_escape_data(f'{item.reason}; this file was not checked')}\n"
        )
