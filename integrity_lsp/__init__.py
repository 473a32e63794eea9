"""integrity-lsp: find Django code that will raise IntegrityError, and rewrite it safely."""

from __future__ import annotations

import os as _os
import sys as _sys

if _sys.argv[:1] == ["-m"] and _sys.path and _os.path.abspath(_sys.path[0]) == _os.getcwd():
    # `python -m integrity_lsp` inside a project (how editors start the server) puts the project
    # first on sys.path: a project module named like a stdlib one (platform.py) would be
    # imported, that is, run. We never run the user's code.
    del _sys.path[0]

from integrity_lsp._version import __version__
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
