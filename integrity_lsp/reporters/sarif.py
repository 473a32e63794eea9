"""SARIF 2.1.0 output, for code-scanning dashboards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from integrity_lsp._version import __version__
from integrity_lsp.analysis.registry import RULES
from integrity_lsp.findings import Finding, Severity, Span

LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.start_line,
        "startColumn": span.start_column + 1,
        "endLine": span.end_line,
        "endColumn": span.end_column + 1,
    }


def _uri(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_uri()


def report(findings: Sequence[Finding], root: Path, out: TextIO) -> None:
    rules = [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.doc},
            "helpUri": rule.url,
        }
        for rule in RULES.values()
    ]
    results: list[dict[str, Any]] = []
    for finding in findings:
        results.append(
            {
                "ruleId": finding.code,
                "level": LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(finding.path, root)},
                            "region": _region(finding.span),
                        }
                    }
                ],
                "relatedLocations": [
                    {
                        "id": number,
                        "message": {"text": item.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(item.path, root)},
                            "region": _region(item.span),
                        },
                    }
                    for number, item in enumerate(finding.related)
                ],
            }
        )
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "integrity-lsp",
                        "version": __version__,
                        "informationUri": "https://github.com/integrity-lsp/integrity-lsp",
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}},
                "results": results,
            }
        ],
    }
    json.dump(document, out, indent=2)
    out.write("\n")
