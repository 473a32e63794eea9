"""Installed packages read statically: the modules of the chosen interpreter's site-packages that
the project's classes inherit from (wagtail's `Page`, django-extensions' `TimeStampedModel`,
openwisp-utils' abstract bases, pydantic's `BaseModel`, DRF's `CreateModelMixin`).

Nothing is imported and no interpreter is started: the interpreter is the one the editor or CI
runs the project with, told by `VIRTUAL_ENV`, else a virtual environment in the project root
(`.venv`, `venv`, `env`: a folder holding `pyvenv.cfg`), else the interpreter running the
checker. Its `lib/python3.*/site-packages` folders are searched for `a/b/c.py` or
`a/b/c/__init__.py`. A module is parsed once per process while its file is unchanged (by
path, size and modification time), so a package upgrade is read anew.

What this answers is what the index needs to tell a Django model from a class that merely has
"Model" in its name, and to know every field a model inherits: where a package is not
installed, the index knows the base only by name and treats the model's field set as unknown.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from integrity_lsp.project.apps import (
    AppConfigInfo,
    app_label,
    choose_config,
    package_config,
    parse_app_configs,
)
from integrity_lsp.project.models import ParsedModule, parse_module
from integrity_lsp.syntax.files import is_dir, is_file, read_project_text
from integrity_lsp.syntax.source import parse

_Read = TypeVar("_Read")

_VENV_FOLDERS = (".venv", "venv", "env")


def interpreter_site_packages(
    root: Path, environ: dict[str, str] | None = None
) -> tuple[Path, ...]:
    """The site-packages folders of the interpreter the project runs with (see the module)."""
    environ = dict(os.environ) if environ is None else environ
    venv = environ.get("VIRTUAL_ENV")
    candidates = [Path(venv)] if venv else []
    candidates.extend(root / name for name in _VENV_FOLDERS)
    for folder in candidates:
        if is_file(folder / "pyvenv.cfg") or (venv and folder == Path(venv)):
            found = _venv_site_packages(folder)
            if found:
                return found
    return tuple(
        Path(entry)
        for entry in sys.path
        if entry.endswith(("site-packages", "dist-packages")) and is_dir(Path(entry))
    )


def _venv_site_packages(venv: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    for lib in ("lib", "lib64", "Lib"):
        folder = venv / lib
        if not is_dir(folder):
            continue
        if is_dir(folder / "site-packages"):  # Windows: Lib/site-packages
            found.append(folder / "site-packages")
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for name in names:
            if name.startswith("python") and is_dir(folder / name / "site-packages"):
                found.append(folder / name / "site-packages")
    unique: list[Path] = []
    for path in found:  # lib64 is often a symlink to lib
        if all(not _same(path, seen) for seen in unique):
            unique.append(path)
    return tuple(unique)


def _same(left: Path, right: Path) -> bool:
    try:
        return os.path.samefile(left, right)
    except OSError:
        return left == right


class Libraries:
    """The installed packages of one interpreter, read on demand."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = tuple(folders)
        self._paths: dict[str, Path | None] = {}
        self._labels: dict[str, str | None] = {}

    def module_path(self, module: str) -> Path | None:
        """The file of an installed module (`a/b.py` or `a/b/__init__.py`), None if none."""
        if module in self._paths:
            return self._paths[module]
        found = None
        if all(part.isidentifier() for part in module.split(".")):
            relative = Path(*module.split("."))
            for folder in self.folders:
                for candidate in (folder / f"{relative}.py", folder / relative / "__init__.py"):
                    if is_file(candidate):
                        found = candidate
                        break
                if found is not None:
                    break
        self._paths[module] = found
        return found

    def has_package(self, top_level: str) -> bool:
        """Is the top-level package or module installed at all?"""
        return self.module_path(top_level) is not None

    def parsed(self, module: str) -> ParsedModule | None:
        path = self.module_path(module)
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return _parse_library_module(str(path), module, stat.st_size, stat.st_mtime_ns)

    def app_label(self, module: str) -> str | None:
        """The app label of the installed app holding `module` (its apps.py's AppConfig, else
        the package's name), None when no enclosing package has an apps.py or models."""
        parts = module.split(".")
        for length in range(len(parts), 0, -1):
            package = ".".join(parts[:length])
            if package in self._labels:
                if self._labels[package] is not None:
                    return self._labels[package]
                continue
            label = self._package_label(package)
            self._labels[package] = label
            if label is not None:
                return label
        return None

    def _package_label(self, package: str) -> str | None:
        init = self.module_path(package)
        if init is None or init.name != "__init__.py":
            return None
        folder = init.parent
        apps = folder / "apps.py"
        configs: list[AppConfigInfo] = []
        has_apps = is_file(apps)
        if has_apps:
            text = read_project_text(apps, errors="replace") or ""
            if "AppConfig" in text:
                configs = _parsed_or_none(text, parse_app_configs) or []
        init_text = read_project_text(init, errors="replace") or ""
        if "default_app_config" in init_text or "AppConfig" in init_text:
            config = _parsed_or_none(init_text, lambda tree: package_config(tree, package, configs))
        else:
            config = choose_config(configs, package)
        if has_apps or config is not None:
            return app_label(folder, config)
        if is_file(folder / "models.py") or is_file(folder / "models" / "__init__.py"):
            return folder.name
        return None


def _parsed_or_none(text: str, read: Callable[[Any], _Read]) -> _Read | None:
    """What `read` finds in the parsed text; None for absurdly nested code."""
    try:
        return read(parse(text))
    except RecursionError:
        return None


@functools.lru_cache(maxsize=512)
def _parse_library_module(path: str, module: str, size: int, mtime: int) -> ParsedModule | None:
    del size, mtime  # part of the cache key: a changed file is read again
    file = Path(path)
    text = read_project_text(file, errors="replace")
    if text is None:
        return None
    try:
        return parse_module(parse(text), file, module, is_package=file.name == "__init__.py")
    except RecursionError:
        return None
