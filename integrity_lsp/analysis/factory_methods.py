"""`Artifact.init_and_validate(file)`: a model's static or class method that builds an instance
of the model and returns it (pulpcore's `Artifact.init_and_validate()` ends in
`return Artifact(**attributes)`). The call's value is then an instance of the model, as
`Model(…)` is: every `return` of the method returns `cls(…)` (a classmethod, also one inherited
from a base of the model), or `Model(…)` by the model's own name (a method the model's class
itself defines). The method is read from the model's MRO, the project's or an installed
package's; a class of the MRO that cannot be read, or any other `return`, leaves it unknown.
"""

from __future__ import annotations

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.django import constructor_call
from integrity_lsp.analysis.handlers import decorator_name, decorators_of
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts

_SCOPES = ("funcdef", "classdef", "lambdef", "async_funcdef")


def factory_model(expression: Node, ctx: Context) -> ModelRecord | None:
    """The model `expression` (`Model.method(…)`, `models.Model.method(…)`) builds an
    instance of, when `method` is such a factory."""
    if expression.type not in CALL_CHAIN_TYPES:
        return None
    head, trailers = chain_parts(expression)
    if len(trailers) < 2 or trailers[-1].children[0].value != "(":
        return None
    if any(trailer.children[0].value != "." for trailer in trailers[:-1]):
        return None
    receiver = trailers[-3].children[1] if len(trailers) > 2 else head
    if receiver.type != "name":
        return None
    model = ctx.env.resolver.resolve_model(ctx.file, receiver, use_jedi=False)
    if model is None:
        return None
    name = str(trailers[-2].children[1].value)
    for definition in mro_definitions(model, name, ctx):
        if definition is None:
            return None  # a class nobody can read may define the method
        own_name = model.name if definition.position == 0 else None
        return model if _builds_own_instance(definition.method, own_name) else None
    return None


def _builds_own_instance(method: Node, own_name: str | None) -> bool:
    kinds = {decorator_name(d).rsplit(".", 1)[-1] for d in decorators_of(method)}
    if kinds == {"classmethod"}:
        params = method.get_params()
        builders = {str(params[0].name.value)} if params else set()
    elif kinds == {"staticmethod"}:
        builders = set()
    else:
        return False
    if own_name is not None:
        builders.add(own_name)
    returns = _returns(method.children[-1])
    return bool(returns) and all(_built_by(value, builders) for value in returns)


def _built_by(value: Node | None, builders: set[str]) -> bool:
    built = constructor_call(value) if value is not None else None
    if built is not None:
        return built[0] in builders
    if value is None or value.type not in CALL_CHAIN_TYPES:
        return False
    head, trailers = chain_parts(value)  # `cls(…)`: lower case, not a constructor_call
    return (
        head.type == "name"
        and str(head.value) in builders
        and len(trailers) == 1
        and trailers[0].children[0].value == "("
    )


def _returns(body: Node) -> list[Node | None]:
    """The values of the `return` statements of a function body (None for a bare `return`),
    not of nested functions or classes."""
    found: list[Node | None] = []
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in _SCOPES:
            continue
        if node.type == "return_stmt":
            found.append(node.children[1] if len(node.children) > 1 else None)
            continue
        if node.type == "keyword" and node.value == "return":  # a bare `return`
            found.append(None)
            continue
        stack.extend(getattr(node, "children", []))
    return found
