"""Settings: one model for both front ends, read from `[tool.integrity-lsp]` and from the editor.

`load_settings(root)` reads `root/pyproject.toml` (the server's project); `find_config(start)`
finds the closest pyproject.toml with a `[tool.integrity-lsp]` table upwards from a file, up to
the repository root, and `load_config(path)` reads one (the command line's discovery, as
ruff's). `Settings.merged(mapping)` (`config.settings`) overlays the server's
`initializationOptions` / `workspace/configuration` or the command line's flags. Bad values
never raise (`config.table`): they are reported as warnings and the default is kept, so a broken
config cannot stop the checker or the server. Patterns (`exclude`, `per-file-ignores`) are
relative to the configuration file's folder.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from integrity_lsp.config.settings import (
    DEFAULT_EXCLUDE,
    DEFAULT_TEST_IGNORE,
    TEST_FILE_PATTERNS,
    TEST_FOLDERS,
    Settings,
)
from integrity_lsp.config.table import CODE_PATTERN
from integrity_lsp.syntax.files import ReadWarning, read_project_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

__all__ = [
    "CODE_PATTERN",
    "DEFAULT_EXCLUDE",
    "DEFAULT_TEST_IGNORE",
    "SECTION",
    "TEST_FILE_PATTERNS",
    "TEST_FOLDERS",
    "ConfigError",
    "Settings",
    "config_in",
    "find_config",
    "find_pyproject",
    "load_config",
    "load_settings",
    "parse_toml",
]

SECTION = "integrity-lsp"


class ConfigError(Exception):
    """The configuration file itself cannot be read (not a bad value inside it)."""


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
