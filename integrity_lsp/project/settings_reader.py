"""Read the Django settings module statically: AUTH_USER_MODEL, ATOMIC_REQUESTS, INSTALLED_APPS.

The settings module is `Settings.settings_module` when given, else the one `manage.py` sets as
`DJANGO_SETTINGS_MODULE`, else a `settings.py` / `settings/` package. Its module-level
statements are evaluated by a tiny interpreter that knows literals, names, list/tuple/dict
displays, `+`/`+=`, `dict(...)`, subscript assignments (`DATABASES["default"]["X"] = …`),
`.append`/`.extend`, and `from .base import *` (followed a few levels into sibling modules).
Anything else is unknown and ignored. Nothing is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.project.imports import resolve_relative
from integrity_lsp.project.records import ProjectSettings
from integrity_lsp.syntax.declarations import (
    UNKNOWN,
    assignment_parts,
    call_arguments,
    dotted_parts,
    is_operator,
    iter_statements,
    literal,
    small_statements,
    split_call,
)
from integrity_lsp.syntax.source import parse

_SETTINGS_MODULE_RE = re.compile(r"""DJANGO_SETTINGS_MODULE["']\s*,\s*["']([A-Za-z_][\w.]*)["']""")
_STAR_DEPTH = 4

ReadText = Callable[[Path], "str | None"]


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
    reader = _Reader(read_text, module_of, path_for_module)
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


class _Reader:
    def __init__(
        self,
        read_text: ReadText,
        module_of: Callable[[Path], str | None],
        path_for_module: Callable[[str], Path | None],
    ) -> None:
        self.read_text = read_text
        self.module_of = module_of
        self.path_for_module = path_for_module
        self.files: list[Path] = []

    def evaluate(self, path: Path, depth: int) -> dict[str, Any]:
        env: dict[str, Any] = {}
        if path in self.files or depth > _STAR_DEPTH:
            return env
        text = self.read_text(path)
        if text is None:
            return env
        self.files.append(path)
        module = self.module_of(path)
        self._run(iter_statements(parse(text)), env, path, module, depth)
        return env

    def _run(
        self, statements: list[Any], env: dict[str, Any], path: Path, module: str | None, depth: int
    ) -> None:
        for statement in statements:
            kind = statement.type
            if kind in ("if_stmt", "try_stmt", "with_stmt"):
                for child in statement.children:
                    if child.type == "suite":
                        self._run(iter_statements(child), env, path, module, depth)
                continue
            for small in small_statements(statement):
                try:
                    self._statement(small, env, path, module, depth)
                except (AttributeError, IndexError, TypeError, ValueError, KeyError):
                    continue

    def _statement(
        self, node: Any, env: dict[str, Any], path: Path, module: str | None, depth: int
    ) -> None:
        if node.type == "import_from" and node.is_star_import():
            dotted = ".".join(leaf.value for leaf in node.get_from_names())
            target = resolve_relative(module, path.name == "__init__.py", node.level, dotted)
            found = self.path_for_module(target) if target else None
            if found is None and node.level == 1 and dotted:
                found = path.parent / (dotted.replace(".", "/") + ".py")
            if found is not None:
                env.update(self.evaluate(found, depth + 1))
            return
        if node.type == "expr_stmt":
            self._assignment(node, env)
            return
        call = split_call(node)
        if call is not None:
            self._method_call(call, env)

    def _assignment(self, node: Any, env: dict[str, Any]) -> None:
        children = node.children
        if len(children) == 3 and children[1].type == "operator" and children[1].value == "+=":
            target = children[0]
            if target.type == "name":
                current = env.get(str(target.value))
                added = evaluate(children[2], env)
                env[str(target.value)] = _concat(current, added)
            return
        targets, _annotation, value = assignment_parts(node)
        if value is None:
            return
        result = evaluate(value, env)
        for target in targets:
            if target.type == "name":
                env[str(target.value)] = result
            elif target.type in ("atom_expr", "power"):
                self._subscript_assignment(target, result, env)

    def _subscript_assignment(self, target: Any, value: Any, env: dict[str, Any]) -> None:
        parts = target.children
        if parts[0].type != "name":
            return
        container = env.get(str(parts[0].value))
        keys = []
        for trailer in parts[1:]:
            if trailer.type != "trailer" or not is_operator(trailer.children[0], "["):
                return
            keys.append(literal(trailer.children[1]))
        for key in keys[:-1]:
            if not isinstance(container, dict):
                return
            container = container.setdefault(key, {})
        if isinstance(container, dict) and keys:
            container[keys[-1]] = value

    def _method_call(self, call: tuple[list[Any], Any], env: dict[str, Any]) -> None:
        dotted = dotted_parts(call[0])
        if dotted is None or dotted.count(".") != 1:
            return
        name, method = dotted.split(".")
        current = env.get(name)
        if not isinstance(current, list):
            if isinstance(current, tuple):
                current = list(current)
            else:
                return
        args = call_arguments(call[1]).positional
        if method == "append" and len(args) == 1:
            current.append(evaluate(args[0], env))
        elif method == "extend" and len(args) == 1:
            added = evaluate(args[0], env)
            if isinstance(added, (list, tuple)):
                current.extend(added)
        elif method == "insert" and len(args) == 2:
            current.append(evaluate(args[1], env))
        else:
            return
        env[name] = current


def _concat(current: Any, added: Any) -> Any:
    if isinstance(current, (list, tuple)) and isinstance(added, (list, tuple)):
        return [*current, *added]
    if isinstance(current, str) and isinstance(added, str):
        return current + added
    return UNKNOWN


def evaluate(node: Any, env: dict[str, Any]) -> Any:
    """The value of a settings expression, or UNKNOWN."""
    value = literal(node)
    if value is not UNKNOWN:
        return value
    kind = node.type
    if kind == "name":
        return env.get(str(node.value), UNKNOWN)
    if kind == "atom":
        opening = node.children[0]
        if is_operator(opening, "{"):
            return _dict_display(node, env)
        if is_operator(opening, "[") or is_operator(opening, "("):
            return _sequence_display(node, env)
    if kind == "arith_expr":
        result = evaluate(node.children[0], env)
        for index in range(1, len(node.children) - 1, 2):
            if not is_operator(node.children[index], "+"):
                return UNKNOWN
            result = _concat(result, evaluate(node.children[index + 1], env))
        return result
    call = split_call(node)
    if call is not None and dotted_parts(call[0]) == "dict":
        args = call_arguments(call[1])
        return {key: evaluate(value, env) for key, value in args.keywords.items()}
    return UNKNOWN


def _sequence_display(node: Any, env: dict[str, Any]) -> Any:
    if len(node.children) == 2:
        return []
    inner = node.children[1]
    if inner.type == "testlist_comp":
        items = [child for child in inner.children if not is_operator(child, ",")]
        if any(child.type in ("comp_for", "sync_comp_for") for child in items):
            return UNKNOWN
    elif is_operator(node.children[0], "("):
        return evaluate(inner, env)
    else:
        items = [inner]
    result: list[Any] = []
    for item in items:
        if item.type == "star_expr":
            spread = evaluate(item.children[1], env)
            if isinstance(spread, (list, tuple)):
                result.extend(spread)
            continue
        value = evaluate(item, env)
        if value is not UNKNOWN:
            result.append(value)
    return result


def _dict_display(node: Any, env: dict[str, Any]) -> Any:
    if len(node.children) == 2:
        return {}
    inner = node.children[1]
    if inner.type != "dictorsetmaker":
        return UNKNOWN
    children = inner.children
    result: dict[Any, Any] = {}
    index = 0
    while index < len(children):
        child = children[index]
        if is_operator(child, ","):
            index += 1
            continue
        if is_operator(child, "**"):
            spread = evaluate(children[index + 1], env)
            if isinstance(spread, dict):
                result.update(spread)
            index += 2
            continue
        if index + 2 < len(children) and is_operator(children[index + 1], ":"):
            key = literal(child)
            if key is not UNKNOWN:
                result[key] = evaluate(children[index + 2], env)
            index += 3
            continue
        return UNKNOWN
    return result
