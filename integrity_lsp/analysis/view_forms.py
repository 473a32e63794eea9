"""The view class around a form's save: its `form_class` / `serializer_class` (through its
bases in the project), and whether it is a create view (its form inserts) or an update view
(its form is bound to the object it shows). Read for `form_saves` and IL201's callee reading.

A generic base (netbox's `NetBoxModelViewSet.perform_create`) leaves the attribute to its
subclasses: unset or `None` up its project bases, no `get_…_class` override. Its method is then
read once per project subclass that sets the attribute and inherits the method unchanged
(`generic_views`), with `Context.concrete_class` naming the subclass whose attributes count.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import base_definitions, class_bases, class_definition
from integrity_lsp.analysis.model_forms import ModelFormClass, model_form_class
from integrity_lsp.analysis.subclasses import project_subclasses
from integrity_lsp.syntax.nodes import (
    Node,
    assignment_target,
    code,
    expression_of,
    normalised,
    walk,
)
from integrity_lsp.syntax.source import SourceFile

CREATE_VIEWS = frozenset({"CreateView", "BaseCreateView", "FormView", "BaseFormView"})
UPDATE_VIEWS = frozenset({"UpdateView", "BaseUpdateView"})
# The bases whose `form_valid` saves the form (ModelFormMixin's): FormView's only redirects.
SAVING_FORM_VALID = frozenset({"CreateView", "BaseCreateView", "ModelFormMixin"})
VIEW_ATTRIBUTES = {
    "form": ("form_class", "get_form_class"),
    "serializer": ("serializer_class", "get_serializer_class"),
}
# The standard form-class attributes and the method that may decide them at run time.
STANDARD_ATTRIBUTES = {"form_class": "get_form_class", "serializer_class": "get_serializer_class"}
MAX_DEPTH = 8
# A value that is a row of the database: fetched, or fetched or created.
_EXISTING_ROW = re.compile(
    r"(.+\.(get_or_create|update_or_create)\(.*\)\[0\]|.+\.get\(.*\)"
    r"|get_object_or_404\(.*\)|self\.get_object\(.*\))",
    re.DOTALL,
)


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
    view = _view(ctx)
    if view is None:
        return None
    attribute, override = VIEW_ATTRIBUTES[kind]
    found = _class_attribute(view[0], view[1], ctx, attribute, override, 0)
    if found is None:
        return None
    value, source = found
    return class_definition(code(value).strip(), source, ctx)


def _view(ctx: Context) -> tuple[Node, SourceFile] | None:
    """The class whose attributes the view's method reads: the subclass it is read for, else
    the enclosing class."""
    if ctx.concrete_class is not None:
        return ctx.concrete_class
    return (ctx.class_node, ctx.file) if ctx.class_node is not None else None


def attribute_form(ctx: Context, attribute: str) -> ModelFormClass | None:
    """The form class a view keeps in a class attribute of its own naming (netbox's `form =
    SiteForm`, called as `self.form(…)`), as a ModelForm / ModelSerializer. None when a class of
    the view defines a method of that name or assigns `self.<attribute>` at run time."""
    view = _view(ctx)
    if view is None or _assigned_at_run_time(view[0], view[1], ctx, attribute, 0):
        return None
    found = _class_attribute(view[0], view[1], ctx, attribute, attribute, 0)
    if found is None:
        return None
    definition = class_definition(code(found[0]).strip(), found[1], ctx)
    return model_form_class(*definition, ctx) if definition is not None else None


def generic_views(ctx: Context, attribute: str) -> Iterator[tuple[Node, SourceFile]]:
    """The project subclasses a generic base's method (`ctx.function`) runs for: the enclosing
    class leaves the form class its method reads (`attribute`: `form_class`,
    `serializer_class`, or one of its own naming declared `None`) to its subclasses, and each
    one yielded sets it and inherits the method unchanged (the first class defining the
    method, bases read depth-first in order, is the enclosing class; a base the project does
    not define before it makes that unknown)."""
    classdef, function = ctx.class_node, ctx.function
    if classdef is None or function is None or ctx.concrete_class is not None:
        return
    if not _left_to_subclasses(classdef, ctx.file, ctx, attribute):
        return
    override = STANDARD_ATTRIBUTES.get(attribute, attribute)
    method = str(function.children[1].value)
    owner = (ctx.file.path, str(classdef.children[1].value))
    for subclass, source in project_subclasses(classdef, ctx.file, ctx):
        if _method_owner(subclass, source, ctx, method, 0) != owner:
            continue
        found = _class_attribute(subclass, source, ctx, attribute, override, 0)
        if found is not None and code(found[0]).strip() != "None":
            yield subclass, source


def _left_to_subclasses(classdef: Node, source: SourceFile, ctx: Context, attribute: str) -> bool:
    """`form_class` / `serializer_class`: no project class up the bases sets it (other than to
    None) or overrides its `get_…_class`. An attribute of the project's own naming: declared
    `None` up the bases, never a method nor assigned at run time."""
    override = STANDARD_ATTRIBUTES.get(attribute)
    if override is None:
        if _assigned_at_run_time(classdef, source, ctx, attribute, 0):
            return False
        found = _class_attribute(classdef, source, ctx, attribute, attribute, 0)
        return found is not None and code(found[0]).strip() == "None"
    found = _class_attribute(classdef, source, ctx, attribute, override, 0)
    if found is not None:
        return code(found[0]).strip() == "None"
    return not _overrides(classdef, source, ctx, override, 0)


def _assigned_at_run_time(
    classdef: Node, source: SourceFile, ctx: Context, attribute: str, depth: int
) -> bool:
    """Does a method of the class or of a project base assign `self.<attribute>`?"""
    if depth > MAX_DEPTH or re.search(
        rf"\bself\.{re.escape(attribute)}\s*=[^=]", code(classdef.children[-1])
    ):
        return True
    for _, definition in base_definitions(classdef, source, ctx):
        if definition is not None and _assigned_at_run_time(*definition, ctx, attribute, depth + 1):
            return True
    return False


def _overrides(classdef: Node, source: SourceFile, ctx: Context, method: str, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return True
    if _defines(classdef, method):
        return True
    for _, definition in base_definitions(classdef, source, ctx):
        if definition is not None and _overrides(*definition, ctx, method, depth + 1):
            return True
    return False


def view_method(ctx: Context, name: str) -> Node | None:
    """The method `self.<name>` runs in the view (the subclass read for, else the enclosing
    class): the first class defining it, bases depth-first in order; None when a library base
    comes first."""
    view = _view(ctx)
    found = _method_class(*view, ctx, name, 0) if view is not None else None
    if found is None:
        return None
    return next(
        (
            function
            for statement in found[0].children[-1].children
            for function in [statement.children[-1] if statement.type == "decorated" else statement]
            if function.type == "funcdef" and function.children[1].value == name
        ),
        None,
    )


def _method_owner(
    classdef: Node, source: SourceFile, ctx: Context, method: str, depth: int
) -> tuple[object, str] | None:
    """(path, class name) of the class `_method_class` finds."""
    found = _method_class(classdef, source, ctx, method, depth)
    return (found[1].path, str(found[0].children[1].value)) if found is not None else None


def _method_class(
    classdef: Node, source: SourceFile, ctx: Context, method: str, depth: int
) -> tuple[Node, SourceFile] | None:
    """The first class defining `method`, bases depth-first in order; None when a base the
    project does not define comes first (or too deep)."""
    if _defines(classdef, method):
        return classdef, source
    if depth > MAX_DEPTH:
        return None
    for _, definition in base_definitions(classdef, source, ctx):
        if definition is None:
            return None
        found = _method_class(definition[0], definition[1], ctx, method, depth + 1)
        if found is not None:
            return found
    return None


def _names(statement: Node, attribute: str, override: str) -> bool:
    """Does the definition `statement` decide the attribute: the `get_…_class` override (its
    text up to the first parenthesis names it), or a method named as the attribute itself
    (an attribute of the project's own naming, `override == attribute`)?"""
    if override == attribute:
        function = statement.children[-1] if statement.type == "decorated" else statement
        return bool(function.type == "funcdef" and function.children[1].value == attribute)
    return override in str(code(statement)).split("(")[0]


def _defines(classdef: Node, method: str) -> bool:
    for statement in classdef.children[-1].children:
        function = statement.children[-1] if statement.type == "decorated" else statement
        if function.type in ("funcdef", "async_funcdef") and function.children[1].value == method:
            return True
        if function.type == "async_stmt" and function.children[-1].children[1].value == method:
            return True
    return False


def _class_attribute(
    classdef: Node, source: SourceFile, ctx: Context, attribute: str, override: str, depth: int
) -> tuple[Node, SourceFile] | None:
    if depth > MAX_DEPTH:
        return None
    for statement in classdef.children[-1].children:
        if statement.type in ("funcdef", "decorated") and _names(statement, attribute, override):
            return None
        if statement.type != "simple_stmt":
            continue
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == attribute:
            return expression_of(statement), source
    for _, definition in base_definitions(classdef, source, ctx):
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


def form_valid_saves(ctx: Context) -> bool:
    """Does `super().form_valid(form)` in this create view insert the form's row? Only
    ModelFormMixin's `form_valid` (CreateView's) saves; FormView's only redirects."""
    return is_create_view(ctx) and bool(_view_chain(ctx) & SAVING_FORM_VALID)


def _view_chain(ctx: Context) -> set[str]:
    """The short names of the view class's bases, through the project's classes."""
    names: set[str] = set()
    view = _view(ctx)
    if view is None:
        return names
    pending = [(view[0], view[1], 0)]
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


def binds_existing_row(ctx: Context) -> bool:
    """Does the view's `get_form_kwargs` bind its form to a row that exists: `kwargs["instance"]
    = X` or `kwargs.update(instance=X)` with X `M.objects.get_or_create(…)[0]`, `….get(…)`,
    `get_object_or_404(…)` or `self.get_object()` (shuup's admin theme settings page, a
    FormView)? Then the form's save updates that row. Any other value (`M()`, a `.first()`
    that may be None, `self.object`, None in a create view's POST) leaves the form inserting."""
    method = view_method(ctx, "get_form_kwargs")
    if method is None:
        return False
    for node in walk(method):
        value = None
        if node.type == "expr_stmt" and len(node.children) == 3:
            target = normalised(node.children[0])
            if target.endswith(("['instance']", '["instance"]')):
                value = node.children[2]
        elif node.type == "argument" and len(node.children) == 3:
            keyword = node.children[0]
            if keyword.type == "name" and keyword.value == "instance":
                trailer = node.parent.parent if node.parent.type == "arglist" else node.parent
                if normalised(trailer.get_previous_sibling() or trailer).endswith(".update"):
                    value = node.children[2]
        if value is not None and _EXISTING_ROW.fullmatch(normalised(value)):
            return True
    return False
