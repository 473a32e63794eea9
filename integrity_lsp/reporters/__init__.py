"""Reporters: turn findings into text, JSON (ruff's shape), SARIF or GitHub annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from integrity_lsp.findings import Finding
from integrity_lsp.reporters import github, json, sarif, text
from integrity_lsp.reporters.context import ReportContext, fixability, repository_root

Reporter = Callable[[Sequence[Finding], ReportContext, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.report,
    "json": json.report,
    "sarif": sarif.report,
    "github": github.report,
}


__all__ = ["REPORTERS", "ReportContext", "Reporter", "fixability", "repository_root"]
