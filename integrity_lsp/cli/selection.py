"""The settings of a `check` run: the configuration file of each path, and the flags on top.

As ruff: each file takes the closest pyproject.toml with a `[tool.integrity-lsp]` table upwards
from it, up to the repository root (`config.find_config`); `--config FILE` names one file for
every path instead, `--config 'KEY = VALUE'` overrides one setting, `--isolated` reads no file.
Flags override the file: `--select` replaces `select`, `--extend-select` and `--ignore` add,
`--exclude` replaces `exclude`, `--extend-exclude` adds. A code no rule has is a usage error.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from integrity_lsp.cli.exit_codes import UsageError
from integrity_lsp.config import (
    SECTION,
    ConfigError,
    Settings,
    config_in,
    load_config,
    parse_toml,
)
from integrity_lsp.syntax.files import is_dir


def known_codes() -> tuple[str, ...]:
    from integrity_lsp.rules import load_rules

    return tuple(load_rules())


def split_codes(values: Iterable[str] | None, flag: str) -> tuple[str, ...] | None:
    """The codes of every occurrence of a flag, validated: each must be ALL or the code or a
    prefix of a code of some rule (`IL1`, `IL101`); anything else is a usage error."""
    if values is None:
        return None
    codes = tuple(
        part.strip().upper() for value in values for part in value.split(",") if part.strip()
    )
    rules = known_codes()
    unknown = [
        code for code in codes if code != "ALL" and not any(r.startswith(code) for r in rules)
    ]
    if unknown:
        listed = ", ".join(repr(code) for code in unknown)
        raise UsageError(
            f"{flag}: unknown rule selector {listed}; `integrity-lsp rules` lists the rules"
        )
    return codes


def _split_strings(values: Iterable[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


class RunSettings:
    """The settings of each path of one run, read once per configuration file."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.isolated: bool = bool(getattr(args, "isolated", False))
        self.config_file: Path | None = None
        inline: dict[str, Any] = {}
        for value in getattr(args, "config", None) or []:
            path = Path(value)
            if path.is_file():
                if self.config_file is not None:
                    raise UsageError("--config: only one configuration file may be named")
                self.config_file = path.resolve()
            elif "=" in value:
                table = parse_toml(value, f"--config {value!r}")
                tool = table.get("tool")
                nested = tool.get(SECTION) if isinstance(tool, dict) else None
                inline.update(nested if isinstance(nested, dict) else table)
            else:
                raise UsageError(f"--config {value!r}: neither a file nor a `KEY = VALUE` setting")
        self.overrides = self._flag_overrides(args, inline)
        self._by_file: dict[Path | None, Settings] = {}
        self._by_folder: dict[Path, Path | None] = {}

    @staticmethod
    def _flag_overrides(args: argparse.Namespace, inline: dict[str, Any]) -> dict[str, Any]:
        overrides: dict[str, Any] = dict(inline)
        select = split_codes(getattr(args, "select", None), "--select")
        extend_select = split_codes(getattr(args, "extend_select", None), "--extend-select")
        ignore = split_codes(getattr(args, "ignore", None), "--ignore")
        if select is not None:
            overrides["select"] = list(select)
        if extend_select:
            overrides["extend-select"] = list(extend_select)
        if ignore:
            overrides["extend-ignore"] = list(ignore)
        exclude = _split_strings(getattr(args, "exclude", None))
        extend_exclude = _split_strings(getattr(args, "extend_exclude", None))
        if exclude is not None:
            overrides["exclude"] = list(exclude)
        if extend_exclude:
            overrides["extend-exclude"] = list(extend_exclude)
        if getattr(args, "all_migrations", False):
            overrides["migrations-since"] = "all"
        if getattr(args, "since", None):
            overrides["since"] = args.since  # findings on changed lines only
            if not getattr(args, "all_migrations", False):
                overrides["migrations-since"] = args.since
        for flag in ("force_exclude", "respect_gitignore"):
            value = getattr(args, flag, None)
            if value is not None:
                overrides[flag.replace("_", "-")] = value
        return overrides

    def config_for(self, path: Path) -> Path | None:
        """The configuration file that applies to `path` (a file or a folder)."""
        if self.isolated:
            return None
        if self.config_file is not None:
            return self.config_file
        absolute = Path(os.path.abspath(path))
        return self._config_of_folder(absolute if is_dir(absolute) else absolute.parent)

    def _config_of_folder(self, folder: Path) -> Path | None:
        """`config.find_config`, each folder looked at once per run (a walk asks for every
        folder of the project)."""
        if folder not in self._by_folder:
            found, stop = config_in(folder)
            if found is None and not stop and folder.parent != folder:
                found = self._config_of_folder(folder.parent)
            self._by_folder[folder] = found
        return self._by_folder[folder]

    def settings_for(self, path: Path) -> Settings:
        """The settings of `path`; ConfigError when its configuration file is broken."""
        config = self.config_for(path)
        if config not in self._by_file:
            base = Settings() if config is None else load_config(config)
            self._by_file[config] = base.merged(self.overrides, origin="command line")
        return self._by_file[config]


__all__ = ["ConfigError", "RunSettings", "split_codes"]
