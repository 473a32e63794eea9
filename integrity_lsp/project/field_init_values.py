"""Options a field class's `__init__` computes from its other options.

shuup's `InternalIdentifierField` does `kwargs.setdefault("blank", True)` and then
`kwargs.setdefault("null", bool(kwargs.get("blank")))`: read as written, `null` is not a literal
and the column would look NOT NULL. `value_source` keeps such a value with the keyword-arguments
dict renamed `__kwargs__` (whatever the `__init__` calls it); `computed` turns it into the literal
it comes to once the field's own options are known.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

# How an `__init__`'s value names its keyword-arguments dict, whatever the parameter is called.
_KWARGS = "__kwargs__"
_UNKNOWN = object()


def value_source(value: ast.expr, kwargs: str) -> str:
    """The value's source, the keyword-arguments dict named `__kwargs__` (see `computed`)."""
    names = [n for n in ast.walk(value) if isinstance(n, ast.Name) and n.id == kwargs]
    if not names:
        return ast.unparse(value)
    renamed = ast.parse(ast.unparse(value), mode="eval")
    for node in ast.walk(renamed):
        if isinstance(node, ast.Name) and node.id == kwargs:
            node.id = _KWARGS
    return ast.unparse(renamed.body)


def computed(source: str, options: Mapping[str, str]) -> str:
    """An option an `__init__` computes from the others, as the literal it comes to: shuup's
    `InternalIdentifierField` does `kwargs.setdefault("blank", True)` and then
    `kwargs.setdefault("null", bool(kwargs.get("blank")))`, so a field written without either
    is nullable. Read against the options once every `__init__` statement ran (the order of the
    statements is not kept); what is not a literal, `bool`/`not` of one, or an option read with
    `kwargs[…]` / `kwargs.get(…)` stays as written."""
    if _KWARGS not in source:
        return source
    try:
        value = _evaluate(ast.parse(source, mode="eval").body, options)
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return source
    return source if value is _UNKNOWN else repr(value)


def _evaluate(node: ast.expr, options: Mapping[str, str]) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _evaluate(node.operand, options)
        return _UNKNOWN if operand is _UNKNOWN else not operand
    if isinstance(node, ast.Subscript) and _is_kwargs(node.value):
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(key, str) and key in options:
            return _option_literal(options[key])
        return _UNKNOWN
    if not isinstance(node, ast.Call) or node.keywords:
        return _UNKNOWN
    function, args = node.func, node.args
    if isinstance(function, ast.Name) and function.id == "bool" and len(args) == 1:
        inner = _evaluate(args[0], options)
        return _UNKNOWN if inner is _UNKNOWN else bool(inner)
    if (
        isinstance(function, ast.Attribute)
        and function.attr == "get"
        and _is_kwargs(function.value)
        and 1 <= len(args) <= 2
        and isinstance(args[0], ast.Constant)
    ):
        key = args[0].value
        if isinstance(key, str) and key in options:
            return _option_literal(options[key])
        return _evaluate(args[1], options) if len(args) == 2 else None
    return _UNKNOWN


def _is_kwargs(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == _KWARGS


def _option_literal(source: str) -> object:
    """Another option's value: only a literal is read (not one computed in turn)."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _UNKNOWN
