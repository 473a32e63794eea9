"""Which reverse relation a write through a related manager goes through (`self.urls.create(…)`
in a model method, `team.invites.create(…)`): the model it inserts and the foreign key it fills
in, asked of the resolver, else settled by an accessor name only one foreign key gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.django import is_related_manager, unique_accessors
from integrity_lsp.project.values import ManagerTarget
from integrity_lsp.syntax.nodes import Node

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite


def related_target(site: WriteSite, ctx: Context) -> ManagerTarget | None:
    """The relation a write through a reverse accessor goes through (`self.urls.create(…)` in
    a model method, `team.invites.create(…)`): the model it inserts and the foreign key it
    fills in (`relation_of`); None for other writes."""
    index = ctx.env.index
    if site.manager is None or not is_related_manager(site.manager, index):
        return None
    parent = site.call.parent
    position = next((i for i, child in enumerate(parent.children) if child is site.call), 0)
    return relation_of(site.manager, parent.children[position - 1] if position > 0 else None, ctx)


def relation_of(accessor: str, trailer: Node | None, ctx: Context) -> ManagerTarget | None:
    """The reverse relation `accessor` is, `trailer` being the method's trailer after it
    (`.create` of `team.invites.create(…)`). Asked of the resolver for code of the file checked
    (a node of another file, reached through a call, would be read in the wrong module), else
    settled by an accessor name only one foreign key of the project gives."""
    target = None
    if trailer is not None and trailer.get_root_node() is ctx.file.tree:
        try:
            target = ctx.env.resolver.resolve_manager_call(ctx.file, trailer)
        except Exception:  # resolution is best effort: an unresolvable chain stays unknown
            target = None
    if target is not None and target.kind == "related":
        return target
    owners = unique_accessors(ctx.env.index).get(accessor)
    if owners is None:
        return None
    return ManagerTarget(owners[0], accessor, "related", (owners[1],) if owners[1] else ())
