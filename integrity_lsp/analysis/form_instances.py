"""Whether the instance a ModelForm or ModelSerializer is built with is a new row of its model
(`analysis.form_saves`): `Serializer(Poll(thread=t), data=…)` or a name bound to such a
constructor just before (its keywords are values the code sets), `self.queryset.model()` /
`self.model()` of an add view, or what a view method returns when one of its returns is such
an instance (`obj = self.get_object(**kwargs)`), read through methods that hand back their
first argument (`obj = self.alter_object(obj, request)`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from integrity_lsp.analysis.bindings import last_binding, saved_between
from integrity_lsp.analysis.django import constructor_call
from integrity_lsp.analysis.view_forms import view_method
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    expression_of,
    keyword_arguments,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.model_forms import ModelFormClass

NEW_VIEW_INSTANCES = frozenset({"self.queryset.model()", "self.model()"})


def call_name(value: Node) -> str | None:
    """`self.get_serializer` for `self.get_serializer(data=…)`; None unless a call."""
    if value.type not in CALL_CHAIN_TYPES:
        return None
    calls = chain_parts(value)[1]
    if not calls or calls[-1].children[0].value != "(":
        return None
    return normalised(value)[: -len(normalised(calls[-1]))]


def new_instance(
    instance: Node, form: ModelFormClass, ctx: Context, before: Node, depth: int = 0
) -> dict[str, Node] | None:
    """The keywords of `Poll(thread=t)` (given directly, or bound to a name just before) when
    it is a new instance of the form's model; None for anything else. A view method's result
    (`obj = self.get_object(**kwargs)`) is a new instance when one of its returns is
    (`return self.queryset.model()` on an add page), read through methods that return their
    first argument (`obj = self.alter_object(obj, request)`)."""
    function = ctx.function
    if instance.type == "name" and function is not None:
        binding = last_binding(function, str(instance.value), before)
        if binding is None or saved_between(function, str(instance.value), binding, before):
            return None
        instance, before = expression_of(binding), binding
    if normalised(instance) in NEW_VIEW_INSTANCES:
        return {}
    if depth < 3 and _own_call(instance) is not None:
        return _returned_instance(instance, form, ctx, before, depth + 1)
    found = constructor_call(instance)
    if found is None:
        return None
    _, leaf, call = found
    if ctx.env.resolver.resolve_model(ctx.file, leaf) != form.model:
        return None
    if any(a.keyword is None for a in arguments(call)):
        return None
    return {k: a.value for k, a in keyword_arguments(call).items()}


def _own_call(value: Node) -> str | None:
    """`get_object` for `self.get_object(**kwargs)`."""
    callee = call_name(value)
    if callee is None or not callee.startswith("self."):
        return None
    name = callee.removeprefix("self.")
    return name if name.isidentifier() else None


def _returned_instance(
    call: Node, form: ModelFormClass, ctx: Context, before: Node, depth: int
) -> dict[str, Node] | None:
    """What `self.method(…)` returns, when one of its returns is a new instance of the model
    the view serves (`self.queryset.model()`, `self.model()`) — directly, or as the argument
    it hands back (`return obj` of its first parameter after `self`, read in the caller's
    terms). None for anything else."""
    name = _own_call(call)
    method = view_method(ctx, name) if name is not None else None
    if method is None:
        return None
    params = [str(param.name.value) for param in method.get_params()]
    handed = params[1] if len(params) > 1 else None
    positional = [a for a in arguments(chain_parts(call)[1][-1]) if a.keyword is None]
    for returned in _returns(method):
        if returned.type == "name" and returned.value == handed and positional:
            found = new_instance(positional[0].value, form, ctx, before, depth)
            if found is not None:
                return found
        elif normalised(returned) in NEW_VIEW_INSTANCES:
            return {}
    return None


def _returns(function: Node) -> Iterator[Node]:
    """The values of the function's own `return` statements (not of nested functions)."""
    pending = list(function.children[-1].children)
    while pending:
        node = pending.pop()
        if node.type in ("funcdef", "classdef", "lambdef"):
            continue
        if node.type == "return_stmt" and len(node.children) == 2:
            yield node.children[1]
        pending.extend(getattr(node, "children", ()))
