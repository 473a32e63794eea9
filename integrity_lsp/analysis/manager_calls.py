"""A manager's (or QuerySet's) calls on itself and the project's calls of its methods: in a
class one concrete model uses as its manager (`objects = FormStateManager()`), `self.<m>(…)` and
`super().<m>(…)` go to that model's rows (the resolver says which model), and the manager's own
method is called by `FormState.objects.update_or_create_by_instance(…)` in the project's
production code — the calls through the model class's manager, not a related manager or a
filtered queryset (those add lookups of their own), in code that serves concurrent requests
(not tests, management commands, scripts or migrations)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.called_names import files_calling, method_trailers
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.syntax.nodes import Link, Node, chain_parts, enclosing, links
from integrity_lsp.syntax.source import is_command_code, is_migration_path

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.values import ManagerTarget
    from integrity_lsp.syntax.source import SourceFile


@dataclass(frozen=True)
class OwnCall:
    """`self.update_or_create(…)` / `super().get_or_create(…)` in a manager's method."""

    target: ManagerTarget  # the model's manager the class is
    methods: tuple[Link, ...]  # the links from the first one after `self` / `super()`
    function: Node  # the manager's method the call is in


@dataclass(frozen=True)
class ManagerCaller:
    """`FormState.objects.update_or_create_by_instance(instance=…, user=…)` in `caller`."""

    caller: Node  # the calling function
    ctx: Context  # the caller's
    call: Node  # the `( … )` trailer of the call


def own_manager_call(node: Node, ctx: Context, methods: Collection[str]) -> OwnCall | None:
    """The call `node` is, when it ends in one of `methods` and its receiver is the manager
    itself (`self` or `super()` in a method of a manager or QuerySet class one concrete model
    uses)."""
    base, trailers = chain_parts(node)
    if base.type != "name" or base.value not in ("self", "super"):
        return None
    start = 0
    if base.value == "super":
        if not trailers or trailers[0].children[0].value != "(" or len(trailers[0].children) != 2:
            return None  # `super(…)` with arguments: another class's view of `self`
        start = 1
    chain = links(trailers[start:])
    if not chain or chain[0].name_leaf.parent is not trailers[start]:
        return None
    if chain[-1].name not in methods:
        return None
    function = enclosing(node, "funcdef", "lambdef", "classdef")
    if function is None or function.type != "funcdef":
        return None
    try:
        target = ctx.env.resolver.resolve_manager_call(ctx.file, trailers[start])
    except Exception:  # resolution is best effort; a rule must never crash on it
        return None
    if target is None or target.kind != "manager":
        return None
    return OwnCall(target, tuple(chain), function)


def manager_method_calls(own: OwnCall, ctx: Context) -> Iterator[ManagerCaller]:
    """The production calls `<Model>.<manager>.<method>(…)` of the manager method `own` is in
    (the receiver resolves to a manager of the same model: not a related manager, not a
    queryset). A call the manager makes on itself from another of its methods
    (`self._action_for_field("total_cart")` in cartridge's `ProductActionManager.added_to_cart`)
    counts only when that method is reached so in turn (followed up to three methods): reached
    only through a related manager (`product.actions.added_to_cart()`), the related row joins
    the lookup, and this model's manager alone never runs it."""
    return _calls_of(own.function, own.target.model.label, ctx, 0)


def _calls_of(function: Node, label: str, ctx: Context, depth: int) -> Iterator[ManagerCaller]:
    """`manager_method_calls` of the manager method `function` of model `label`."""
    name = str(function.name.value)
    root, settings = ctx.env.root, ctx.env.settings
    for path in files_calling(name, ctx):
        if settings.is_test_path(path, root) or is_migration_path(path):
            continue
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is None or is_command_code(path, source.text, root):
            continue
        count_body_read()  # the finding depends on the callers' code
        for call, method_trailer in _method_calls(source, name):
            caller = enclosing(call, "funcdef")
            if caller is None or caller is function:
                continue
            try:
                target = ctx.env.resolver.resolve_manager_call(source, method_trailer)
            except Exception:  # resolution is best effort
                continue
            if target is None or target.kind != "manager" or target.model.label != label:
                continue
            if _sibling_call(call, caller, function) and not _reached(caller, label, ctx, depth):
                continue  # the manager's own step, in a method its model's manager never runs
            caller_ctx = ctx.replace(
                file=source, function=caller, class_node=enclosing(caller, "classdef"),
                integrity_guard=None, facts=None, inner_atomic=(),
            )  # fmt: skip
            yield ManagerCaller(caller, caller_ctx, call)


def _sibling_call(call: Node, caller: Node, function: Node) -> bool:
    """`self.<method>(…)` / `super().<method>(…)` in another method of `function`'s class."""
    base, _ = chain_parts(call.parent)
    if base.type != "name" or base.value not in ("self", "super"):
        return False
    home = enclosing(function, "funcdef", "classdef")
    return home is not None and home.type == "classdef" and enclosing(caller, "classdef") is home


def _reached(method: Node, label: str, ctx: Context, depth: int) -> bool:
    """The manager's method `method` has a production caller through the model's manager."""
    if depth >= 3:
        return False  # too deep to follow: unknown, so not counted
    return next(_calls_of(method, label, ctx, depth + 1), None) is not None


def _method_calls(source: SourceFile, name: str) -> Iterator[tuple[Node, Node]]:
    """(the `( … )` trailer, the `.name` trailer) for each `<receiver>.name(…)` of
    the file whose receiver is an expression (not a bare `.name(` in another construct)."""
    for trailer in method_trailers(source, name):
        _, trailers = chain_parts(trailer.parent)
        position = trailers.index(trailer) if trailer in trailers else -1
        if position < 0 or position + 1 >= len(trailers):
            continue
        if trailers[position + 1].children[0].value != "(":
            continue
        yield trailers[position + 1], trailer
