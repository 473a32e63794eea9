"""Where a local name of a function gets its value: the last `name = …` statement before a
given statement; whether `name.save(` runs between two statements (a second save of the same
object is an UPDATE); and whether a name holds a row the function inserted before a statement
(no concurrent request can hold a unique tuple containing it: IL201 and the race rules). Statement
order, not control flow: what the rules and the form reading (`form_saves`) need to follow an
object from where it is built to where it is saved; and the class a parameter defaults to
(`def register(request, registration_form=RegistrationForm)`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import QUERYSET_METHODS
from integrity_lsp.analysis.handlers import class_definition
from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
    chain_parts,
    expression_of,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.syntax.source import SourceFile

ROW_GETTERS = frozenset({"get_object_or_404", "aget_object_or_404"})


def last_binding(function: Node, name: str, before: Node) -> Node | None:
    found = None
    for statement in simple_statements(function):
        if statement.start_pos >= before.start_pos:
            break
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            found = statement
    return found


def parameter_default(function: Node, name: str) -> Node | None:
    """The default of `function`'s parameter `name` when the body never rebinds it: a view
    taking its form class as `registration_form=RegistrationForm` builds that class unless a
    URL pattern passes another."""
    if function.type != "funcdef":
        return None
    param = next((p for p in function.get_params() if p.name.value == name), None)
    if param is None or param.default is None or param.star_count:
        return None
    for statement in simple_statements(function):
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            return None
    return param.default


def called_class(
    callee: str, function: Node | None, source: SourceFile, ctx: Context
) -> tuple[Node, SourceFile] | None:
    """The project class a call's callee names (`SignupForm`, `forms.SignupForm`), or the one
    a parameter of `function` defaults to when the callee is that parameter."""
    found = class_definition(callee, source, ctx)
    if found is not None or function is None or not callee.isidentifier():
        return found
    default = parameter_default(function, callee)
    if default is None or default.type not in ("name", *CALL_CHAIN_TYPES):
        return None
    text = normalised(default)
    return class_definition(text, source, ctx) if text.replace(".", "").isidentifier() else None


def saved_between(function: Node, name: str, start: Node, end: Node) -> bool:
    for statement in simple_statements(function):
        between = start.start_pos < statement.start_pos < end.start_pos
        if between and f"{name}.save(" in normalised(statement):
            return True
    return False


def inserted_before(value: Node, function: Node, statement: Node) -> bool:
    """`user` / `user.pk` where `user` is a row this function inserted before `statement`
    (`user = User.objects.create_user(…)`, `team = form.save()`, `obj = M(…)` then
    `obj.save()`): no concurrent request can hold a unique tuple containing it."""
    return inserted_before_text(normalised(value), function, statement)


def inserted_before_text(text: str, function: Node, statement: Node) -> bool:
    """`inserted_before` of a value as normalised text; also `holder.attribute` when the last
    `holder.attribute = name` before `statement` hands it such a row (spirit's private topic:
    `topic = tform.save()`, `tpform.topic = topic`, then `tpform.save_m2m()` inserts with
    `self.topic`)."""
    name = text.split(".", 1)[0]
    if not name.isidentifier():
        return False
    if text not in (name, f"{name}.pk", f"{name}.id"):
        handed = _attribute_value(function, text, statement)
        return handed is not None and inserted_before_text(handed, function, statement)
    binding = last_binding(function, name, statement)
    if binding is None:
        return False
    bound = expression_of(binding)
    if bound.type not in CALL_CHAIN_TYPES:
        return False
    base, trailers = chain_parts(bound)
    methods = [t.children[1].value for t in trailers if t.children[0].value == "."]
    last = methods[-1] if methods else ""
    if last == "create" or last.startswith("create_") or last in ("acreate", "save"):
        return "commit=False" not in normalised(bound)
    read = QUERYSET_METHODS.intersection(methods) or getattr(base, "value", "") in ROW_GETTERS
    if read or any(t.children[0].value == "[" for t in trailers):
        return False  # a row read (`get_or_create(…)[0]`, `get()`): its save() is an UPDATE
    return saved_between(function, name, binding, statement)


def _attribute_value(function: Node, target: str, before: Node) -> str | None:
    """The name the last `target = name` (an attribute target: `form.topic`) before `before`
    assigns, normalised; None when there is none or it assigns anything else."""
    parts = target.split(".")
    if len(parts) != 2 or not all(part.isidentifier() for part in parts):
        return None
    found = None
    for statement in simple_statements(function):
        if statement.start_pos >= before.start_pos:
            break
        bound = assignment_target(statement)
        if bound is not None and normalised(bound) == target:
            found = normalised(expression_of(statement))
    return found if found is not None and found.isidentifier() else None
