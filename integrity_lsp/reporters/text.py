"""Human-readable output, one finding per line as `path:row:col: CODE message`, like ruff, then
ruff's summary: how many findings, how many `--fix` fixes, how many more `--unsafe-fixes`
would, and the files that could not be checked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp.findings import Finding, Span
from integrity_lsp.reporters.context import ReportContext, fixability
from integrity_lsp.reporters.paths import display_path, related_place, unplaced_name

BOLD, RED, CYAN, RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color and text else text


def _where(path: Path, span: Span, color: bool) -> str:
    return f"{_paint(display_path(path), BOLD, color)}:{span.start_line}:{span.start_column + 1}"


def _marker(finding: Finding, unsafe_fixes: bool) -> str:
    """`[*]` for what `--fix` fixes in this run, `[unsafe fix]` for what it would only with
    `--unsafe-fixes`."""
    kind = fixability(finding, unsafe_fixes)
    if kind == "fixable":
        return "[*]"
    if kind == "hidden":
        return "[unsafe fix]"
    return ""


def report(findings: Sequence[Finding], context: ReportContext, out: TextIO) -> None:
    color = context.color
    fixable = hidden = 0
    for finding in findings:
        marker = _marker(finding, context.unsafe_fixes)
        fixable += marker == "[*]"
        hidden += marker == "[unsafe fix]"
        code = _paint(finding.code, BOLD + RED, color)
        shown = f" {_paint(marker, CYAN, color)}" if marker else ""
        out.write(f"{_where(finding.path, finding.span, color)}: {code}{shown} {finding.message}\n")
        for related in finding.related:
            place = related_place(related)
            where = _where(*place, color) if place else f"({unplaced_name(related)})"
            out.write(f"    {where}: {related.message}\n")
    if context.quiet:
        return
    out.write(summary(len(findings), fixable, hidden, len(context.unchecked), context.failed))


def summary(found: int, fixable: int, hidden: int, unchecked: int, failed: bool = False) -> str:
    lines = []
    if found:
        noun = "finding" if found == 1 else "findings"
        line = f"Found {found} {noun}."
        hint = _hidden_hint(hidden)
        if fixable:
            hidden_part = f" ({hint})" if hint else ""
            line += f"\n[*] {fixable} fixable with the `--fix` option{hidden_part}."
        elif hint:
            line += f"\nNo fixes available ({hint})."
        lines.append(line)
    if unchecked:
        files = "file" if unchecked == 1 else "files"
        lines.append(f"{unchecked} {files} could not be checked (syntax errors; see above).")
    elif failed:  # `check pipe.py` read nothing: that is not a pass
        lines.append("Not every file could be checked (see the warnings above).")
    elif not found:
        lines.append("All checks passed!")
    return "".join(f"{line}\n" for line in lines)


def _hidden_hint(hidden: int) -> str:
    if not hidden:
        return ""
    fixes = "fix" if hidden == 1 else "fixes"
    return f"{hidden} hidden {fixes} can be enabled with the `--unsafe-fixes` option"
