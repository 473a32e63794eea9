"""`Settings`: one model for both front ends, and what it answers — is a rule enabled for a
path, is a path test code or excluded, which severity a finding has. `merged(mapping)` overlays
a table of settings (`config.table` reads it)."""

from __future__ import annotations

import contextlib
import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from integrity_lsp.config.table import read_table
from integrity_lsp.findings import Severity

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    "site-packages",
    ".mypy_cache",
    ".ruff_cache",
)


# Test code: a single-threaded test that creates rows is no race, a pytest fixture is no view.
# By default the race and request rules are silent there (as if `per-file-ignores` listed them
# for every test path), and so are the rules about rows a table already holds (IL301-IL303: a
# test app's migrations only run on the new database of a test run); IL203, IL205 and IL304
# still report (a broken fixture is worth knowing).
DEFAULT_TEST_IGNORE = (
    "IL101", "IL102", "IL103", "IL104", "IL201", "IL202", "IL204", "IL301", "IL302", "IL303",
)  # fmt: skip
# A path is test code when a folder on it is named like one of these, or its file name
# matches one of the file patterns; `test-paths` adds patterns of its own.
TEST_FOLDERS = frozenset({"tests", "test", "testing"})
# `test.py`: a module of test helpers (a TestCase base, a test runner, tasks only tests dispatch:
# tendenci, misago, reviewboard, pulpcore); Django's runner discovers `test*.py`.
TEST_FILE_PATTERNS = (
    "test_*.py", "*_test.py", "*_tests.py", "tests.py", "test.py", "conftest.py",
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] = ("IL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    handler_decorators: tuple[str, ...] = ()
    handler_base_classes: tuple[str, ...] = ()
    atomic_requests: bool | None = None
    django_version: tuple[int, int] | None = None
    settings_module: str | None = None
    # Which migrations IL301–IL303 report on in `check`: None = those new relative to the git
    # base (the merge-base with the default branch), "all" = every one, else a git ref.
    migrations_since: str | None = None
    # `check --since REF`: only findings on lines changed since the merge-base of REF and HEAD
    # (a team adopting the tool gates new code without fixing the past first). None: all.
    since: str | None = None
    force_exclude: bool = False  # exclusions apply to paths named on the command line too
    respect_gitignore: bool = True
    config_path: Path | None = None  # the file these settings were read from
    test_paths: tuple[str, ...] = ()
    test_ignore: tuple[str, ...] = DEFAULT_TEST_IGNORE
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def _base(self, root: Path | None) -> Path | None:
        """What patterns are relative to: the configuration file's folder, else the root."""
        return self.config_path.parent if self.config_path is not None else root

    def is_enabled(self, code: str, path: Path | None = None, root: Path | None = None) -> bool:
        """ruff's selection semantics: the longest matching prefix of select/ignore wins."""
        best_select = _longest_prefix(code, self.select)
        best_ignore = _longest_prefix(code, self.ignore)
        if best_select < 0 or best_ignore >= best_select:
            return False
        if path is not None:
            base = self._base(root)
            for pattern, codes in self.per_file_ignores:
                if _path_matches(path, pattern, base) and _longest_prefix(code, codes) >= 0:
                    return False
            if _longest_prefix(code, self.test_ignore) >= 0 and self.is_test_path(path, root):
                return False
        return True

    def is_test_path(self, path: Path, root: Path | None = None) -> bool:
        """Test code: a `tests`/`test`/`testing` folder, `test_*.py`, `*_test.py`,
        `*_tests.py`, `tests.py`, `test.py`, `conftest.py`, behave's `features/steps/` and
        `features/environment.py`, or a `test-paths` pattern."""
        folders: tuple[str, ...] = ()  # only the project's: not the folders above its root
        if root is not None:
            with contextlib.suppress(ValueError):
                folders = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
        elif not path.is_absolute():
            folders = path.parts
        if set(folders[:-1]) & TEST_FOLDERS or _behave_code(folders):
            return True
        if any(fnmatch.fnmatch(path.name, pattern) for pattern in TEST_FILE_PATTERNS):
            return True
        return any(_path_matches(path, pattern, self._base(root)) for pattern in self.test_paths)

    def is_excluded(self, path: Path, root: Path | None = None) -> bool:
        relative = path
        if root is not None:  # a project that lives under a folder named `build` is not excluded
            with contextlib.suppress(ValueError):
                relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
        if set(relative.parts) & set(DEFAULT_EXCLUDE):
            return True
        base = self._base(root)
        return any(_path_matches(path, pattern, base) for pattern in self.exclude)

    def severity_for(self, code: str, default: Severity) -> Severity:
        best = -1
        chosen = default
        for prefix, severity in self.severity:
            if code.startswith(prefix) and len(prefix) > best:
                best, chosen = len(prefix), severity
        return chosen

    def merged(self, mapping: Mapping[str, Any] | None, origin: str = "settings") -> Settings:
        """These settings overlaid with `mapping` (editor settings); bad values become warnings."""
        if not mapping:
            return self
        changes, warnings = read_table(mapping, origin, lambda name: getattr(self, name))
        return replace(self, **changes, warnings=(*self.warnings, *warnings))


def _behave_code(folders: tuple[str, ...]) -> bool:
    """behave's step definitions and hooks (`features/steps/*.py`, `features/environment.py`):
    scenarios run one at a time against a test database, as tests do."""
    for at, folder in enumerate(folders[:-1]):
        if folder == "features" and (
            (at + 2 < len(folders) and folders[at + 1] == "steps")
            or folders[at + 1 :] == ("environment.py",)
        ):
            return True
    return False


def _longest_prefix(code: str, prefixes: tuple[str, ...]) -> int:
    best = -1
    for prefix in prefixes:
        if prefix == "ALL":
            best = max(best, 0)
        elif code.startswith(prefix):
            best = max(best, len(prefix))
    return best


def _path_matches(path: Path, pattern: str, root: Path | None) -> bool:
    candidates = [path.as_posix()]
    if root is not None:
        with contextlib.suppress(ValueError):
            candidates.append(path.resolve().relative_to(root.resolve()).as_posix())
    stripped = pattern.rstrip("/")
    for candidate in candidates:
        posix = PurePosixPath(candidate)
        if fnmatch.fnmatch(candidate, pattern) or fnmatch.fnmatch(candidate, f"*/{pattern}"):
            return True
        if stripped in posix.parts or any(
            fnmatch.fnmatch(str(parent), stripped) for parent in posix.parents
        ):
            return True
        if posix.name == pattern or fnmatch.fnmatch(posix.name, pattern):
            return True
    return False
