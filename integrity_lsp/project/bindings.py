"""Where a name is bound in a file: `find_definition` gives the binding a name refers to at its
position, looking in the enclosing functions, then the module, as Python's scoping does (class
bodies are skipped from inside methods); the bindings of a name are collected once per file
version."""

from __future__ import annotations

from typing import Any

from integrity_lsp.syntax.nodes import enclosing
from integrity_lsp.syntax.source import SourceFile


def scope_of(node: Any) -> Any:
    return enclosing(node, "funcdef", "lambdef", "classdef", "file_input")


def find_definition(source: SourceFile, leaf: Any) -> Any:
    """The Name leaf that binds `leaf` at its position: in the enclosing function(s), then the
    module (class bodies are skipped from inside methods, as Python does)."""
    definitions = _definitions(source, str(leaf.value))
    if not definitions:
        return None
    scope = scope_of(leaf)
    first = True
    while scope is not None:
        if scope.type != "classdef" or first:
            local = [d for d, bound_in in definitions if bound_in is scope]
            if local:
                before = [d for d in local if d.start_pos <= leaf.start_pos]
                return before[-1] if before else local[0]
        first = False
        scope = scope_of(scope)
    return None


def _definitions(source: SourceFile, name: str) -> list[tuple[Any, Any]]:
    """Every binding of `name` in the file with the scope it binds in; once per file version
    (without it, a module with many writes is quadratic)."""
    key = ("definitions", name)
    found = source.memo.get(key)
    if found is None:
        used = source.tree.get_used_names().get(name, [])
        found = [
            (candidate, _bindingscope_of(candidate))
            for candidate in used
            if candidate.parent is not None
            and candidate.parent.type != "trailer"
            and candidate.is_definition()
        ]
        source.memo[key] = found
    return list(found)


def _bindingscope_of(definition: Any) -> Any:
    parent = definition.parent
    if parent is not None and parent.type in ("classdef", "funcdef") and parent.name is definition:
        return scope_of(parent)  # a class or function name binds in the enclosing scope
    if parent is not None and parent.type == "param":
        return enclosing(parent, "funcdef", "lambdef")
    return scope_of(definition)


def class_attribute(leaf: Any, attribute: str) -> Any:
    """The value a class body assigns to `attribute` (`model = Device`), for `leaf` the first
    parameter (`self`, `cls`) of one of its methods; None otherwise. A subclass may assign
    another value: the class's own is the one its code is written for."""
    function = enclosing(leaf, "funcdef", "lambdef")
    if function is None or function.type != "funcdef":
        return None
    params = function.get_params()
    if not params or params[0].name.value != leaf.value:
        return None
    classdef = enclosing(function, "classdef", "funcdef")
    if classdef is None or classdef.type != "classdef":
        return None
    for statement in getattr(classdef.children[-1], "children", ()):
        if statement.type != "simple_stmt":
            continue
        small = statement.children[0]
        if small.type != "expr_stmt" or len(small.children) != 3:
            continue
        target, operator, value = small.children
        if target.type == "name" and target.value == attribute and operator.value == "=":
            return value
    return None


def method_class(node: Any) -> Any:
    """The class whose method (taking `self`) `node` is in, directly: None elsewhere."""
    function = enclosing(node, "funcdef", "lambdef", "classdef")
    if function is None or function.type != "funcdef":
        return None
    classdef = enclosing(function, "classdef", "funcdef")
    params = function.get_params()
    if classdef is None or classdef.type != "classdef" or not params:
        return None
    return classdef if params[0].name.value == "self" else None
