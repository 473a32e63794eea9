"""Read the Django settings module statically: AUTH_USER_MODEL, ATOMIC_REQUESTS, INSTALLED_APPS.

The settings module is `Settings.settings_module` when given, else the one `manage.py` sets as
`DJANGO_SETTINGS_MODULE`, else a `settings.py` / `settings/` package. Its module-level
statements are evaluated by the tiny interpreter of `settings_interpreter` (literals, displays,
`+=`, `.append`, `from .base import *`, …); anything else is unknown and ignored. Nothing is
imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from integrity_lsp.project.records import ProjectSettings
from integrity_lsp.project.settings_interpreter import ReadText, SettingsInterpreter

_SETTINGS_MODULE_RE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']""")


@dataclass(frozen=True)
class SettingsFacts:
    """What the settings module says; `files` lists every file that was read."""

    path: Path | None = None
    files: tuple[Path, ...] = ()
    auth_user_model: str | None = None
    atomic_requests: bool = False
    installed_apps: tuple[str, ...] = ()
    default_auto_field: str | None = None
    engine: str | None = None
    swappable: tuple[tuple[str, str], ...] = ()  # `*_MODEL` settings naming a model
    # MIGRATION_MODULES: app label -> the dotted module its migrations live in.
    migration_modules: tuple[tuple[str, str], ...] = ()

    def project_settings(self, atomic_override: bool | None = None) -> ProjectSettings:
        return ProjectSettings(
            auth_user_model=self.auth_user_model or "auth.User",
            atomic_requests=self.atomic_requests if atomic_override is None else atomic_override,
            settings_path=self.path,
            installed_apps=self.installed_apps,
            swappable=self.swappable,
        )


def settings_module_from_manage(text: str) -> str | None:
    """The `DJANGO_SETTINGS_MODULE` a manage.py (or wsgi.py/asgi.py) sets by default."""
    match = _SETTINGS_MODULE_RE.search(text)
    return match.group(1) if match else None


def is_settings_candidate(path: Path) -> bool:
    """Could this file change which settings are read (or what they say)?"""
    return (
        path.name in ("manage.py", "settings.py", "wsgi.py", "asgi.py")
        or path.parent.name == "settings"
        or _is_settings_variant(path)
    )


def find_settings_path(
    files: list[Path],
    *,
    configured: str | None,
    read_text: ReadText,
    path_for_module: Callable[[str], Path | None],
) -> Path | None:
    """The settings file to read: configured module, then manage.py's default, then by name."""
    if configured:
        return path_for_module(configured)
    by_depth = sorted(files, key=lambda path: (len(path.parts), str(path)))
    for names in (("manage.py",), ("wsgi.py", "asgi.py")):
        for path in by_depth:
            if path.name not in names:
                continue
            module = settings_module_from_manage(read_text(path) or "")
            found = path_for_module(module) if module else None
            if found is not None:
                return found
    for path in by_depth:
        if path.name == "settings.py" and _looks_like_settings(read_text(path)):
            return path
    for path in by_depth:
        if path.parent.name == "settings" and path.name == "__init__.py":
            return _settings_package_entry(path, files, read_text)
    # A project that ships only templates of its settings (weblate's settings_example.py,
    # settings_docker.py): the shallowest one that is not a test's.
    for path in by_depth:
        if (
            _is_settings_variant(path)
            and "test" not in path.stem
            and _looks_like_settings(read_text(path))
        ):
            return path
    return None


_SETTING_ASSIGNMENT = re.compile(r"^(?:[A-Z][A-Z0-9_]*\s*=|from\s+\S+\s+import\s+\*)", re.MULTILINE)


def _looks_like_settings(text: str | None) -> bool:
    """A Django settings module: module-level UPPER_CASE assignments or a star import (a
    views/settings.py of an app has neither)."""
    return text is not None and _SETTING_ASSIGNMENT.search(text) is not None


def _is_settings_variant(path: Path) -> bool:
    return path.suffix == ".py" and (
        path.stem.startswith("settings_") or path.stem.endswith("_settings")
    )


def _settings_package_entry(init: Path, files: list[Path], read_text: ReadText) -> Path:
    text = read_text(init) or ""
    if re.search(r"^\s*(from|[A-Z_]+\s*=)", text, re.MULTILINE):
        return init
    siblings = {path.name: path for path in files if path.parent == init.parent}
    for name in ("base.py", "common.py", "defaults.py", "default.py", "settings.py"):
        if name in siblings:
            return siblings[name]
    return init


def read_settings(
    path: Path | None,
    *,
    read_text: ReadText,
    module_of: Callable[[Path], str | None],
    path_for_module: Callable[[str], Path | None],
) -> SettingsFacts:
    """Evaluate the settings file `path` statically (never raises)."""
    if path is None:
        return SettingsFacts()
    reader = SettingsInterpreter(read_text, module_of, path_for_module)
    env = reader.evaluate(path, depth=0)
    databases = env.get("DATABASES")
    atomic = False
    engine = None
    if isinstance(databases, dict):
        entries = [value for value in databases.values() if isinstance(value, dict)]
        atomic = any(entry.get("ATOMIC_REQUESTS") is True for entry in entries)
        default = databases.get("default")
        if isinstance(default, dict) and isinstance(default.get("ENGINE"), str):
            engine = default["ENGINE"]
    apps = env.get("INSTALLED_APPS")
    user_model = env.get("AUTH_USER_MODEL")
    auto_field = env.get("DEFAULT_AUTO_FIELD")
    moved = env.get("MIGRATION_MODULES")
    migration_modules = (
        tuple(
            (label, module)
            for label, module in moved.items()
            if isinstance(label, str) and isinstance(module, str)
        )
        if isinstance(moved, dict)
        else ()
    )
    return SettingsFacts(
        path=path,
        files=tuple(reader.files),
        auth_user_model=user_model if isinstance(user_model, str) and "." in user_model else None,
        atomic_requests=atomic,
        installed_apps=tuple(a for a in apps if isinstance(a, str))
        if isinstance(apps, (list, tuple))
        else (),
        default_auto_field=auto_field if isinstance(auto_field, str) else None,
        engine=engine,
        swappable=tuple(
            sorted(
                (name, value)
                for name, value in env.items()
                if name.endswith("_MODEL")
                and isinstance(value, str)
                and value.count(".") == 1
                and name != "AUTH_USER_MODEL"
            )
        ),
        migration_modules=migration_modules,
    )
