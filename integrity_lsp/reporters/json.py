"""JSON output in the shape of `ruff check --output-format json` (1-based rows and columns)."""

from __future__ import annotations

import json as _json
import os
from collections.abc import Sequence
from typing import Any, TextIO

from integrity_lsp.analysis.registry import RULES
from integrity_lsp.findings import Edit, Finding, Fix, Location
from integrity_lsp.reporters.context import ReportContext
from integrity_lsp.reporters.paths import related_place, unplaced_name


def _location(line: int, column: int) -> dict[str, int]:
    return {"row": line, "column": column + 1}


def _edit(edit: Edit, finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "content": edit.content,
        "location": _location(edit.span.start_line, edit.span.start_column),
        "end_location": _location(edit.span.end_line, edit.span.end_column),
    }
    if edit.path != finding.path:
        data["filename"] = os.path.abspath(edit.path)
    return data


def _fix(fix: Fix | None, finding: Finding) -> dict[str, Any] | None:
    if fix is None:
        return None
    return {
        "applicability": fix.applicability.value,
        "message": fix.title,
        "edits": [_edit(edit, finding) for edit in fix.edits],
    }


def _related(item: Location) -> dict[str, Any]:
    """A related location; a built-in Django definition whose installed file is not found has
    no filename and no location (null), only its message and module."""
    place = related_place(item)
    if place is None:
        return {
            "filename": None,
            "location": None,
            "end_location": None,
            "message": f"{item.message} ({unplaced_name(item)})",
        }
    path, span = place
    return {
        "filename": os.path.abspath(path),
        "location": _location(span.start_line, span.start_column),
        "end_location": _location(span.end_line, span.end_column),
        "message": item.message,
    }


def as_dict(finding: Finding) -> dict[str, Any]:
    rule = RULES.get(finding.code)
    return {
        "code": finding.code,
        "name": finding.name,
        "message": finding.message,
        "severity": finding.severity.value,
        "filename": os.path.abspath(finding.path),
        "location": _location(finding.span.start_line, finding.span.start_column),
        "end_location": _location(finding.span.end_line, finding.span.end_column),
        "noqa_row": finding.span.start_line,
        "fix": _fix(
            finding.preferred_fix or (finding.fixes[0] if finding.fixes else None), finding
        ),
        "related": [_related(item) for item in finding.related],
        "url": rule.url if rule else None,
    }


def report(findings: Sequence[Finding], context: ReportContext, out: TextIO) -> None:
    _json.dump([as_dict(finding) for finding in findings], out, indent=2)
    out.write("\n")
