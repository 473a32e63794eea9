"""SARIF 2.1.0 output, for GitHub code scanning and other dashboards.

What GitHub needs and uses: each rule's `help` (its documentation, from the rule docstring) and
`defaultConfiguration`; results whose files are relative to the repository root under the
`%SRCROOT%` base (the same alert whatever folder the tool ran in); `partialFingerprints` that
survive lines moving (a hash of the rule, the file and the finding's source line with its
whitespace collapsed, plus which occurrence of that line it is); and the safe fixes as
`fixes`.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from integrity_lsp._version import __version__
from integrity_lsp.analysis.registry import RULES
from integrity_lsp.analysis.rule_docs import rule_page
from integrity_lsp.findings import Applicability, Edit, Finding, Location, Severity, Span
from integrity_lsp.reporters.context import ReportContext
from integrity_lsp.reporters.github import repository_path
from integrity_lsp.reporters.paths import related_place, unplaced_name
from integrity_lsp.syntax.files import read_source

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}
SRCROOT = "%SRCROOT%"
FINGERPRINT = "integrityLsp/v1"


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.start_line,
        "startColumn": span.start_column + 1,
        "endLine": span.end_line,
        "endColumn": span.end_column + 1,
    }


def _artifact(path: Path, repository: Path) -> dict[str, str]:
    uri = repository_path(path, repository)
    if uri.startswith("/"):  # outside the repository: an absolute file URI, no base
        return {"uri": Path(uri).as_uri()}
    return {"uri": quote(uri, safe="/"), "uriBaseId": SRCROOT}


def _related(number: int, item: Location, repository: Path) -> dict[str, Any]:
    place = related_place(item)
    if place is None:  # Django's own definition, its file not found here: named, not located
        return {"id": number, "message": {"text": f"{item.message} ({unplaced_name(item)})"}}
    path, span = place
    return {
        "id": number,
        "message": {"text": item.message},
        "physicalLocation": {
            "artifactLocation": _artifact(path, repository),
            "region": _region(span),
        },
    }


def _rule(code: str) -> dict[str, Any]:
    rule = RULES[code]
    page = rule_page(rule)
    family = rule.code[:3]  # IL1: races, IL2: guards, IL3: migrations
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.summary},
        "help": {"text": page, "markdown": page},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": ["django", "integrity", family], "precision": "high"},
    }


class _Fingerprints:
    """`partialFingerprints` per finding: stable when lines above it are added or removed."""

    def __init__(self, repository: Path) -> None:
        self.repository = repository
        self.lines: dict[Path, list[str]] = {}
        self.seen: Counter[str] = Counter()

    def _line(self, path: Path, number: int) -> str:
        if path not in self.lines:
            text, _ = read_source(path)
            self.lines[path] = (text or "").splitlines()
        lines = self.lines[path]
        return " ".join(lines[number - 1].split()) if 1 <= number <= len(lines) else ""

    def of(self, finding: Finding) -> dict[str, str]:
        where = repository_path(finding.path, self.repository)
        line = self._line(finding.path, finding.span.start_line)
        key = hashlib.sha256(f"{finding.code}\0{where}\0{line}".encode()).hexdigest()[:32]
        self.seen[key] += 1  # two identical lines in one file: the first, the second, ...
        return {FINGERPRINT: f"{key}:{self.seen[key]}"}


def _fixes(finding: Finding, repository: Path) -> list[dict[str, Any]]:
    """The safe fix `--fix` applies, as SARIF `fixes` (none for unsafe ones)."""
    fix = next(
        (f for f in finding.fixes if f.edits and f.applicability is Applicability.SAFE), None
    )
    if fix is None:
        return []
    by_file: dict[Path, list[Edit]] = {}
    for edit in fix.edits:
        by_file.setdefault(edit.path, []).append(edit)
    return [
        {
            "description": {"text": fix.title},
            "artifactChanges": [
                {
                    "artifactLocation": _artifact(path, repository),
                    "replacements": [
                        {
                            "deletedRegion": _region(edit.span),
                            "insertedContent": {"text": edit.content},
                        }
                        for edit in edits
                    ],
                }
                for path, edits in by_file.items()
            ],
        }
    ]


def _invocation(context: ReportContext) -> dict[str, Any]:
    """The run, with each file it could not check as a tool notification (code scanning lists
    them on the tool's status page)."""
    return {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": f"{item.reason}; this file was not checked"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(item.path, context.repository),
                            "region": {"startLine": item.line, "startColumn": item.column},
                        }
                    }
                ],
            }
            for item in context.unchecked
        ],
    }


def report(findings: Sequence[Finding], context: ReportContext, out: TextIO) -> None:
    codes = sorted(RULES)
    repository = context.repository
    fingerprints = _Fingerprints(repository)
    results: list[dict[str, Any]] = []
    for finding in findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(finding.path, repository),
                        "region": _region(finding.span),
                    }
                }
            ],
            "partialFingerprints": fingerprints.of(finding),
        }
        if finding.code in RULES:
            result["ruleIndex"] = codes.index(finding.code)
        if finding.related:
            result["relatedLocations"] = [
                _related(number, item, repository) for number, item in enumerate(finding.related)
            ]
        fixes = _fixes(finding, repository)
        if fixes:
            result["fixes"] = fixes
        results.append(result)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "integrity-lsp",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/integrity-lsp/integrity-lsp",
                        "rules": [_rule(code) for code in codes],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": repository.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [_invocation(context)],
                "results": results,
            }
        ],
    }
    json.dump(document, out, indent=2)
    out.write("\n")
