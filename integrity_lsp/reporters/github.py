"""GitHub Actions workflow commands: one `::warning file=…,line=…` annotation per finding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp.findings import Finding, Severity
from integrity_lsp.reporters.paths import display_path


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def report(findings: Sequence[Finding], root: Path, out: TextIO) -> None:
    for finding in findings:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        if finding.severity in (Severity.INFO, Severity.HINT):
            level = "notice"
        span = finding.span
        out.write(
            f"::{level} title=integrity-lsp ({finding.code}),file={display_path(finding.path)},"
            f"line={span.start_line},col={span.start_column + 1},"
            f"endLine={span.end_line},endColumn={span.end_column + 1}::"
            f"{_escape(f'{finding.code} {finding.message}')}\n"
        )
