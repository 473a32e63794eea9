"""Evaluate a `CheckConstraint` condition for literal field values, as the database would.

Conditions are read from their source text (`Q(price__gte=0) | ~Q(kind="gift")`) and evaluated
in SQL's three-valued logic: `True`, `False`, or `None` when unknown (a field without a literal
value, a NULL operand, a transform, an expression this module does not model). A CHECK fails
only when its condition is definitely `False`: NULL passes, exactly as in SQL.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, arguments, chain_parts, code
from integrity_lsp.syntax.source import parse, parse_bracketed

Truth = bool | None
FieldName = Callable[[str], "str | None"]  # a lookup's field part -> the field's name, or None


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
STRING_LOOKUPS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda a, b: b in a,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
LOOKUPS = frozenset(
    {"exact", "iexact", "in", "range", "isnull", *COMPARISONS, *STRING_LOOKUPS}
    | {f"i{name}" for name in STRING_LOOKUPS}
)


def literal_value(node: Node) -> Any:
    """The Python value of a literal expression (`-1`, `"a"`, `(1, 2)`, `Decimal("9.99")`)."""
    if node.type in CALL_CHAIN_TYPES:
        base, trailers = chain_parts(node)
        name = code(base) + "".join(code(t) for t in trailers[:-1])
        args = arguments(trailers[-1]) if trailers else []
        if name in ("Decimal", "decimal.Decimal") and len(args) == 1:
            inner = literal_value(args[0].value)
            try:
                return Decimal(inner) if isinstance(inner, (str, int)) else UNKNOWN
            except InvalidOperation:
                return UNKNOWN
        return UNKNOWN
    try:
        return ast.literal_eval(code(node))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return UNKNOWN


def is_negative_number(value: Any) -> bool:
    """A value a positive field refuses: a number (not a bool) below zero. A NaN, which cannot
    be compared, counts (the comparison is left to the caller)."""
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return False
    try:
        return bool(value < 0)
    except InvalidOperation:
        return True


def may_read_negative(node: ast.AST) -> bool:
    """Whether `literal_value` may read a negative number where CPython's tree has `node`:
    `-1` and `-(1.5)` are a minus on a number, `Decimal("-1")` a string starting with one (the
    text of each holds a "-")."""
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.strip().startswith("-")
    return False


def literal_value_of(source: str | None) -> Any:
    """The value of a literal written as source text (a field's `default=`)."""
    if source is None:
        return UNKNOWN
    tree = parse(source)
    first = tree.children[0]
    return literal_value(first.children[0] if first.type == "simple_stmt" else first)


def without(values: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != name}


def evaluate(condition: str, values: Mapping[str, Any], field_name: FieldName) -> Truth:
    """The truth of a condition's source for a row whose known values are `values`."""
    node = parse_bracketed(condition)
    if node is None:
        return None
    try:
        return _Evaluator(values, field_name).truth(node)
    except RecursionError:
        return None


class _Evaluator:
    def __init__(self, values: Mapping[str, Any], field_name: FieldName) -> None:
        self.values = values
        self.field_name = field_name

    def truth(self, node: Node) -> Truth:
        kind = node.type
        if kind == "atom" and node.children[0].value == "(" and len(node.children) == 3:
            return self.truth(node.children[1])
        if kind in ("expr", "and_expr", "xor_expr"):  # parso's names for `|`, `&` and `^`
            operands = [self.truth(c) for c in node.children[::2]]
            return {"expr": _any, "and_expr": _all, "xor_expr": _xor}[kind](operands)
        if kind == "factor" and node.children[0].value == "~":
            return _not(self.truth(node.children[1]))
        if kind in CALL_CHAIN_TYPES:
            return self._q(node)
        return None

    def _q(self, node: Node) -> Truth:
        base, trailers = chain_parts(node)
        if not trailers or trailers[-1].children[0].value != "(":
            return None
        callee = (code(base) + "".join(code(t) for t in trailers[:-1])).rsplit(".", 1)[-1]
        if callee != "Q":
            return None
        terms: list[Truth] = []
        connector, negated = "AND", False
        for argument in arguments(trailers[-1]):
            if argument.star:
                return None
            if argument.keyword is None:
                pair = _lookup_pair(argument.value)
                terms.append(self._lookup(*pair) if pair else self.truth(argument.value))
            elif argument.keyword == "_connector":
                connector = code(argument.value).rsplit(".", 1)[-1].strip("\"'")
            elif argument.keyword == "_negated":
                negated = code(argument.value) == "True"
            else:
                terms.append(self._lookup(argument.keyword, argument.value))
        combined = _any(terms) if connector == "OR" else _all(terms)
        return _not(combined) if negated else combined

    def _lookup(self, key: str, value_node: Node) -> Truth:
        parts = key.split("__")
        lookup = parts.pop() if len(parts) > 1 and parts[-1] in LOOKUPS else "exact"
        if len(parts) != 1:
            return None  # a transform or a relation: not modelled
        name = self.field_name(parts[0])
        if name is None or name not in self.values:
            return None
        rhs = self._operand(value_node)
        if rhs is UNKNOWN:
            return None
        return compare(lookup, self.values[name], rhs)

    def _operand(self, node: Node) -> Any:
        if node.type in CALL_CHAIN_TYPES:
            base, trailers = chain_parts(node)
            if code(base).rsplit(".", 1)[-1] == "F" or code(node).startswith("models.F("):
                args = arguments(trailers[-1])
                target = literal_value(args[0].value) if len(args) == 1 else UNKNOWN
                name = self.field_name(target) if isinstance(target, str) else None
                return self.values.get(name, UNKNOWN) if name is not None else UNKNOWN
        return literal_value(node)


def _lookup_pair(node: Node) -> tuple[str, Node] | None:
    """`("price__gte", 0)`: a lookup as a migration writes it (Django's deconstructed `Q`)."""
    if node.type != "atom" or node.children[0].value != "(" or len(node.children) != 3:
        return None
    inner = node.children[1]
    if inner.type != "testlist_comp" or len(inner.children) != 3 or inner.children[1].value != ",":
        return None
    key = literal_value(inner.children[0])
    return (key, inner.children[2]) if isinstance(key, str) else None


def compare(lookup: str, lhs: Any, rhs: Any) -> Truth:
    """SQL's answer to `lhs <lookup> rhs` for Python literals; None when unknown or NULL."""
    if lhs is UNKNOWN or rhs is UNKNOWN:
        return None
    if lookup == "isnull":
        return (lhs is None) == bool(rhs) if isinstance(rhs, bool) else None
    if lookup == "exact" and rhs is None:
        return lhs is None
    if lhs is None or rhs is None:
        return None
    if lookup in ("in", "range"):
        if not isinstance(rhs, (list, tuple, set, frozenset)):
            return None
        items = [item for item in rhs if item is not None]
        if not items or not all(_comparable(lhs, item) for item in items):
            return None
        if lookup == "range":
            return items[0] <= lhs <= items[1] if len(rhs) == 2 and len(items) == 2 else None
        return lhs in items
    if not _comparable(lhs, rhs):
        return None
    if lookup == "exact":
        return bool(lhs == rhs)
    if lookup in COMPARISONS:
        return COMPARISONS[lookup](lhs, rhs)
    if not isinstance(lhs, str):
        return None
    if lookup == "iexact":
        return bool(lhs.lower() == str(rhs).lower())
    if lookup in STRING_LOOKUPS:
        return STRING_LOOKUPS[lookup](lhs, rhs)
    if lookup[1:] in STRING_LOOKUPS:
        return STRING_LOOKUPS[lookup[1:]](lhs.lower(), rhs.lower())
    return None


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float, Decimal)
    if isinstance(a, numbers) and isinstance(b, numbers):
        return not isinstance(a, bool) or isinstance(b, bool)
    return type(a) is type(b) and isinstance(a, str)


def _all(values: list[Truth]) -> Truth:
    if any(value is False for value in values):
        return False
    return True if all(value is True for value in values) else None


def _any(values: list[Truth]) -> Truth:
    if any(value is True for value in values):
        return True
    return False if values and all(value is False for value in values) else None


def _xor(values: list[Truth]) -> Truth:
    if any(value is None for value in values):
        return None
    return sum(1 for value in values if value) % 2 == 1


def _not(value: Truth) -> Truth:
    return None if value is None else not value


def constraint_name(name: str, app_label: str, model_name: str) -> str:
    """`%(app_label)s_%(class)s_…` interpolated as Django does (both lower-cased)."""
    try:
        return name % {"app_label": app_label.lower(), "class": model_name.lower()}
    except (KeyError, ValueError, TypeError):
        return name


__all__ = [
    "UNKNOWN",
    "compare",
    "constraint_name",
    "evaluate",
    "literal_value",
    "literal_value_of",
    "without",
]
