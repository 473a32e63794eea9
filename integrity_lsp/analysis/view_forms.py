"""The view class around a form's save: its `form_class` / `serializer_class` (through its
bases in the project), and whether it is a create view (its form inserts) or an update view
(its form is bound to the object it shows). Read for `form_saves` and IL201's callee reading."""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import class_bases, class_definition
from integrity_lsp.analysis.model_forms import ModelFormClass, model_form_class
from integrity_lsp.syntax.nodes import Node, assignment_target, code, expression_of
from integrity_lsp.syntax.source import SourceFile

CREATE_VIEWS = frozenset({"CreateView", "BaseCreateView", "FormView", "BaseFormView"})
UPDATE_VIEWS = frozenset({"UpdateView", "BaseUpdateView"})
VIEW_ATTRIBUTES = {
    "form": ("form_class", "get_form_class"),
    "serializer": ("serializer_class", "get_serializer_class"),
}
MAX_DEPTH = 8


def view_form(ctx: Context, kind: str) -> ModelFormClass | None:
    """The view's `form_class` / `serializer_class` (following its bases) as a ModelForm /
    ModelSerializer. None when a `get_…_class` override decides it at run time."""
    definition = view_class_of(ctx, kind)
    if definition is None:
        return None
    return model_form_class(definition[0], definition[1], ctx)


def view_class_of(ctx: Context, kind: str) -> tuple[Node, SourceFile] | None:
    """The class statement of the view's `form_class` (kind "form") / `serializer_class`
    ("serializer"), when the project defines it and no `get_…_class` override decides it."""
    if ctx.class_node is None:
        return None
    attribute, override = VIEW_ATTRIBUTES[kind]
    found = _class_attribute(ctx.class_node, ctx.file, ctx, attribute, override, 0)
    if found is None:
        return None
    value, source = found
    return class_definition(code(value).strip(), source, ctx)


def _class_attribute(
    classdef: Node, source: SourceFile, ctx: Context, attribute: str, override: str, depth: int
) -> tuple[Node, SourceFile] | None:
    if depth > MAX_DEPTH:
        return None
    for statement in classdef.children[-1].children:
        if statement.type in ("funcdef", "decorated") and override in code(statement).split("(")[0]:
            return None
        if statement.type != "simple_stmt":
            continue
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == attribute:
            return expression_of(statement), source
    for base in class_bases(classdef):
        definition = class_definition(base.split("[", 1)[0], source, ctx)
        if definition is not None:
            found = _class_attribute(
                definition[0], definition[1], ctx, attribute, override, depth + 1
            )
            if found is not None:
                return found
    return None


def is_create_view(ctx: Context) -> bool:
    chain = _view_chain(ctx)
    return bool(chain & CREATE_VIEWS) and not chain & UPDATE_VIEWS


def _view_chain(ctx: Context) -> set[str]:
    """The short names of the view class's bases, through the project's classes."""
    names: set[str] = set()
    if ctx.class_node is None:
        return names
    pending = [(ctx.class_node, ctx.file, 0)]
    while pending:
        classdef, source, depth = pending.pop()
        for base in class_bases(classdef):
            base = base.split("[", 1)[0]
            names.add(base.rsplit(".", 1)[-1])
            definition = class_definition(base, source, ctx) if depth < MAX_DEPTH else None
            if definition is not None:
                pending.append((definition[0], definition[1], depth + 1))
    return names


def is_update_view(ctx: Context) -> bool:
    """Does the view class derive from an update view (its form is bound to the object)?"""
    return bool(_view_chain(ctx) & UPDATE_VIEWS)
