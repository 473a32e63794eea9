"""A manager handed to a function as an argument: `def get_placeholder_from_slot(
placeholder_relation, slot): placeholder_relation.get_or_create(slot=slot)`, where every
production caller passes the same kind of manager (`get_placeholder_from_slot(self.placeholders,
"content")`, `placeholders` a generic relation to `Placeholder`). The parameter is then that
manager — only when the function is a module-level one, the parameter is not rebound before
the call, the function is never handed on as a value, and the callers in the project's
production code (tests, commands and migrations left out) whose argument the resolver knows
pass a manager of one and the same model, through one and the same kind of relation (at least
one; a caller whose argument is unknown proves nothing and is left out)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.manager_calls import ManagerCaller
from integrity_lsp.analysis.name_bindings import rebound_before
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.syntax.nodes import Link, Node, arguments, chain_parts, enclosing, links
from integrity_lsp.syntax.source import is_command_code

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.values import ManagerTarget
    from integrity_lsp.syntax.source import SourceFile


@dataclass(frozen=True)
class ParameterCall:
    """`placeholder_relation.get_or_create(…)`: the manager every caller passes."""

    target: ManagerTarget  # what the first caller passes (all pass the same kind)
    methods: tuple[Link, ...]
    callers: tuple[ManagerCaller, ...]


def parameter_manager_call(
    node: Node, ctx: Context, methods: Collection[str]
) -> ParameterCall | None:
    """The call `node` is, when it ends in one of `methods` on a parameter of a module-level
    function that every production caller fills with the same kind of manager."""
    base, trailers = chain_parts(node)
    chain = links(trailers)
    if base.type != "name" or not chain or chain[-1].name not in methods:
        return None
    if not trailers or chain[0].name_leaf.parent is not trailers[0]:
        return None
    function = enclosing(node, "funcdef", "lambdef", "classdef")
    if function is None or function.type != "funcdef" or not _module_level(function):
        return None
    name = str(base.value)
    params = function.get_params()
    position = next((i for i, p in enumerate(params) if p.name.value == name), None)
    if position is None or params[position].star_count or name in ("self", "cls"):
        return None
    if rebound_before(function, name, node.start_pos):
        return None
    callers = _callers(function, position, name, ctx)
    if not callers:
        return None
    known = []
    for site, argument in callers:
        try:
            target = ctx.env.resolver.resolve_manager_call(site.ctx.file, argument)
        except Exception:  # resolution is best effort
            target = None
        if target is not None:  # a caller passing what nobody can tell proves nothing
            known.append((site, target))
    shapes = {(t.model.label, t.kind, t.fixed_fields) for _, t in known}
    if len(shapes) != 1:
        return None  # no caller known, or callers passing different managers
    return ParameterCall(known[0][1], tuple(chain), tuple(site for site, _ in known))


def _module_level(function: Node) -> bool:
    parent = function.parent
    if parent is not None and parent.type == "decorated":
        parent = parent.parent
    return parent is not None and parent.type == "file_input"


def _callers(
    function: Node, position: int, name: str, ctx: Context
) -> list[tuple[ManagerCaller, Node]] | None:
    """Each production call of `function` with the argument that fills parameter `position`
    (`name`); None when the function is named otherwise than called (handed on as a value)
    or a call does not say what it passes."""
    called = str(function.name.value)
    word = re.compile(rf"\b{re.escape(called)}\b")
    root, settings = ctx.env.root, ctx.env.settings
    found: list[tuple[ManagerCaller, Node]] = []
    for path in project_files(root, settings):
        if settings.is_test_path(path, root):
            continue
        text = ctx.file.text if path == ctx.file.path else ctx.env.read_text(path)
        if text is None or not word.search(text):
            continue
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is None or is_command_code(path, text, root):
            continue
        count_body_read()  # the finding depends on the callers' code
        for site in _calls_in(source, called, function, ctx):
            if site is None:
                return None
            argument = _argument(site.call, position, name)
            if argument is None:
                return None
            found.append((site, argument))
    return found


def _calls_in(
    source: SourceFile, called: str, function: Node, ctx: Context
) -> Iterator[ManagerCaller | None]:
    """The file's calls of `called` (None for a use that is not a call)."""
    for leaf in _names(source.tree, called):
        if leaf is function.name:
            continue
        if leaf.parent.type in ("import_from", "import_as_name", "dotted_as_name", "import_name"):
            continue
        if leaf.parent.type == "funcdef":
            continue  # another function of that name (another module's own)
        following = leaf.get_next_leaf()
        trailer = following.parent if following is not None else None
        if following is None or following.value != "(" or trailer is None:
            yield None  # handed on as a value: callers nobody can list
            continue
        if trailer.type != "trailer":
            yield None  # handed on as a value: callers nobody can list
            continue
        caller = enclosing(leaf, "funcdef")
        if caller is None or caller is function:
            continue
        caller_ctx = ctx.replace(
            file=source, function=caller, class_node=enclosing(caller, "classdef"),
            integrity_guard=None, facts=None, inner_atomic=(),
        )  # fmt: skip
        yield ManagerCaller(caller, caller_ctx, trailer)


def _names(tree: Node, name: str) -> Iterator[Node]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if node.type == "name":
            if node.value == name:
                yield node
        elif hasattr(node, "children"):
            stack.extend(reversed(node.children))


def _argument(call: Node, position: int, name: str) -> Node | None:
    """The argument of `call` that fills parameter `position` (called `name`)."""
    index = 0
    for argument in arguments(call):
        if argument.star:
            return None
        if argument.keyword == name:
            return argument.value
        if argument.keyword is None:
            if index == position:
                return argument.value
            index += 1
    return None
