"""The tiny interpreter that evaluates a settings module's statements statically: which value
does each module-level name hold? It knows literals, names, list/tuple/dict displays, `+`/`+=`,
`dict(...)`, subscript assignments (`DATABASES["default"]["X"] = …`), `.append`/`.extend`, and
`from .base import *` (followed a few levels into sibling modules); anything else is UNKNOWN
and ignored. Nothing is imported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from integrity_lsp.project.imports import resolve_relative
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

_STAR_DEPTH = 4

ReadText = Callable[[Path], "str | None"]


class SettingsInterpreter:
    """Evaluates one settings file and the modules it star-imports; `files` lists every file
    it read."""

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
