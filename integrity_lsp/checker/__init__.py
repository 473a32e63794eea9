"""The one entry point both front ends call: check a source text (`single.check_source`), or a
set of paths (`batch.check_paths`), in an `Environment` built by `environment.build_environment`.
"""

from __future__ import annotations

from integrity_lsp.checker.batch import (
    CheckReport,
    cached_findings,
    check_paths,
    iter_python_files,
    named_path_exists,
)
from integrity_lsp.checker.environment import build_environment, find_root
from integrity_lsp.checker.file_checks import Unchecked
from integrity_lsp.checker.single import check_source, enabled_rules, might_matter

__all__ = [
    "CheckReport",
    "Unchecked",
    "build_environment",
    "cached_findings",
    "check_paths",
    "check_source",
    "enabled_rules",
    "find_root",
    "iter_python_files",
    "might_matter",
    "named_path_exists",
]
