"""The caller's side of a call carried into the callee (reverse call-following, for
`absence_races.caller_races`): a model method that inserts a row with values taken from its
parameters and `self` (`def vote_up(self, user): self.votes.create(user=user, …)`) races
where a caller found that row absent before calling it — by its own check, or by the
validation `form.is_valid()` ran (`absence_is_valid`).

The callers are the calls `name.method(…)` in the project's production code (not tests,
commands or migrations) whose receiver resolves statically to an instance of the method's
model or of a model inheriting it (`review = get_object_or_404(ProductReview, …)`). Each one
is walked as `analysis.absence` walks any function, with that call followed into the
method's inserts: the insert's values in the caller's terms (`self` is the receiver, a
parameter the caller's argument, the foreign key a related manager fills in the receiver).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_arguments import mapped, parameters
from integrity_lsp.analysis.absence_attached import attached_to
from integrity_lsp.analysis.absence_calls import Calls, count_body_read
from integrity_lsp.analysis.absence_match import protected
from integrity_lsp.analysis.absence_validation import _owner_class
from integrity_lsp.analysis.block_inserts import writes_in
from integrity_lsp.analysis.called_names import calls_of, files_calling
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.write_relations import related_target
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.syntax.nodes import Argument, Node, chain_parts, code, enclosing
from integrity_lsp.syntax.source import is_command_code

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord
    from integrity_lsp.syntax.source import SourceFile

# A model's own persistence and validation: Django calls them, not the project's callers.
NOT_FOLLOWED = frozenset(
    {"save", "delete", "clean", "full_clean", "validate_unique", "refresh_from_db", "__init__"}
)


@dataclass(frozen=True)
class CallSite:
    caller: Node  # the calling function
    ctx: Context  # the caller's
    call: Node  # `review.vote_up(request.user)`


def method_inserts(
    function: Node, ctx: Context, own_races: Callable[[Node, Context], set[tuple[int, int]]]
) -> list[WriteSite]:
    """The inserts of a model method that its callers may race on: not guarded there, not the
    method's own check-then-insert (`own_races`: reported there)."""
    if function.type != "funcdef" or function.name.value in NOT_FOLLOWED:
        return []
    params = [param.name.value for param in function.get_params()]
    if not params or params[0] != "self" or _method_of(function, ctx) is None:
        return []
    sites = [
        site
        for site in writes_in(function.children[-1], ctx.env.index)
        if not protected(site, function, None)
    ]
    own = own_races(function, ctx) if sites else set()
    return [site for site in sites if site.node.start_pos not in own]


def call_sites(function: Node, ctx: Context) -> Iterator[CallSite]:
    """The production calls of a model method on an instance of its model (or a subclass)."""
    method = _method_of(function, ctx)
    if method is None:
        return
    model, name = method
    root, settings = ctx.env.root, ctx.env.settings
    for path in files_calling(name, ctx):
        if settings.is_test_path(path, root):
            continue
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is None or is_command_code(path, source.text, root):
            continue
        count_body_read()  # the finding depends on the callers' code
        for call in calls_of(source, name):
            caller = enclosing(call, "funcdef")
            if caller is None or caller is function:
                continue
            base = chain_parts(call)[0]
            if not _instance_of(base, source, model, ctx):
                continue
            classdef = enclosing(caller, "classdef")
            caller_ctx = ctx.replace(
                file=source, function=caller, class_node=classdef, integrity_guard=None,
                facts=None, inner_atomic=(),
            )  # fmt: skip
            yield CallSite(caller, caller_ctx, call)


class Toward(Calls):
    """Follows the one call of a `CallSite` into the method's inserts, in the caller's terms;
    reads through other calls as `Calls` does, inserts through them are not followed."""

    def __init__(
        self,
        calls: Calls,
        site: CallSite,
        method: Node,
        method_ctx: Context,
        inserts: list[WriteSite],
    ) -> None:
        super().__init__(calls._own_races, calls.exit_absences)
        self._site = site
        self._target = method
        self._target_ctx = method_ctx
        self._inserts = inserts

    def inserts_through(self, node: Node, ctx: Context) -> list[WriteSite]:
        if node is not self._site.call:
            return []
        receiver, trailers = chain_parts(node)
        mapping = parameters(self._target, trailers[-1], receiver)
        if mapping is None:
            return []
        return [
            moved
            for site in self._inserts
            if (moved := self._in_caller_terms(site, receiver, mapping)) is not None
        ]

    def _in_caller_terms(
        self, site: WriteSite, receiver: Node, mapping: dict[str, Node]
    ) -> WriteSite | None:
        values = {
            str(a.keyword): a
            for a in mapped(tuple(site.values.values()), mapping, strict=False) or ()
        }
        model = site_model(site, self._target_ctx)
        parts = "".join(site.receiver.split()).split(".")
        text = site.receiver
        if parts[0] == "self":
            text = ".".join([code(receiver), *parts[1:]])
            target = related_target(site, self._target_ctx) if len(parts) == 2 else None
            if target is not None:
                # `self.votes.create(…)`: the related manager fills in `review=self`.
                model = target.model
                for field in target.fixed_fields:
                    values.setdefault(field, Argument(field, receiver, "", receiver))
        elif parts[0][:1].islower():
            return None  # a manager reached through a local of the method: unknown
        return replace(site, values=values, receiver=text, model=model)


def _method_of(function: Node, ctx: Context) -> tuple[ModelRecord, str] | None:
    """The model whose method `function` is, and the name callers call it by: a method of
    the model's class, or a function attached to it by `add_to_class`."""
    classdef = _owner_class(function)
    if classdef is None:
        return attached_to(function, ctx)
    module = ctx.file.module_name or ctx.env.index.module_name(ctx.file.path)
    if module is None:
        return None
    model = ctx.env.index.model_for_class(module, str(classdef.name.value))
    return None if model is None else (model, str(function.name.value))


def _instance_of(base: Node, source: SourceFile, model: ModelRecord, ctx: Context) -> bool:
    """Is `base` (a name) an instance of `model` or of a model inheriting it?"""
    if base.type != "name" or base.value in ("self", "cls"):
        return False
    try:
        held = ctx.env.resolver.resolve_instance(source, base, use_jedi=False)
    except Exception:  # resolution is best effort
        return False
    if held is None:
        return False
    index = ctx.env.index
    return any(
        record.module == model.module and record.name == model.name
        for record in (held, *index.ancestors(held))
    )
