"""A manager's own methods, for `absence_sets` and `absence_walk`: in a class that is the manager
of exactly one concrete model of the project (`objects = ConfigurationErrorManager()`),
`self.all()` / `self.filter(…)` / `self.get(…)` read that model's rows, `self.create(…)` inserts
one and `self.model(…)` builds one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Link,
    Node,
    arguments,
    chain_parts,
    code,
    enclosing,
    keyword_arguments,
    links,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord

READ_METHODS = frozenset({"all", "filter", "order_by", "select_related", "only"})


def managed_model(function: Node, ctx: Context) -> ModelRecord | None:
    """The one model whose manager class encloses `function`, if any."""
    classdef = enclosing(function, "classdef")
    if classdef is None or "Manager" not in classdef.name.value:
        return None
    name = classdef.name.value
    found = [
        model
        for model in ctx.env.index.models()
        if not model.abstract and any(m.manager_class == name for m in model.managers)
    ]
    return found[0] if len(found) == 1 else None


def is_own_read(node: Node) -> bool:
    """`self.all()`, `self.filter(k=v)`: the manager's rows."""
    chain = _own_chain(node)
    return chain is not None and all(link.name in READ_METHODS for link in chain)


def own_create(node: Node, model: ModelRecord) -> WriteSite | None:
    """`self.create(k=v, …)` in the manager: an insert of its model."""
    chain = _own_chain(node)
    if chain is None or len(chain) != 1 or chain[0].name != "create" or chain[0].call is None:
        return None
    values = keyword_arguments(chain[0].call)
    return WriteSite(
        node, "create", "create", model.name, None, chain[0].call, values,
        manager="self", receiver="self", model=model,
    )  # fmt: skip


def _own_chain(node: Node) -> list[Link] | None:
    if node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(node)
    if base.type != "name" or base.value != "self":
        return None
    chain = links(trailers)
    if not chain or any(link.call is None for link in chain):
        return None
    if trailers[-1] is not chain[-1].call:
        return None
    return chain


def manager_expression(classdef: Node, model: ModelRecord) -> str:
    """`Model.<attribute>` for the manager class `classdef` is (`UserSetting.objects`)."""
    name = classdef.name.value
    attribute = next((m.attribute for m in model.managers if m.manager_class == name), "objects")
    return f"{model.name}.{attribute}"


def own_instance(value: Node, model: ModelRecord) -> WriteSite | None:
    """`self.model(k=v, …)` in the manager: an unsaved instance of its model."""
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != "self" or len(trailers) != 2:
        return None
    if code(trailers[0]).strip() != ".model" or trailers[1].children[0].value != "(":
        return None
    values = keyword_arguments(trailers[1])
    complete = all(not argument.star for argument in arguments(trailers[1]))
    # `self.model`, not the model's name: a fix's re-get (`self.model.objects.get(…)`) must
    # not name a class the manager's module may not import
    return WriteSite(
        value, "save", "save", "self.model", None, trailers[1], values, complete,
        receiver="self.model", model=model,
    )  # fmt: skip
