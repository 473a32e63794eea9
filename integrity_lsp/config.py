"""Settings: one model for both front ends, read from `[tool.integrity-lsp]` and from the editor.

`load_settings(root)` reads `root/pyproject.toml` (the server's project); `find_config(start)`
finds the closest pyproject.toml with a `[tool.integrity-lsp]` table upwards from a file, up to
the repository root, and `load_config(path)` reads one (the command line's discovery, as
ruff's). `Settings.merged(mapping)` overlays the server's `initializationOptions` /
`workspace/configuration` or the command line's flags. Bad values never raise: they are
reported as warnings and the default is kept, so a broken config cannot stop the checker or the
server. Patterns (`exclude`, `per-file-ignores`) are relative to the configuration file's
folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from integrity_lsp.findings import Severity
from integrity_lsp.syntax.files import ReadWarning, read_project_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

SECTION = "integrity-lsp"
CODE_PATTERN = re.compile(r"^IL\d{0,3}$|^ALL$")
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


class ConfigError(Exception):
    """The configuration file itself cannot be read (not a bad value inside it)."""


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
        `*_tests.py`, `tests.py`, `test.py`, `conftest.py`, or a `test-paths` pattern."""
        folders: tuple[str, ...] = ()  # only the project's: not the folders above its root
        if root is not None:
            with contextlib.suppress(ValueError):
                folders = Path(os.path.abspath(path)).relative_to(os.path.abspath(root)).parts
        elif not path.is_absolute():
            folders = path.parts
        if set(folders[:-1]) & TEST_FOLDERS:
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
        return _apply(self, mapping, origin)


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


def _codes(value: Any, key: str, warnings: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        warnings.append(f'`{key}` must be a list of rule codes such as ["IL101"]; ignored')
        return None
    bad = [item for item in value if not CODE_PATTERN.match(item.strip().upper())]
    if bad:
        warnings.append(f"`{key}` has unknown rule codes {bad}; they are ignored")
    return tuple(item.strip().upper() for item in value if item not in bad)


def _strings(value: Any, key: str, warnings: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        warnings.append(f"`{key}` must be a list of strings; ignored")
        return None
    return tuple(value)


def _apply(base: Settings, mapping: Mapping[str, Any], origin: str) -> Settings:
    warnings: list[str] = []
    changes: dict[str, Any] = {}
    if not isinstance(mapping, Mapping):
        return replace(base, warnings=(*base.warnings, f"{origin}: expected a table; ignored"))
    normalised = {str(key).replace("_", "-"): value for key, value in mapping.items()}
    # `extend-*` adds to the same table's base key whatever the order they are written in
    # (`select` and `extend-select` together select both), so the base keys go first.
    ordered = sorted(normalised.items(), key=lambda item: item[0].startswith("extend-"))
    for key, value in ordered:
        if key in ("select", "ignore", "extend-select", "extend-ignore"):
            codes = _codes(value, key, warnings)
            if codes is not None:
                target = key.removeprefix("extend-")
                if key.startswith("extend-"):
                    codes = (*changes.get(target, getattr(base, target)), *codes)
                changes[target] = codes
        elif key == "per-file-ignores":
            if not isinstance(value, Mapping):
                warnings.append("`per-file-ignores` must be a table of pattern = [codes]; ignored")
                continue
            entries = []
            for pattern, codes_value in value.items():
                codes = _codes(codes_value, f"per-file-ignores.{pattern}", warnings)
                if codes is not None:
                    entries.append((str(pattern), codes))
            changes["per_file_ignores"] = tuple(entries)
        elif key == "test-ignore":
            codes = _codes(value, key, warnings)
            if codes is not None:
                changes["test_ignore"] = codes
        elif key in (
            "exclude",
            "extend-exclude",
            "handler-decorators",
            "handler-base-classes",
            "test-paths",
        ):
            strings = _strings(value, key, warnings)
            if strings is not None:
                target = key.removeprefix("extend-").replace("-", "_")
                if key.startswith("extend-"):
                    strings = (*changes.get(target, getattr(base, target)), *strings)
                changes[target] = strings
        elif key == "severity":
            severity = _severity(value, warnings)
            if severity is not None:
                changes["severity"] = severity
        elif key in ("force-exclude", "respect-gitignore"):
            if isinstance(value, bool):
                changes[key.replace("-", "_")] = value
            else:
                warnings.append(f"`{key}` must be true or false; ignored")
        elif key == "atomic-requests":
            if isinstance(value, bool) or value is None:
                changes["atomic_requests"] = value
            else:
                warnings.append("`atomic-requests` must be true or false; ignored")
        elif key == "django-version":
            version = _django_version(value)
            if version is None:
                warnings.append(f'`django-version` must look like "5.2"; got {value!r}; ignored')
            else:
                changes["django_version"] = version
        elif key == "settings-module":
            if isinstance(value, str) and value.strip():
                changes["settings_module"] = value.strip()
            else:
                warnings.append("`settings-module` must be a dotted module name; ignored")
        elif key == "migrations-since":
            since = _migrations_since(value)
            if since is None:
                warnings.append(
                    '`migrations-since` must be "auto", "all" or a git ref such as '
                    f'"origin/main"; got {value!r}; ignored'
                )
            else:
                changes["migrations_since"] = None if since == "auto" else since
        elif key == "since":
            ref = _migrations_since(value)
            if ref is None or ref in ("auto", "all"):
                warnings.append(f'`since` must be a git ref such as "origin/main"; got {value!r}')
            else:
                changes["since"] = ref
        else:
            warnings.append(f"unknown setting `{key}`; ignored")
    prefixed = tuple(f"{origin}: {warning}" for warning in warnings)
    return replace(base, **changes, warnings=(*base.warnings, *prefixed))


def _severity(value: Any, warnings: list[str]) -> tuple[tuple[str, Severity], ...] | None:
    if not isinstance(value, Mapping):
        warnings.append('`severity` must be a table such as { IL104 = "info" }; ignored')
        return None
    entries = []
    for code, level in value.items():
        try:
            entries.append((str(code).upper(), Severity(str(level).lower())))
        except ValueError:
            choices = ", ".join(item.value for item in Severity)
            warnings.append(f"`severity.{code}` must be one of {choices}; ignored")
    return tuple(entries)


def _migrations_since(value: Any) -> str | None:
    """`auto`, `all` or what can be a git revision (`origin/main`, `HEAD~3`, a commit id);
    never something git would read as an option."""
    if not isinstance(value, str):
        return None
    text: str = value.strip()
    if text.lower() in ("auto", "all"):
        return text.lower()
    if text.startswith("-") or not re.fullmatch(r"[\w./@{}~^-]+", text):
        return None
    return text


def _django_version(value: Any) -> tuple[int, int] | None:
    match = re.match(r"^\s*(\d+)(?:\.(\d+))?", str(value)) if value is not None else None
    if match is None or isinstance(value, bool):
        return None
    return int(match.group(1)), int(match.group(2) or 0)


def find_pyproject(root: Path) -> Path | None:
    candidate = root / "pyproject.toml"
    return candidate if candidate.is_file() else None


def load_settings(root: Path) -> Settings:
    """Settings from `root/pyproject.toml`; a file that is not valid TOML raises ConfigError."""
    pyproject = find_pyproject(root)
    return Settings() if pyproject is None else load_config(pyproject)


def find_config(start: Path) -> Path | None:
    """The closest pyproject.toml holding a `[tool.integrity-lsp]` table, from the folder
    `start` upwards, up to the repository root (the folder holding `.git`), as ruff finds its
    configuration. One that is not valid TOML is found too (loading it then says why)."""
    for folder in (start, *start.parents):
        found, stop = config_in(folder)
        if found is not None or stop:
            return found
    return None


def config_in(folder: Path) -> tuple[Path | None, bool]:
    """One step of `find_config`: (the folder's configuration file or None, whether the
    search stops here -- the folder is a repository's root)."""
    candidate = folder / "pyproject.toml"
    if candidate.is_file() and _has_section(candidate):
        return candidate, True
    return None, (folder / ".git").exists()


def _has_section(pyproject: Path) -> bool:
    text = read_project_text(pyproject, warn=lambda warning: None)
    if text is None:
        return True  # cannot be read: loading it reports that, rather than skipping the file
    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return f"[tool.{SECTION}" in text  # broken: it counts if it meant to configure us
    if tool is not None and not isinstance(tool, Mapping):
        return True  # `tool = 1`: loading it warns that no table can be read from it
    return isinstance(tool, Mapping) and SECTION in tool


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """A TOML document; ConfigError naming `origin` when it is not one."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{origin}: cannot read configuration: {error}") from error
    return data


def load_config(pyproject: Path) -> Settings:
    """Settings from the `[tool.integrity-lsp]` table of one file (defaults without one); a
    file that cannot be read or is not valid TOML raises ConfigError."""
    problems: list[ReadWarning] = []
    text = read_project_text(pyproject, warn=problems.append)
    if text is None:
        error = problems[0].error if problems else None
        raise ConfigError(f"{pyproject}: cannot read configuration: {error}") from error
    data = parse_toml(text, str(pyproject))
    base = Settings(config_path=pyproject)
    tool = data.get("tool", {})
    if not isinstance(tool, Mapping):  # `tool = 1`: valid TOML, but no tables under it
        return replace(base, warnings=(f"{pyproject}: `tool` must be a table; ignored",))
    table = tool.get(SECTION)
    if table is None:
        return base
    if not isinstance(table, Mapping):
        return replace(base, warnings=(f"{pyproject}: [tool.{SECTION}] must be a table; ignored",))
    return base.merged(table, origin=f"{pyproject.name} [tool.{SECTION}]")
