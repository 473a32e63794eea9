"""Human-readable output, one finding per line as `path:row:col: CODE message`, like ruff."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp.findings import Applicability, Finding, Span
from integrity_lsp.reporters.paths import display_path


def _where(path: Path, span: Span) -> str:
    return f"{display_path(path)}:{span.start_line}:{span.start_column + 1}"


def report(findings: Sequence[Finding], root: Path, out: TextIO) -> None:
    fixable = 0
    for finding in findings:
        location = _where(finding.path, finding.span)
        marker = ""
        fix = finding.preferred_fix
        if fix is not None:
            marker = " [*]" if fix.applicability is Applicability.SAFE else " [unsafe fix]"
            fixable += fix.applicability is Applicability.SAFE
        out.write(f"{location}: {finding.code}{marker} {finding.message}\n")
        for related in finding.related:
            out.write(f"    {_where(related.path, related.span)}: {related.message}\n")
    if findings:
        noun = "finding" if len(findings) == 1 else "findings"
        out.write(f"Found {len(findings)} {noun}.")
        if fixable:
            out.write(f" [*] {fixable} fixable with `--fix`.")
        out.write("\n")
    else:
        out.write("All checks passed!\n")
