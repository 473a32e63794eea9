"""The project code a request handler calls, followed for IL201 (two levels at most): the inserts
a handler performs through a helper function (`_ensure_membership(team, request.user)`, of the
module or imported from another module of the project), a method of the view (`self._add(…)`),
a classmethod (`TOTP.activate(user, secret)`), a method of a model instance the handler holds
(`review.vote_up(request.user)` after `review = get_object_or_404(ProductReview, …)`), or a
form's / serializer's own method (`form.create()`; `form.save()` / `serializer.save()` whose
class writes in its own way: a `save()` / `create()` that does not hand on to Django's or DRF's).

Every callee is resolved statically (the file, its imports, the index; never jedi): a call that
cannot be resolved is not followed, so IL201 stays silent about it. A function taking `request`
first in another module is a handler of its own (reported there) and is not followed; neither
are a model's `save()`/`delete()` and Django's own methods.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_match import protected
from integrity_lsp.analysis.absence_races import races_in
from integrity_lsp.analysis.absence_writes import locked_before
from integrity_lsp.analysis.bindings import last_binding
from integrity_lsp.analysis.class_methods import method_of, model_class
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import (
    class_definition,
    decorator_name,
    decorators_of,
    project_source,
)
from integrity_lsp.analysis.lock_helpers import calls_lock_helper
from integrity_lsp.analysis.view_forms import is_update_view, view_class_of
from integrity_lsp.analysis.writes import WriteSite, write_site
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    expression_of,
    keyword_arguments,
    normalised,
    statement_of,
)
from integrity_lsp.syntax.source import SourceFile

MAX_LEVELS = 2
# A model's own persistence methods: an UPDATE or Django's, never a helper of the project.
NOT_FOLLOWED = frozenset(
    {"save", "delete", "clean", "full_clean", "validate_unique", "refresh_from_db", "__init__"}
)
# How a view hands out its form / serializer.
VIEW_GETTERS = {
    "self.get_form": "form",
    "self.form_class": "form",
    "self.get_form_class()": "form",
    "self.get_serializer": "serializer",
    "self.serializer_class": "serializer",
    "self.get_serializer_class()": "serializer",
}
# A handler's parameter that is the view's form / serializer.
VIEW_PARAMETERS = {("form_valid", "form"): "form", ("perform_create", "serializer"): "serializer"}
OWN_WRITES = ("save", "create")
_DEFINITIONS = ("funcdef", "classdef", "lambdef")


@dataclass(frozen=True)
class Callee:
    function: Node  # the funcdef
    ctx: Context  # its file, function and class
    mapping: Mapping[str, Node]  # parameter -> the caller's argument (`self` -> the receiver)
    name: str  # "ProductReview.vote_up", "ensure_member"


@dataclass(frozen=True)
class Reached:
    """An insert a handler's call reaches: `site` in `ctx` (the callee's), through `chain`."""

    site: WriteSite
    ctx: Context
    chain: tuple[Callee, ...]


def reached_inserts(node: Node, ctx: Context) -> Iterator[Reached]:
    """The inserts the call `node` of a handler performs in the project's code, not guarded
    there by a `try … except IntegrityError`."""
    yield from _reach(node, ctx, (), 1)


def _reach(node: Node, ctx: Context, chain: tuple[Callee, ...], level: int) -> Iterator[Reached]:
    callee = resolve_call(node, ctx)
    if callee is None or any(c.function is callee.function for c in chain):
        return
    count_body_read()  # the finding depends on another function's body (analysis.walker)
    chain = (*chain, callee)
    raced = {  # the callee's own check-then-insert races: IL101–IL103 report them there
        position
        for race in races_in(callee.function, callee.ctx)
        for position in (race.write.node.start_pos, race.through and race.through.start_pos)
    }
    for inner in _calls_in(callee.function):
        if inner.start_pos in raced or protected_in(inner, callee.function):
            continue  # reported as a race there, or turned into something else there
        if locked_before(inner, callee.function, lambda s: calls_lock_helper(s, callee.ctx)):
            continue  # the competitors queue on a lock taken first: one inserts at a time
        site = write_site(inner, callee.ctx)
        if site is not None:
            yield Reached(site, callee.ctx, chain)
        elif level < MAX_LEVELS:
            yield from _reach(inner, callee.ctx, chain, level + 1)


def protected_in(node: Node, function: Node) -> bool:
    statement = statement_of(node)
    probe = WriteSite(node, "create", "", "", None, statement)
    return protected(probe, function, None)


def _calls_in(function: Node) -> Iterator[Node]:
    """The call chains of a function body, outermost first (not those of nested definitions)."""
    stack = [function.children[-1]]
    while stack:
        current = stack.pop()
        if current.type in _DEFINITIONS:
            continue
        if current.type in CALL_CHAIN_TYPES and _up_to_first_call(current)[1]:
            yield current
        stack.extend(reversed(getattr(current, "children", ())))


# --- resolution -----------------------------------------------------------------------------


def _up_to_first_call(node: Node) -> tuple[Node, list[Node]]:
    """The chain up to its first call: `TOTP.activate(user, s)` of `TOTP.activate(user,
    s).instance`; no trailers when nothing is called."""
    base, trailers = chain_parts(node)
    for position, trailer in enumerate(trailers):
        if trailer.children[0].value == "(":
            return base, trailers[: position + 1]
    return base, []


def resolve_call(node: Node, ctx: Context) -> Callee | None:
    """The project function a call runs: `helper(…)`, `self.m(…)`, `Cls.m(…)`, `obj.m(…)`."""
    if node.type not in CALL_CHAIN_TYPES or ctx.function is None:
        return None
    base, trailers = _up_to_first_call(node)
    if base.type != "name" or not trailers:
        return None
    call = trailers[-1]
    if len(trailers) == 1:
        found = _module_function(str(base.value), ctx)
        if found is None:
            return None
        function, source = found
        if source.path != ctx.file.path and _first_parameter(function) == "request":
            return None  # a handler of its own, judged where it is defined
        return _callee(function, source, None, call, None, ctx, str(base.value))
    if len(trailers) != 2 or trailers[0].children[0].value != ".":
        return None
    method = str(trailers[0].children[1].value)
    in_module = _module_attribute(str(base.value), method, node, ctx)  # `services.add(…)`
    if in_module is not None:
        function, source = in_module
        if _first_parameter(function) == "request":
            return None
        return _callee(function, source, None, call, None, ctx, f"{base.value}.{method}")
    owner = _owner_class(base, method, node, ctx)
    if owner is None:
        return None
    classdef, source, bound = owner
    if method == "save":  # a form's / serializer's save: its own save() or create()
        own = _own_write(classdef, source, ctx)
        if own is None:
            return None
        method = own
    method_found = method_of(classdef, source, method, ctx)
    if method_found is None:
        return None
    function, where, owner_def = method_found
    kinds = {decorator_name(d).rsplit(".", 1)[-1] for d in decorators_of(function)}
    if "staticmethod" in kinds:
        bound = None
    elif "classmethod" not in kinds and bound is None:
        return None  # an instance method called on the class
    name = f"{owner_def.children[1].value}.{function.children[1].value}"
    return _callee(function, where, owner_def, call, bound, ctx, name)


def _callee(
    function: Node,
    source: SourceFile,
    classdef: Node | None,
    call: Node,
    bound: Node | None,
    ctx: Context,
    name: str,
) -> Callee | None:
    mapping = _parameters(function, call, bound)
    if mapping is None:
        return None
    inner = ctx.replace(
        file=source, function=function, class_node=classdef, integrity_guard=None, facts=None,
        inner_atomic=(),
    )  # fmt: skip
    return Callee(function, inner, mapping, name)


def _owner_class(
    base: Node, method: str, node: Node, ctx: Context
) -> tuple[Node, SourceFile, Node | None] | None:
    """The class whose method `base.method(…)` calls, and what `self` is bound to (None for a
    call on the class itself)."""
    name = str(base.value)
    function = ctx.function
    if function is None:
        return None
    if name in ("self", "cls"):
        if ctx.class_node is None:
            return None
        return ctx.class_node, ctx.file, base
    binding = last_binding(function, name, statement_of(node))
    if binding is not None:
        found = _bound_class(expression_of(binding), method, ctx)
        return (found[0], found[1], base) if found is not None else None
    parameter = VIEW_PARAMETERS.get((str(function.children[1].value), name))
    if parameter is not None and name in _parameter_names(function):
        found = _view_object(parameter, ctx)
        return (found[0], found[1], base) if found is not None else None
    if name in _parameter_names(function) or name[:1].islower():
        return None
    found = class_definition(name, ctx.file, ctx)  # `TOTP.activate(…)`
    return (found[0], found[1], None) if found is not None else None


def _bound_class(value: Node, method: str, ctx: Context) -> tuple[Node, SourceFile] | None:
    """The class of the object a name was bound to: `Form(…)`, `self.get_form()`, or a model
    row (`get_object_or_404(M, …)`, `M.objects.get(…)`)."""
    if value.type not in CALL_CHAIN_TYPES:
        return None
    _, trailers = chain_parts(value)
    if not trailers or trailers[-1].children[0].value != "(":
        return None
    call = trailers[-1]
    callee = normalised(value)[: -len(normalised(call))]
    if callee in VIEW_GETTERS:
        if "instance" in keyword_arguments(call):
            return None
        return _view_object(VIEW_GETTERS[callee], ctx)
    if callee.split(".")[-1][:1].isupper():
        found = class_definition(callee, ctx.file, ctx)
        if found is None or "instance" in keyword_arguments(call):
            return None
        positional = any(a.keyword is None for a in arguments(call))
        if method == "save" and positional and _own_write(found[0], found[1], ctx) == "create":
            return None  # `Serializer(instance, data=…)`: DRF's save() updates
        return found
    if method in NOT_FOLLOWED:
        return None
    model = ctx.env.resolver.resolve_instance(ctx.file, value, use_jedi=False)
    if model is None:
        return None
    return model_class(model, ctx)


def _view_object(kind: str, ctx: Context) -> tuple[Node, SourceFile] | None:
    if kind == "form" and is_update_view(ctx):
        return None
    return view_class_of(ctx, kind)


def _own_write(classdef: Node, source: SourceFile, ctx: Context) -> str | None:
    """The method a form's / serializer's `save()` runs when the class writes in its own way:
    its `save`, else a serializer's `create(validated_data)`, defined without handing on to
    Django's or DRF's (`super().save(`). None: Django's / DRF's own insert."""
    for name in OWN_WRITES:
        found = method_of(classdef, source, name, ctx)
        if found is None:
            continue
        if name == "create" and "validated_data" not in _parameter_names(found[0]):
            return None
        return None if f"super().{name}(" in normalised(found[0]) else name
    return None


def _module_function(name: str, ctx: Context) -> tuple[Node, SourceFile] | None:
    local = _top_function(ctx.file.tree, name)
    if local is not None:
        return local, ctx.file
    imported = ctx.env.resolver.import_table(ctx.file).lookup(name)
    if imported is None or imported[1] is None:
        return None
    module, attribute = imported
    if attribute is None:
        return None
    path = ctx.env.index.path_for_module(module)
    source = project_source(path, ctx) if path is not None else None
    found = _top_function(source.tree, attribute) if source is not None else None
    return (found, source) if found is not None and source is not None else None


def _module_attribute(
    name: str, attribute: str, node: Node, ctx: Context
) -> tuple[Node, SourceFile] | None:
    """The function `attribute` of the project module the file imports as `name` (`from shop
    import services` / `import shop.services as services`), unless `name` is bound here."""
    function = ctx.function
    if function is None or name in _parameter_names(function):
        return None
    if last_binding(function, name, statement_of(node)) is not None:
        return None
    imported = ctx.env.resolver.import_table(ctx.file).lookup(name)
    if imported is None:
        return None
    module = ".".join(part for part in imported if part)
    path = ctx.env.index.path_for_module(module)
    source = project_source(path, ctx) if path is not None else None
    found = _top_function(source.tree, attribute) if source is not None else None
    return (found, source) if found is not None and source is not None else None


def _top_function(tree: Node, name: str) -> Node | None:
    for child in tree.children:
        definition = child.children[-1] if child.type == "decorated" else child
        if definition.type == "async_funcdef":
            definition = definition.children[-1]
        if definition.type == "funcdef" and definition.children[1].value == name:
            return definition
    return None


def _first_parameter(function: Node) -> str | None:
    names = _parameter_names(function)
    return names[0] if names else None


def _parameter_names(function: Node) -> list[str]:
    return [str(param.name.value) for param in function.get_params()]


def _parameters(callee: Node, call: Node, bound: Node | None) -> dict[str, Node] | None:
    """Parameter name -> the caller's argument node (`self` -> the receiver)."""
    names = _parameter_names(callee)
    mapping: dict[str, Node] = {}
    positional = names
    if bound is not None or (names and names[0] in ("self", "cls")):
        if not names:
            return None
        if bound is not None:
            mapping[names[0]] = bound
        positional = names[1:]
    position = 0
    for argument in arguments(call):
        if argument.star:
            continue  # which parameters it fills is unknown: they stay unmapped
        if argument.keyword is None:
            if position < len(positional):
                mapping[positional[position]] = argument.value
            position += 1
        elif argument.keyword in names:
            mapping[argument.keyword] = argument.value
    return mapping


def in_caller_terms(value: Node, chain: tuple[Callee, ...], *, loose: bool = False) -> Node | None:
    """A callee's value as the handler spells it: a parameter (`user`, `user.pk`) becomes the
    caller's argument, level by level; None when it is built from anything else. `loose`:
    also `param.attribute…` and `param[…]`, as the argument they are read from (enough to
    tell whether the value comes from the request)."""
    current = value
    for callee in reversed(chain):
        base, trailers = chain_parts(current)
        if base.type != "name" or str(base.value) not in callee.mapping:
            return None
        plain = not trailers or (
            len(trailers) == 1
            and trailers[0].children[0].value == "."
            and trailers[0].children[1].value in ("pk", "id")
        )
        if not plain and not loose:
            return None
        current = callee.mapping[str(base.value)]
    return current


def in_handler_terms(site: WriteSite, chain: tuple[Callee, ...]) -> WriteSite:
    """The insert with each value the handler passed in spelt as the handler spells it (a
    literal stays a literal: `Supplier.register("office@…")` writes a constant)."""
    values = {}
    for key, argument in site.values.items():
        outer = in_caller_terms(argument.value, chain)
        values[key] = replace(argument, value=outer) if outer is not None else argument
    return replace(site, values=values)


def within(node: Node, function: Node) -> bool:
    """`node` is inside `function` (of the same tree: positions of another file say nothing)."""
    return bool(
        node.get_root_node() is function.get_root_node()
        and function.start_pos <= node.start_pos
        and node.end_pos <= function.end_pos
    )
