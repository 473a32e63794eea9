"""Calls whose receiver the index types, for `absence_calls`: the method a call runs and what
its `self`/`cls` is in the caller's terms.

- `Pin.add(board, user)`: a classmethod (`cls` is `Pin`) or staticmethod of a project model,
  own or inherited from a model base.
- `board.has_pin(user)`, `self.document.is_checked_out()`: a method of the model the receiver
  is an instance of (a name, or a foreign key of one, typed statically as `absence_callers`
  types receivers: no jedi); own, inherited from a model base, or attached to the model with
  `Model.add_to_class("name", function)` (Django's own way to add a method to a model of
  another app, e.g. from an `AppConfig.ready()`: the function's first parameter is the
  instance).
- `Pin.objects.is_pinned(board, user)`: a method of the model's manager class (defined in the
  model's module or imported there); its `self.filter(…)` reads that model's rows.

What is not one of these (a receiver of unknown type, a method of a plain class or of a
mixin that is not a model) is not followed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_attached import (
    SourceOf,
    attached_method,
    defined_or_imported,
    top_level,
)
from integrity_lsp.analysis.absence_managers import own_create
from integrity_lsp.analysis.absence_reads import Held, lookup_of
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    code,
    enclosing,
    walk,
)
from integrity_lsp.syntax.source import parse_expression

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord
    from integrity_lsp.syntax.source import SourceFile

# A model's persistence and validation: Django calls them; an insert is judged at its call.
NOT_FOLLOWED = frozenset(
    {"save", "asave", "delete", "clean", "full_clean", "validate_unique", "refresh_from_db"}
)
_BINDERS = ("classmethod", "staticmethod")


@dataclass(frozen=True)
class Method:
    function: Node  # the funcdef the call runs
    source: SourceFile  # the file it is in
    bound: Node | None  # what its first parameter is in the caller's terms (None: static)
    manager_of: ModelRecord | None = None  # a manager's method: `self` is this model's manager
    # A model method called on a name (`board.pin(user)`): its inserts are reported where they
    # are, for each racing caller (`absence_callers`), not again at the call.
    reported_at_callee: bool = False


def method_call(
    node: Node, ctx: Context, source_of: SourceOf, *, mixins: bool = False
) -> Method | None:
    """The method `receiver.name(…)` runs, if the index types its receiver (`mixins`: also
    one a plain base class of the instance's model defines, `absence_sequences`)."""
    base, trailers = chain_parts(node)
    if base.type != "name" or len(trailers) < 2 or trailers[-1].children[0].value != "(":
        return None
    attributes = trailers[:-1]
    if any(trailer.children[0].value != "." for trailer in attributes):
        return None
    name = str(attributes[-1].children[1].value)
    receiver = attributes[:-1]
    if name in NOT_FOLLOWED or name.startswith("__"):
        return None
    if not receiver and base.value in ("self", "cls"):
        return None  # the enclosing class's own method: `Calls._method`
    resolver = ctx.env.resolver
    leaf = receiver[-1].children[1] if receiver else base
    try:
        model = resolver.resolve_model(ctx.file, base, use_jedi=False) if not receiver else None
        if model is None and len(receiver) == 1:
            owner = resolver.resolve_model(ctx.file, base, use_jedi=False)
            if owner is not None:
                return _manager_method(owner, str(leaf.value), name, node, ctx, source_of)
        instance = resolver.resolve_instance(ctx.file, leaf, use_jedi=False)
    except Exception:  # resolution is best effort
        return None
    if model is not None:
        found = _defined(model, name, ctx, source_of, binders=_BINDERS)
        if found is None:
            return None
        function, source, binder = found
        return Method(function, source, base if binder == "classmethod" else None)
    if instance is None:
        return None
    found = _defined(instance, name, ctx, source_of, binders=(), mixins=mixins)
    bound = base if not receiver else _expression(node, receiver[-1])
    if found is None:
        found = attached_method(instance, name, ctx, source_of)
    return None if found is None else Method(found[0], found[1], bound, None, not receiver)


def _manager_method(
    model: ModelRecord, attribute: str, name: str, node: Node, ctx: Context, source_of: SourceOf
) -> Method | None:
    index = ctx.env.index
    for record in (model, *index.ancestors(model)):
        manager = next((m for m in record.managers if m.attribute == attribute), None)
        if manager is None:
            continue
        if not manager.known:
            return None
        found = _class_in(record.module, manager.manager_class, ctx, source_of)
        if found is None:
            return None
        classdef, source = found
        function = _own_function(classdef, name)
        if function is None or _binder(function) is not None:
            return None
        receiver = chain_parts(node)[1][0]
        return Method(function, source, _expression(node, receiver), manager_of=model)
    return None


def _defined(
    model: ModelRecord,
    name: str,
    ctx: Context,
    source_of: SourceOf,
    *,
    binders: tuple[str, ...],
    mixins: bool = False,
) -> tuple[Node, SourceFile, str | None] | None:
    """`name` as defined in the model's class or the first model base that defines it, if it
    is bound as `binders` says (() : a plain method); `mixins`: or a plain class the model's
    class names among its bases (`class ObjectLayer(LayerMixin, models.Model)`)."""
    for record in (model, *ctx.env.index.ancestors(model)):
        found = _class_in(record.module, record.name, ctx, source_of)
        if found is None:
            continue
        classdef, source = found
        function = _own_function(classdef, name)
        if function is None and mixins and not _assigns(classdef, name):
            mixed = _mixin_function(record, name, ctx, source_of)
            if mixed is not None:
                function, source = mixed
        if function is None:
            if _assigns(classdef, name):
                return None  # `name = something`: not a method we can read
            continue
        binder = _binder(function)
        if binders and binder not in binders:
            return None  # `Pin.add(…)` on the class: a classmethod or staticmethod only
        if not binders and (binder is not None or not _takes_self(function)):
            return None  # on an instance: a plain method only
        return function, source, binder
    return None


def _mixin_function(
    record: ModelRecord, name: str, ctx: Context, source_of: SourceOf
) -> tuple[Node, SourceFile] | None:
    """`name` defined in a plain base class of the model's class (one level, the bases that
    are not models, in their order)."""
    ancestors = {(a.module, a.name) for a in ctx.env.index.ancestors(record)}
    for base in record.bases:
        if "." in base or (record.module, base) in ancestors:
            continue
        found = _class_in(record.module, base, ctx, source_of)
        if found is None:
            continue
        function = _own_function(found[0], name)
        if function is not None:
            return function, found[1]
    return None


def _class_in(
    module: str, name: str, ctx: Context, source_of: SourceOf
) -> tuple[Node, SourceFile] | None:
    """A top-level class of a project module, or one the module imports from another."""
    source = source_of(module, ctx)
    return None if source is None else defined_or_imported(source, "classdef", name, ctx, source_of)


def _own_function(classdef: Node, name: str) -> Node | None:
    return top_level(classdef.children[-1], "funcdef", name)


def _assigns(classdef: Node, name: str) -> bool:
    body = classdef.children[-1]
    for child in getattr(body, "children", ()):
        if child.type != "simple_stmt":
            continue
        first = child.children[0]
        if first.type == "expr_stmt" and code(first.children[0]) == name:
            return True
    return False


def _binder(function: Node) -> str | None:
    """`classmethod`, `staticmethod`, `property` or `cached_property`; None for a plain
    method (other decorators are taken to keep the signature)."""
    decorated = function.parent
    if decorated is None or decorated.type != "decorated":
        return None
    decorators = decorated.children[0]
    items = decorators.children if decorators.type == "decorators" else [decorators]
    names = [code(item).strip().lstrip("@").split("(")[0] for item in items]
    for kind in (*_BINDERS, "property", "cached_property"):
        if any(n == kind or n.endswith("." + kind) for n in names):
            return kind
    return None


def _takes_self(function: Node) -> bool:
    params = function.get_params()
    return bool(params) and params[0].name.value == "self"


def _expression(node: Node, last: Node) -> Node:
    """The chain of `node` up to the trailer `last`, as a node of its own (the caller's text,
    parsed apart: the caller's tree is not changed)."""
    base, trailers = chain_parts(node)
    return parse_expression(
        code(base) + "".join(code(t) for t in trailers[: trailers.index(last) + 1])
    )


def own_read(
    value: Node, model: ModelRecord, manager: Node, index: ProjectIndex, *, in_place: bool = False
) -> Held | None:
    """`self.filter(k=v).exists()` in a manager's method, as the read of the caller's manager
    (`Pin.objects.filter(k=v).exists()`): the model is the one the caller's manager is on.
    `in_place`: the read is the walked function's own, its node and keys those written."""
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != "self" or not trailers:
        return None
    held = lookup_of(parse_expression(code(manager) + code(value)[len("self") :]), index, get=True)
    if held is None:
        return None
    lookup = replace(held.lookup, model=model)
    if in_place:
        written = {
            argument.keyword: argument
            for trailer in trailers
            if trailer.children[0].value == "("
            for argument in arguments(trailer)
        }
        keys = tuple(written.get(arg.keyword, arg) for arg in lookup.keys)
        # the parsed stand-in's nodes are in no file: a fix must edit what is written
        lookup = replace(lookup, node=value, keys=keys, receiver="self", orm=None)
    return Held(lookup, held.kind)


def own_creates(function: Node, model: ModelRecord) -> list[WriteSite]:
    """`self.create(k=v)` in a manager's method: inserts of the caller's manager's model."""
    found = []
    for node in walk(function.children[-1]):
        if node.type in CALL_CHAIN_TYPES and enclosing(node, "funcdef") is function:
            site = own_create(node, model)
            if site is not None:
                found.append(site)
    return found
