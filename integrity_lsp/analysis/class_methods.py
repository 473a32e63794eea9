"""A project class's methods, read statically: `method_of` finds a method defined in the class
or in one of its project bases (depth first, in the order the bases are written), the
definition a call on an instance of the class runs — what IL201 follows into a form's, a
model's or a view's method, and what `saved_attributes` reads a form's `save()` from."""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import (
    base_definitions,
    project_source,
)
from integrity_lsp.project.records import ModelRecord, SourceRef
from integrity_lsp.syntax.nodes import Node
from integrity_lsp.syntax.source import SourceFile

MAX_BASES = 8


def model_class(model: ModelRecord, ctx: Context) -> tuple[Node, SourceFile] | None:
    """The `class` statement that defines a model read from the project or an installed
    package, with its parsed module: the top-level class of that name on the record's line
    (a module may define two classes of one name, under `if`s or one after the other)."""
    return class_at(model.name, model.ref, ctx)


def class_at(name: str, ref: SourceRef, ctx: Context) -> tuple[Node, SourceFile] | None:
    """The top-level `class name` statement on the line `ref` names, with its parsed module."""
    source = project_source(ref.path, ctx)
    if source is None:
        return None
    for classdef in source.tree.iter_classdefs():
        if classdef.children[1].value == name and classdef.start_pos[0] == ref.span.start_line:
            return classdef, source
    return None


def own_method(classdef: Node, name: str) -> Node | None:
    """The method `name` the class body itself defines (not a base's)."""
    for function in classdef.iter_funcdefs():
        if function.children[1].value == name:
            return function
    return None


def method_of(
    classdef: Node, source: SourceFile, name: str, ctx: Context, depth: int = 0
) -> tuple[Node, SourceFile, Node] | None:
    """The method `name` of a project class or of its project bases (in MRO-ish order): its
    funcdef, the file and the class defining it."""
    if depth > MAX_BASES:
        return None
    for child in classdef.children[-1].children:
        definition = child.children[-1] if child.type == "decorated" else child
        if definition.type == "async_funcdef":
            definition = definition.children[-1]
        if definition.type == "funcdef" and definition.children[1].value == name:
            return definition, source, classdef
    for _, found in base_definitions(classdef, source, ctx):
        if found is not None:
            method = method_of(found[0], found[1], name, ctx, depth + 1)
            if method is not None:
                return method
    return None
