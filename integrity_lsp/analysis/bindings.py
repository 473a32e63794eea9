"""Where a local name of a function gets its value: the last `name = …` statement (annotated
or not: `name: T = …`) before a given statement; whether `name.save(` runs between two
statements (a second save of the same object is an UPDATE); and whether a name holds a row the
function inserted before a statement (no concurrent request can hold a unique tuple containing
it: IL201 and the race rules). Statement order, not control flow: what the rules and the form
reading (`form_saves`) need to follow an object from where it is built to where it is saved;
and the class a parameter defaults to (`def register(request, form=RegistrationForm)`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import QUERYSET_METHODS
from integrity_lsp.analysis.handlers import class_definition
from integrity_lsp.analysis.new_row_returns import returns_new_row
from integrity_lsp.analysis.new_rows import production_texts
from integrity_lsp.analysis.saved_attributes import assigned_by_save
from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    binding_target,
    chain_parts,
    expression_of,
    keyword_arguments,
    normalised,
    statement_of,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.syntax.source import SourceFile

ROW_GETTERS = frozenset({"get_object_or_404", "aget_object_or_404"})
# `copy.copy(row)`, `copy.deepcopy(row)`, `deepcopy(row)`: a clone of a row, its pk included
COPIES = frozenset({"copy", "deepcopy"})
# a project helper named for what it does (`create_snuba_query(…)`): only such a bare call is
# followed into its body, which costs a read of the project's files
_CREATING_HELPER = re.compile(r"_?create(?!\w*_or_)\w*")


def last_binding(function: Node, name: str, before: Node) -> Node | None:
    found = None
    for statement in simple_statements(function):
        if statement.start_pos >= before.start_pos:
            break
        target = binding_target(statement)
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
        target = binding_target(statement)
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


def splatted_dict(name: str, function: Node | None, statement: Node) -> list[Argument] | None:
    """The keyword arguments `**name` passes in `statement`: the entries of the dict literal
    (`{"type": t, "value": v}`, `dict(type=t)`) of the last `name = …` before it, when no
    statement between mentions `name` (a `name["k"] = …` or `name.update(…)` would change
    them); None when unknown."""
    if function is None:
        return None
    binding = last_binding(function, name, statement)
    if binding is None:
        return None
    entries = dict_entries(expression_of(binding))
    if entries is None:
        return None
    for between in simple_statements(function):
        if not binding.start_pos < between.start_pos < statement.start_pos:
            continue
        if any(leaf.type == "name" and leaf.value == name for leaf in walk(between)):
            return None
    return entries


def is_second_save(node: Node, function: Node | None) -> bool:
    """`obj.save()` after an earlier `obj.save()` of the same binding in `function`: an
    UPDATE (askbot's `user.save()`, `user.is_fake = True`, `user.save()`)."""
    base, trailers = chain_parts(node)
    if function is None or base.type != "name" or len(trailers) != 2:
        return False
    statement = statement_of(node)
    binding = last_binding(function, str(base.value), statement)
    return binding is not None and saved_between(function, str(base.value), binding, statement)


def inserted_before(value: Node, function: Node, statement: Node, ctx: Context) -> bool:
    """`user` / `user.pk` where `user` is a row this function inserted before `statement`
    (`user = User.objects.create_user(…)`, `team = form.save()`, `obj = M(…)` then
    `obj.save()`; a clone `obj = copy.copy(row)` only when `obj.pk = None` comes before its
    `save()`): no concurrent request can hold a unique tuple containing it."""
    return inserted_before_text(normalised(value), function, statement, ctx)


def inserted_before_text(text: str, function: Node, statement: Node, ctx: Context) -> bool:
    """`inserted_before` of a value as normalised text; also `holder.attribute` when it holds
    such a row: the last `holder.attribute = name` before `statement` hands it one (spirit's
    private topic: `topic = tform.save()`, `tpform.topic = topic`, then `tpform.save_m2m()`
    inserts with `self.topic`), or `holder` is a row built with it (`holder =
    M.objects.create(attribute=name)`, or `holder = form.save(…)` whose own `save()` puts it
    on the row: `analysis.saved_attributes`)."""
    name = text.split(".", 1)[0]
    if not name.isidentifier():
        return False
    if text not in (name, f"{name}.pk", f"{name}.id"):
        handed = _attribute_value(function, text, statement)
        if handed is not None:
            return inserted_before_text(handed, function, statement, ctx)
        built = _row_attribute(function, text, statement, ctx)
        return built is not None and inserted_before_text(built[0], function, built[1], ctx)
    binding = last_binding(function, name, statement)
    if binding is None:
        return False
    bound = expression_of(binding)
    if bound.type not in CALL_CHAIN_TYPES:
        return False
    base, trailers = chain_parts(bound)
    if base.type == "name" and len(trailers) == 1 and _CREATING_HELPER.fullmatch(base.value):
        # sentry's `snuba_query = create_snuba_query(…)`, then `AlertRule.objects.create(
        # snuba_query=snuba_query, …)`: the helper's every run returns a row it just inserted
        return returns_new_row(bound, list(production_texts(ctx)))
    methods = [t.children[1].value for t in trailers if t.children[0].value == "."]
    last = methods[-1] if methods else ""
    if _inserts(last):
        return "commit=False" not in normalised(bound)
    read = QUERYSET_METHODS.intersection(methods) or getattr(base, "value", "") in ROW_GETTERS
    if read or any(t.children[0].value == "[" for t in trailers):
        return False  # a row read (`get_or_create(…)[0]`, `get()`): its save() is an UPDATE
    if getattr(base, "value", "") in COPIES and not _pk_cleared(function, name, binding, statement):
        return False  # `copy.copy(row)` keeps the row's pk: its save() is an UPDATE
    return saved_between(function, name, binding, statement)


def _pk_cleared(function: Node, name: str, start: Node, end: Node) -> bool:
    """`name.pk = None` (or `name.id = None`, alone or chained: `x.pk = x.id = None`)
    between two statements: the next `name.save()` inserts a new row."""
    keys = {f"{name}.pk", f"{name}.id"}
    for statement in simple_statements(function):
        if not start.start_pos < statement.start_pos < end.start_pos:
            continue
        node = statement.children[0]
        if node.type != "expr_stmt" or normalised(node.children[-1]) != "None":
            continue
        if any(normalised(target) in keys for target in node.children[:-1:2]):
            return True
    return False


# django-treebeard's node constructors: each inserts a new node and returns it (an instance
# already saved is refused with NodeAlreadySaved)
TREE_INSERTS = frozenset({"add_root", "add_child", "add_sibling"})


def _inserts(method: str) -> bool:
    return (
        method == "create"
        or method.startswith("create_")
        or method in ("acreate", "save")
        or method in TREE_INSERTS
    )


def _row_attribute(
    function: Node, target: str, before: Node, ctx: Context
) -> tuple[str, Node] | None:
    """What `holder.attribute` holds when `holder` is bound (last, before `before`) to a row
    built with it: a keyword of `M.objects.create(…)`, or what the project form's own
    `save()` puts on the row `holder = form.save(…)` returns. The value (normalised) and the
    binding statement, before which that value holds."""
    holder, _, attribute = target.partition(".")
    if not attribute.isidentifier():
        return None
    binding = last_binding(function, holder, before)
    bound = expression_of(binding) if binding is not None else None
    if binding is None or bound is None or bound.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(bound)
    call = trailers[-1] if trailers and trailers[-1].children[0].value == "(" else None
    method = trailers[-2] if call is not None and len(trailers) >= 2 else None
    if method is None or method.children[0].value != ".":
        return None
    name = str(method.children[1].value)
    if name == "save" and len(trailers) == 2 and base.type == "name":
        form = last_binding(function, str(base.value), binding)
        if form is None:
            return None
        value = assigned_by_save(expression_of(form), call, str(base.value), attribute, ctx)
        return (value, binding) if value is not None else None
    if name == "save" or not _inserts(name):
        return None
    given = keyword_arguments(call).get(attribute)
    return (normalised(given.value), binding) if given is not None else None


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
        bound = binding_target(statement)
        if bound is not None and normalised(bound) == target:
            found = normalised(expression_of(statement))
    return found if found is not None and found.isidentifier() else None
