"""Reporters: turn findings into text, JSON (ruff's shape), SARIF or GitHub annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp.findings import Finding
from integrity_lsp.reporters import github, json, sarif, text

Reporter = Callable[[Sequence[Finding], Path, TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.report,
    "json": json.report,
    "sarif": sarif.report,
    "github": github.report,
}


__all__ = ["REPORTERS", "Reporter"]
