"""Saves through a ModelForm or a DRF ModelSerializer: which model and which row each one writes.

The one answer IL201 and `explain` share (`analysis.form_writes` lists these for explain). The
shapes: `form.save()` / `serializer.save(owner=…)` where the name is bound in the function to
`SignupForm(request.POST)`, `self.get_form()`, `self.get_serializer(data=…)`, or is the `form`
parameter of a view's `form_valid` / the `serializer` parameter of `perform_create` /
`perform_update`; `super().form_valid(form)` in a create view (a ModelFormMixin's: FormView's
`form_valid` saves nothing; an update when `form_valid` saved the form's instance before it);
and `obj.save()` after
`obj = form.save(commit=False)`. The form class is read by `model_forms` (its model, and the
fields the request fills). A save inserts a new row (`FormSave.new_row`) unless the form or
serializer is bound to an existing one (`instance=…`, a positional instance, an update view,
a view whose `get_form_kwargs` binds an existing row, `perform_update`) or the object was saved
before (`update_fields`, a second `save()`): then it updates that row. `save(commit=False)`
writes nothing, and a serializer whose own `update()` writes in its own way is unknown: no save.
A form class the view keeps in an attribute of its own naming (`self.form(…)`) is read as
`form_class` is; an instance a view method returns is new when that method can return
`self.queryset.model()`. A generic base's save, whose class the
subclasses set, is read once per subclass (`generic_form_saves`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from integrity_lsp.analysis.bindings import called_class, last_binding, saved_between
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.form_instances import call_name, new_instance
from integrity_lsp.analysis.instance_saves import commit_false_save, instance_saved_before
from integrity_lsp.analysis.model_forms import ModelFormClass, model_form_class
from integrity_lsp.analysis.view_forms import (
    attribute_form,
    binds_existing_row,
    form_valid_saves,
    generic_views,
    is_create_view,
    is_update_view,
    view_form,
)
from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    assignment_target,
    chain_parts,
    code,
    expression_of,
    keyword_arguments,
    normalised,
    statement_of,
)
from integrity_lsp.syntax.source import SourceFile

VIEW_FORM_METHODS = {"perform_create": "serializer_class", "form_valid": "form_class"}
# A new instance of the model a generic view serves.
VIEW_CALLEES = {
    "self.form_class": "form",
    "self.get_form_class()": "form",
    "self.serializer_class": "serializer",
    "self.get_serializer_class()": "serializer",
}


@dataclass(frozen=True)
class FormSave:
    """One insert through a form or serializer. `sets` maps model fields the handler assigns
    itself (save keywords, `form.instance.user = …`, `obj.ticket = …` after commit=False) to
    their values."""

    node: Node
    form: ModelFormClass
    variable: str  # the form or serializer as the handler names it
    call: str  # how the message quotes the write
    sets: dict[str, Node] = field(default_factory=dict)
    new_row: bool = True  # False: it updates the row the form or serializer is bound to


def form_save(node: Node, ctx: Context) -> FormSave | None:
    function = ctx.function
    if function is None or node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(node)
    if base.type != "name":
        return None
    if base.value == "super" and [code(t).strip() for t in trailers[:2]] == ["()", ".form_valid"]:
        return _super_form_valid(node, trailers, ctx)
    if (
        len(trailers) != 2
        or code(trailers[0]).strip() != ".save"
        or trailers[1].children[0].value != "("
    ):
        return None
    return _save_of(node, str(base.value), trailers[1], statement_of(node), ctx, 0)


def generic_form_saves(node: Node, ctx: Context) -> Iterator[tuple[Node, SourceFile, FormSave]]:
    """The inserts a generic base's save performs, one per project subclass it runs for (the
    subclass's class statement and file with it): `serializer.save()` in a base whose
    `serializer_class` each concrete view sets, `form.save()` of `self.form(…)` whose `form`
    each subclass sets (`view_forms.generic_views`). Asked when `form_save` found no save in
    the base's own terms."""
    attribute = _view_form_attribute(node, ctx)
    if attribute is None:
        return
    for subclass, source in generic_views(ctx, attribute):
        saved = form_save(node, ctx.replace(concrete_class=(subclass, source)))
        if saved is not None and saved.new_row:
            yield subclass, source, saved


def _view_form_attribute(node: Node, ctx: Context) -> str | None:
    """The view attribute holding the form or serializer class `node` saves through
    (`super().form_valid(form)` and `form_valid`'s `form`: `form_class`; `perform_create`'s
    `serializer`: `serializer_class`; a name bound to `self.get_serializer(…)`,
    `self.form_class(…)`, `self.form(…)`, or to its `save(commit=False)`), if it is one. Read
    from the text alone: the cheap test before the project's subclasses are searched."""
    function = ctx.function
    base, trailers = chain_parts(node)
    if function is None or base.type != "name" or not trailers:
        return None
    if base.value == "super":
        return "form_class" if normalised(node).startswith("super().form_valid(") else None
    if code(trailers[0]).strip() != ".save":
        return None
    name, statement = str(base.value), statement_of(node)
    for _ in range(2):
        binding = last_binding(function, name, statement)
        if binding is None:
            params = _parameters(function)
            if len(params) < 2 or params[1] != name:
                return None
            return VIEW_FORM_METHODS.get(function.children[1].value)
        value = expression_of(binding)
        inner = commit_false_save(value)
        if inner is None:
            callee = call_name(value)
            if callee in VIEW_CALLEES or callee in ("self.get_serializer", "self.get_form"):
                kind = VIEW_CALLEES.get(callee) or callee.removeprefix("self.get_")
                return f"{kind}_class"
            return _own_attribute(callee)
        name, statement = inner, binding
    return None


def _own_attribute(callee: str | None) -> str | None:
    """`form` for `self.form`: an attribute of the view's own naming that holds a class."""
    if callee is None or not callee.startswith("self."):
        return None
    name = callee.removeprefix("self.")
    return name if name.isidentifier() and not name.startswith("get_") else None


def _super_form_valid(node: Node, trailers: list[Node], ctx: Context) -> FormSave | None:
    function = ctx.function
    if function is None or len(trailers) != 3 or function.children[1].value != "form_valid":
        return None
    positional = [a for a in arguments(trailers[2]) if a.keyword is None and not a.star]
    if len(positional) != 1 or positional[0].value.type != "name":
        return None
    variable = str(positional[0].value.value)
    if not form_valid_saves(ctx) or variable not in _parameters(function):
        return None
    form = view_form(ctx, "form")
    if form is None:
        return None
    sets = _attribute_sets(function, f"{variable}.instance", None, statement_of(node))
    new_row = not binds_existing_row(ctx) and not instance_saved_before(function, variable, node)
    return FormSave(node, form, variable, "super().form_valid(form)", sets, new_row)


def _save_of(
    node: Node, name: str, call: Node | None, statement: Node, ctx: Context, depth: int
) -> FormSave | None:
    """The insert `name.save(…)` at `statement` performs, if `name` is a form, a serializer, or
    the unsaved instance of one (`call` None: the `save(commit=False)` that built it)."""
    if depth > 2:
        return None
    keywords = keyword_arguments(call) if call is not None else {}
    commit = keywords.get("commit")
    if commit is not None and code(commit.value).strip() != "True":
        return None  # save(commit=False) builds the instance, the insert comes later
    updates = "update_fields" in keywords or "force_update" in keywords
    function = ctx.function
    binding = last_binding(function, name, statement)
    if binding is None:
        found = _parameter_save(node, name, call, statement, ctx)
        return replace(found, new_row=False) if found is not None and updates else found
    # a second save() of the same object is an UPDATE
    updates = updates or saved_between(function, name, binding, statement)
    value = expression_of(binding)
    inner = commit_false_save(value)
    if inner is not None:
        found = _save_of(node, inner, None, binding, ctx, depth + 1)
        if found is None:
            return None
        sets = {**found.sets, **_attribute_sets(function, name, binding, statement)}
        new_row = found.new_row and not updates
        return FormSave(node, found.form, found.variable, f"{name}.save()", sets, new_row)
    bound = _bound_form(value, ctx, binding)
    if bound is None:
        return None
    form, sets, new_row = bound
    sets = {**sets, **_attribute_sets(function, f"{name}.instance", binding, statement)}
    if form.kind == "serializer":
        sets.update({k: a.value for k, a in keywords.items()})
    return FormSave(node, form, name, f"{name}.save()", sets, new_row and not updates)


def _parameter_save(
    node: Node, name: str, call: Node, statement: Node, ctx: Context
) -> FormSave | None:
    function = ctx.function
    if function is None:
        return None
    method = function.children[1].value
    params = _parameters(function)
    if len(params) < 2 or params[1] != name:
        return None
    if method in ("perform_create", "perform_update"):
        form = view_form(ctx, "serializer")
        if form is None or form.kind != "serializer":
            return None
        if method == "perform_update":
            return FormSave(node, form, name, f"{name}.save()", new_row=False)
        sets = {k: a.value for k, a in keyword_arguments(call).items()}
        return FormSave(node, form, name, f"{name}.save()", sets)
    if method == "form_valid" and is_create_view(ctx) and not binds_existing_row(ctx):
        form = view_form(ctx, "form")
        if form is None or form.kind != "form":
            return None
        sets = _attribute_sets(function, f"{name}.instance", None, statement)
        return FormSave(node, form, name, f"{name}.save()", sets)
    if method == "form_valid" and (is_update_view(ctx) or binds_existing_row(ctx)):
        form = view_form(ctx, "form")
        if form is None or form.kind != "form":
            return None
        return FormSave(node, form, name, f"{name}.save()", new_row=False)
    return None


def _parameters(function: Node) -> list[str]:
    return [str(param.name.value) for param in function.get_params()]


def _bound_form(
    value: Node, ctx: Context, before: Node
) -> tuple[ModelFormClass, dict[str, Node], bool] | None:
    """The class of `SignupForm(request.POST)`, `self.get_serializer(data=…)`, `self.get_form()`
    with whether its save inserts (no instance given, or a new one such as
    `Serializer(Poll(thread=t), data=…)`, whose constructor keywords are then values the code
    sets) or updates the row it is bound to (an existing instance, an update view's form)."""
    if value.type not in CALL_CHAIN_TYPES:
        return None
    _, trailers = chain_parts(value)
    if not trailers or trailers[-1].children[0].value != "(":
        return None
    call = trailers[-1]
    keywords = keyword_arguments(call)
    callee = normalised(value)[: -len(normalised(call))]
    positional = [a for a in arguments(call) if a.keyword is None]
    attribute = VIEW_CALLEES.get(callee)
    if attribute is None and callee in ("self.get_serializer", "self.get_form"):
        attribute = "serializer" if callee == "self.get_serializer" else "form"
    form: ModelFormClass | None
    bound_to_object = False
    own = _own_attribute(callee) if attribute is None else None
    if attribute is not None:
        bound_to_object = attribute == "form" and (is_update_view(ctx) or binds_existing_row(ctx))
        form = view_form(ctx, attribute)
    elif own is not None:
        form = attribute_form(ctx, own)
    else:
        definition = called_class(callee, ctx.function, ctx.file, ctx)
        form = model_form_class(definition[0], definition[1], ctx) if definition else None
    if form is None:
        return None
    if bound_to_object:
        return form, {}, False
    instance = keywords["instance"].value if "instance" in keywords else None
    if instance is None and form.kind == "serializer" and positional:
        instance = positional[0].value
    if instance is None:
        return form, {}, True
    if form.opaque_update:
        return None
    sets = new_instance(instance, form, ctx, before)
    return (form, sets, True) if sets is not None else (form, {}, False)  # an existing row


def _attribute_sets(function: Node, owner: str, start: Node | None, end: Node) -> dict[str, Node]:
    """`<owner>.<field> = value` statements of the function between `start` and `end`."""
    sets: dict[str, Node] = {}
    prefix = owner.split(".")
    for statement in simple_statements(function):
        if start is not None and statement.start_pos <= start.start_pos:
            continue
        if statement.start_pos >= end.start_pos:
            break
        target = assignment_target(statement)
        if target is None or target.type not in CALL_CHAIN_TYPES:
            continue
        parts = normalised(target).split(".")
        if len(parts) == len(prefix) + 1 and parts[:-1] == prefix and parts[-1].isidentifier():
            sets[parts[-1]] = expression_of(statement)
    return sets
