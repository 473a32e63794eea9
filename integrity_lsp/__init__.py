"""integrity-lsp: find Django code that will raise IntegrityError, and rewrite it safely."""

from __future__ import annotations

__version__ = "0.1.0"

from integrity_lsp.checker import build_environment, check_paths, check_source, find_root
from integrity_lsp.config import Settings, load_settings
from integrity_lsp.findings import Applicability, Edit, Finding, Fix, Location, Severity, Span

__all__ = [
    "Applicability",
    "Edit",
    "Finding",
    "Fix",
    "Location",
    "Settings",
    "Severity",
    "Span",
    "__version__",
    "build_environment",
    "check_paths",
    "check_source",
    "find_root",
    "load_settings",
]
