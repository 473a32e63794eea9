"""Declarations read statically from parso nodes: dotted names, literal values, call arguments
as a keyword map, assignments and class bodies -- what the project model reads from models,
settings and migrations (`syntax.nodes` has the helpers for walking and editing code). Everything
here tolerates error-recovered trees: a shape it does not recognise gives None or an empty
result, never an exception.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, code

_KEYWORDS = {"True": True, "False": False, "None": None}


def source(node: Any) -> str:
    """The node's code without its leading whitespace/comments, nor trailing whitespace."""
    return code(node).strip()


def dotted_name(node: Any) -> str | None:
    """`a.b.C` for a Name or a chain of `.name` trailers; None for anything else."""
    if node is None:
        return None
    if node.type == "name":
        return str(node.value)
    if node.type not in CALL_CHAIN_TYPES:
        return None
    return dotted_parts(node.children)


def dotted_parts(parts: list[Any]) -> str | None:
    """`a.b.c` for a list [Name, trailer(.b), trailer(.c)]; None when it is not a plain chain."""
    if not parts or parts[0].type != "name":
        return None
    names = [str(parts[0].value)]
    for trailer in parts[1:]:
        if (
            trailer.type != "trailer"
            or trailer.children[0].type != "operator"
            or trailer.children[0].value != "."
            or len(trailer.children) != 2
            or trailer.children[1].type != "name"
        ):
            return None
        names.append(str(trailer.children[1].value))
    return ".".join(names)


def is_operator(node: Any, value: str) -> bool:
    return bool(node is not None and node.type == "operator" and node.value == value)


def is_call_trailer(node: Any) -> bool:
    return bool(node.type == "trailer" and is_operator(node.children[0], "("))


def split_call(node: Any) -> tuple[list[Any], Any] | None:
    """(callee parts, the call trailer) for `callee(...)`; None when node is not a call."""
    if node is None or node.type not in CALL_CHAIN_TYPES:
        return None
    children = list(node.children)
    if children[0].type == "keyword" and children[0].value == "await":
        return None
    if len(children) < 2 or not is_call_trailer(children[-1]):
        return None
    return children[:-1], children[-1]


@dataclass
class Arguments:
    positional: list[Any] = field(default_factory=list)
    keywords: dict[str, Any] = field(default_factory=dict)
    has_star: bool = False


def call_arguments(trailer: Any) -> Arguments:
    """The arguments of a call trailer `( … )`."""
    if trailer is None or len(trailer.children) < 3:
        return Arguments()
    return argument_list(trailer.children[1])


def argument_list(inner: Any) -> Arguments:
    """The arguments in an arglist node (or a single argument node), as in a call or class bases."""
    result = Arguments()
    items = inner.children if inner.type == "arglist" else [inner]
    for item in items:
        if item.type == "operator" and item.value == ",":
            continue
        if item.type == "argument":
            first = item.children[0]
            if first.type == "operator" and first.value in ("*", "**"):
                result.has_star = True
            elif (
                len(item.children) >= 3
                and first.type == "name"
                and item.children[1].type == "operator"
                and item.children[1].value == "="
            ):
                result.keywords[str(first.value)] = item.children[2]
            else:  # a generator argument `f(x for x in y)`
                result.positional.append(item)
        elif item.type == "star_expr":
            result.has_star = True
        elif item.type not in ("operator", "error_node", "error_leaf"):
            result.positional.append(item)
    return result


def literal_text(source: str) -> bool:
    """Is `source` a Python literal (what `ast.literal_eval` accepts)?"""
    try:
        ast.literal_eval(source)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def literal(node: Any) -> Any:
    """The Python value of a literal node (strings, numbers, bools, None, tuples, lists)."""
    if node is None:
        return None
    kind = node.type
    if kind == "keyword" and node.value in _KEYWORDS:
        return _KEYWORDS[node.value]
    if kind == "number" and node.value.isdigit():
        return int(node.value)
    try:
        return ast.literal_eval("(" + str(node.get_code(include_prefix=False)) + "\n)")
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _Unknown


class _UnknownType:
    def __repr__(self) -> str:
        return "<unknown>"


_Unknown: Any = _UnknownType()
UNKNOWN: Any = _Unknown


def string_value(node: Any) -> str | None:
    value = literal(node)
    return value if isinstance(value, str) else None


def truthy_value(node: Any) -> bool | None:
    """An option as Django's `if self.null:` reads it: `null="True"` (any non-empty string) and
    `null=1` are true, `null=0` and `null=None` false; None when the value is not a literal."""
    value = literal(node)
    if value is _Unknown:
        return None
    try:
        return bool(value)
    except Exception:  # a literal whose truth cannot be asked: treat as unknown
        return None


def bool_value(node: Any) -> bool | None:
    value = literal(node)
    return value if isinstance(value, bool) else None


def assignment_parts(expr_stmt: Any) -> tuple[list[Any], Any | None, Any | None]:
    """(targets, annotation, value) of an expr_stmt: `a = b = v`, `a: T = v`, `a: T`."""
    children = expr_stmt.children
    if len(children) == 2 and children[1].type == "annassign":
        ann = children[1].children
        value = ann[3] if len(ann) >= 4 else None
        return [children[0]], ann[1], value
    targets = []
    value = None
    for index, child in enumerate(children):
        if child.type == "operator" and child.value == "=":
            targets.append(children[index - 1])
            value = children[index + 1] if index + 1 < len(children) else None
    return targets, None, value


def iter_statements(suite: Any) -> list[Any]:
    """The statements of a class/function body (or of a module), one level deep."""
    if suite is None:
        return []
    if suite.type not in ("suite", "file_input"):
        return [suite]
    return [child for child in suite.children if child.type not in ("newline", "indent", "dedent")]


_NEVER_RUN_TESTS = frozenset({"TYPE_CHECKING", "typing.TYPE_CHECKING", "t.TYPE_CHECKING", "False"})


def never_runs(node: Any) -> bool:
    """Is `node` in a block the interpreter never runs: the body of `if TYPE_CHECKING:` (or
    `typing.TYPE_CHECKING`, `if False:`), at any depth? A class there is a declaration for type
    checkers (django-postman's `class _TypedUser(AbstractUser)` in its tests), not a model. An
    `elif`/`else` branch of such an `if` does run."""
    child, parent = node, node.parent
    while parent is not None:
        if parent.type == "if_stmt":
            position = parent.children.index(child)
            keyword = parent.children[position - 3] if position >= 3 else None
            test = parent.children[position - 2] if position >= 2 else None
            if (
                keyword is not None
                and getattr(keyword, "value", None) == "if"
                and test is not None
                and test.get_code(include_prefix=False).strip() in _NEVER_RUN_TESTS
            ):
                return True
        child, parent = parent, parent.parent
    return False


def small_statements(statement: Any) -> list[Any]:
    """The expression statements of a simple_stmt (`a = 1; b = 2`)."""
    if statement.type == "simple_stmt":
        return [child for child in statement.children if child.type not in ("newline", "operator")]
    return [statement]


def class_assignments(classdef: Any) -> dict[str, Any]:
    """`name = value` statements of a class body: name -> value node (the last one wins)."""
    values: dict[str, Any] = {}
    for statement in iter_statements(classdef.children[-1]):
        for small in small_statements(statement):
            if small.type != "expr_stmt":
                continue
            targets, _annotation, value = assignment_parts(small)
            if len(targets) == 1 and targets[0].type == "name" and value is not None:
                values[str(targets[0].value)] = value
    return values


def collection_items(node: Any) -> list[Any] | None:
    """The elements of a list/tuple/set display (or a bare `a, b`); None for anything else."""
    if node is None:
        return None
    if node.type in ("testlist", "testlist_star_expr", "exprlist", "testlist_comp"):
        if any(child.type in ("comp_for", "sync_comp_for") for child in node.children):
            return None
        return [child for child in node.children if not is_operator(child, ",")]
    opening = node.children[0] if node.type == "atom" else None
    if opening is not None and opening.type == "operator" and opening.value in ("(", "[", "{"):
        if len(node.children) == 2:
            return []
        inner = node.children[1]
        if inner.type == "testlist_comp":
            return collection_items(inner)
        if opening.value == "(":  # a parenthesised expression, not a tuple
            return collection_items(inner) if inner.type in ("testlist", "exprlist") else None
        return [inner]
    return None
