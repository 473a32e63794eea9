"""The options a field class's own `__init__` fixes, read from its code (CPython's parser).

For the options that decide constraints (`null`, `blank`, `unique`, `primary_key`, `default`,
`db_default`):
- `kwargs["null"] = True` (chained targets too) and `kwargs.update(null=True)`: forced;
- `super().__init__(…, null=True, …)`: forced (passing it as well would be a TypeError);
- `kwargs.setdefault("null", True)`: a default the call may override;
- `defaults = {"null": True}`, `defaults.update(kwargs)`, `super().__init__(**defaults)`: the
  same (cartridge's `MoneyField`);
- a value computed from another option (`bool(kwargs.get("blank"))`): kept as written, and
  `field_init_values.computed` turns it into the literal it comes to.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from integrity_lsp.project.field_init_values import value_source

CONSTRAINT_OPTIONS = ("null", "blank", "unique", "primary_key", "default", "db_default")


@dataclass(frozen=True)
class FieldClassOptions:
    """Option -> source text, as a class's `__init__` fixes it."""

    forced: tuple[tuple[str, str], ...] = ()
    defaults: tuple[tuple[str, str], ...] = ()

    def then(self, child: FieldClassOptions) -> FieldClassOptions:
        """A subclass's own options over these (its `__init__` runs first, then the base's:
        the base's forced options win, the child's defaults come before the base's)."""
        forced = {**dict(child.forced), **dict(self.forced)}
        defaults = {**dict(self.defaults), **dict(child.defaults)}
        return FieldClassOptions(tuple(sorted(forced.items())), tuple(sorted(defaults.items())))


def init_options(classdef: ast.ClassDef) -> FieldClassOptions:
    """What the class's own `__init__` fixes (see the module docstring)."""
    init = next(
        (
            node
            for node in classdef.body
            if isinstance(node, ast.FunctionDef) and node.name == "__init__"
        ),
        None,
    )
    if init is None or init.args.kwarg is None:
        return FieldClassOptions()
    kwargs = init.args.kwarg.arg
    forced: dict[str, str] = {}
    defaults: dict[str, str] = {}
    passed = _dicts_passed_on(init, kwargs)
    for options in passed.values():
        defaults.update(options)
    for name in (kwargs, *passed):
        for node in ast.walk(init):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    key = _kwargs_key(target, name)
                    if key is not None:
                        forced[key] = value_source(node.value, kwargs)
            elif isinstance(node, ast.Call):
                _read_call(node, name, forced, defaults)
    return FieldClassOptions(
        tuple(sorted(forced.items())),
        tuple(sorted((k, v) for k, v in defaults.items() if k not in forced)),
    )


def _dicts_passed_on(init: ast.FunctionDef, kwargs: str) -> dict[str, dict[str, str]]:
    """cartridge's `MoneyField`: `defaults = {"null": True, …}`, `defaults.update(kwargs)`, then
    `super().__init__(*args, **defaults)` -- the literal's options are defaults the call may
    override. Name -> those options, for each such dict the `__init__` passes on."""
    literals: dict[str, dict[str, str]] = {}
    updated: set[str] = set()
    passed: set[str] = set()
    for node in ast.walk(init):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Dict)
            and all(isinstance(key, ast.Constant) for key in node.value.keys)
        ):
            literals[node.targets[0].id] = {
                str(key.value): value_source(value, kwargs)
                for key, value in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(key, ast.Constant) and key.value in CONSTRAINT_OPTIONS
            }
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if (
                node.func.attr == "update"
                and isinstance(owner, ast.Name)
                and len(node.args) == 1
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id == kwargs
            ):
                updated.add(owner.id)
            elif node.func.attr == "__init__" and _is_super_call(owner):
                passed.update(
                    keyword.value.id
                    for keyword in node.keywords
                    if keyword.arg is None and isinstance(keyword.value, ast.Name)
                )
    return {name: literals[name] for name in sorted(passed & updated & set(literals))}


def _kwargs_key(target: ast.expr, kwargs: str) -> str | None:
    """`kwargs["null"]` -> "null" (only the options that decide constraints)."""
    if not (
        isinstance(target, ast.Subscript)
        and isinstance(target.value, ast.Name)
        and target.value.id == kwargs
        and isinstance(target.slice, ast.Constant)
        and target.slice.value in CONSTRAINT_OPTIONS
    ):
        return None
    return str(target.slice.value)


def _read_call(
    call: ast.Call, kwargs: str, forced: dict[str, str], defaults: dict[str, str]
) -> None:
    function = call.func
    if not isinstance(function, ast.Attribute):
        return
    owner = function.value
    if isinstance(owner, ast.Name) and owner.id == kwargs:
        if function.attr == "setdefault" and len(call.args) == 2:
            key = call.args[0]
            if isinstance(key, ast.Constant) and key.value in CONSTRAINT_OPTIONS:
                defaults[str(key.value)] = value_source(call.args[1], kwargs)
        elif function.attr == "update":
            _keywords_into(call, kwargs, forced)
    elif function.attr == "__init__" and _is_super_call(owner):
        _keywords_into(call, kwargs, forced)


def _keywords_into(call: ast.Call, kwargs: str, into: dict[str, str]) -> None:
    for keyword in call.keywords:
        if keyword.arg in CONSTRAINT_OPTIONS:
            into[keyword.arg] = value_source(keyword.value, kwargs)


def _is_super_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )
