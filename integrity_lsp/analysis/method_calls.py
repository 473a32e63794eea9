"""Can a call found by its name run a given method? The caller searches (`analysis.new_rows`)
find `x.save_invoice(…)` by name; when several classes define `save_invoice` (tendenci bills
registrations, asset purchases, memberships and chapter memberships each with its own), a call
is left out only when it surely runs another one:

- its arguments cannot bind to the method's signature (a call without the required
  `request_user` is not a call of `save_invoice(self, request_user, *args, **kwargs)`: Python
  would raise TypeError; not compared for a method under a decorator that may change what
  callers pass), or
- its receiver resolves statically (the project's own resolution, no jedi) to an instance of a
  model that neither inherits the method's model nor is inherited by it (`self` in another
  model's method, `m = Membership.objects.get(…)`).

A call nothing decides about stays: the searches must then prove it as they would any other.
"""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import decorator_name, decorators_of, project_source
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node, arguments, enclosing

# Decorators that keep the signature callers bind to (any other may add or take arguments).
SIGNATURE_KEPT = frozenset({"classmethod", "staticmethod", "atomic", "transaction.atomic"})


def may_call(
    function: Node, defined_in: Path, call: Node, owner: Node | None, path: Path, ctx: Context
) -> bool:
    """Can `call` (the `( … )` trailer of `owner.name(…)`, or of `name(…)` with no owner) in
    the file `path` run `function`, defined in the file `defined_in`? (`Class.method(obj, …)`
    passes `self` itself: its arguments are not compared.)"""
    method = _method_class(function)
    unbound = owner is not None and owner.type == "name" and owner.value[:1].isupper()
    kept = all(decorator_name(d) in SIGNATURE_KEPT for d in decorators_of(function))
    if kept and not unbound and not _binds(function, call, bound_first=method is not None):
        return False
    if method is None or owner is None or owner.type != "name":
        return True
    model = _model_of(method, defined_in, ctx)
    held = _instance_model(owner, path, ctx) if model is not None else None
    if model is None or held is None:
        return True
    index = ctx.env.index
    return _same(model, (held, *index.ancestors(held))) or _same(held, index.ancestors(model))


def _method_class(function: Node) -> Node | None:
    """The class `function` is a method of (its first parameter `self` or `cls`), else None."""
    classdef = enclosing(function, "funcdef", "classdef")
    names = [param.name.value for param in function.get_params()]
    if classdef is None or classdef.type != "classdef" or names[:1] not in (["self"], ["cls"]):
        return None
    return classdef


def _binds(function: Node, call: Node, *, bound_first: bool) -> bool:
    """Can the call's arguments bind to the signature (`self` / `cls` bound already)? A `*` /
    `**` argument may bind to anything."""
    given = arguments(call)
    if any(argument.star for argument in given):
        return True
    positional_names: list[str] = []  # may be passed by position
    keyword_names: set[str] = set()  # may be passed by keyword
    required: set[str] = set()
    var_positional = var_keyword = keyword_only = False
    parameters = function.children[2].children if len(function.children) > 2 else []
    for child in parameters:
        if child.type == "operator":
            keyword_only = keyword_only or child.value == "*"
            if child.value == "/":
                keyword_names.difference_update(positional_names)  # positional-only so far
            continue
        if child.type != "param":
            continue
        name, star = str(child.name.value), child.star_count
        if star == 1:
            var_positional = keyword_only = True
            continue
        if star == 2:
            var_keyword = True
            continue
        if not keyword_only:
            positional_names.append(name)
        keyword_names.add(name)
        if child.default is None:
            required.add(name)
    if bound_first and positional_names:
        keyword_names.discard(positional_names[0])
        required.discard(positional_names[0])
        positional_names = positional_names[1:]
    positional = [argument for argument in given if argument.keyword is None]
    if len(positional) > len(positional_names) and not var_positional:
        return False
    filled = set(positional_names[: len(positional)])
    for argument in given:
        keyword = argument.keyword
        if keyword is None:
            continue
        if keyword in filled or (keyword not in keyword_names and not var_keyword):
            return False  # given twice, or no such parameter
        filled.add(keyword)
    return required <= filled


def _model_of(classdef: Node, path: Path, ctx: Context) -> ModelRecord | None:
    own = path == ctx.file.path and ctx.file.module_name
    module = own or ctx.env.index.module_name(path)
    if module is None:
        return None
    return ctx.env.index.model_for_class(module, str(classdef.name.value))


def _instance_model(owner: Node, path: Path, ctx: Context) -> ModelRecord | None:
    """The model `owner` (a name in the file `path`) is an instance of, when the project's
    resolution knows; the file is read as saved (a position that does not match: unknown)."""
    source = project_source(path, ctx)
    if source is None:
        return None
    leaf = source.tree.get_leaf_for_position(owner.start_pos)
    if leaf is None or leaf.type != "name" or leaf.value != owner.value:
        return None
    try:
        return ctx.env.resolver.resolve_instance(source, leaf, use_jedi=False)
    except Exception:  # resolution is best effort: unknown
        return None


def _same(model: ModelRecord, records: tuple[ModelRecord, ...]) -> bool:
    return any(r.module == model.module and r.name == model.name for r in records)
