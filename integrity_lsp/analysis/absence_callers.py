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

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from parso.utils import split_lines

from integrity_lsp.analysis.absence_calls import Calls, _mapped, _parameters, count_body_read
from integrity_lsp.analysis.absence_match import protected
from integrity_lsp.analysis.absence_validation import _owner_class
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.analysis.writes import WriteSite, related_target, site_model, writes_in
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
_CALLED = re.compile(r"\.\s*(\w+)\s*\(")


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
    if not params or params[0] != "self" or _model_of_method(function, ctx) is None:
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
    model = _model_of_method(function, ctx)
    if model is None:
        return
    name = str(function.name.value)
    root, settings = ctx.env.root, ctx.env.settings
    for path in _files_calling(name, ctx):
        if settings.is_test_path(path, root):
            continue
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is None or is_command_code(path, source.text, root):
            continue
        count_body_read()  # the finding depends on the callers' code
        for call in _calls_of(source, name):
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
        self._sources = calls._sources
        self._site = site
        self._target = method
        self._target_ctx = method_ctx
        self._inserts = inserts

    def inserts_through(self, node: Node, ctx: Context) -> list[WriteSite]:
        if node is not self._site.call:
            return []
        receiver, trailers = chain_parts(node)
        mapping = _parameters(self._target, trailers[-1], receiver)
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
            for a in _mapped(tuple(site.values.values()), mapping, strict=False) or ()
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


def _model_of_method(function: Node, ctx: Context) -> ModelRecord | None:
    classdef = _owner_class(function)
    module = ctx.file.module_name or ctx.env.index.module_name(ctx.file.path)
    if classdef is None or module is None:
        return None
    return ctx.env.index.model_for_class(module, str(classdef.name.value))


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


def _calls_of(source: SourceFile, name: str) -> Iterator[Node]:
    """`x.name(…)` calls of the file: the whole chain, exactly one call after the name (found
    by the text first: walking every tree of the callers' files would cost more than the
    analysis)."""
    lines = split_lines(source.text)  # parso's lines: `str.splitlines` also splits at \f
    for number, line in enumerate(lines, start=1):
        for match in re.finditer(rf"\.\s*({re.escape(name)})\s*\(", line):
            leaf = source.tree.get_leaf_for_position((number, match.end(1) - 1))
            if leaf is None or leaf.type != "name" or leaf.value != name:
                continue
            trailer = leaf.parent
            if trailer.type != "trailer" or trailer.children[0].value != ".":
                continue
            chain = trailer.parent
            _, trailers = chain_parts(chain)
            if (
                len(trailers) == 2
                and trailers[0] is trailer
                and trailers[1].children[0].value == "("
            ):
                yield chain


_NAMES: dict[Path, tuple[tuple[int, int], frozenset[str]]] = {}
_FILES: list[tuple[object, tuple[Path, ...]]] = []


def _files_calling(name: str, ctx: Context) -> Iterator[Path]:
    """The project's files with a `.name(` call; each file's called names are read once per
    content (keyed by its size and modification time)."""
    if not _FILES or _FILES[0][0] is not ctx.env:
        _FILES[:] = [(ctx.env, tuple(project_files(ctx.env.root, ctx.env.settings)))]
    if name in _CALLED.findall(ctx.file.text):
        yield ctx.file.path  # the text being checked, which may not be saved yet
    for path in _FILES[0][1]:
        if path == ctx.file.path:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        key = (stat.st_mtime_ns, stat.st_size)
        cached = _NAMES.get(path)
        if cached is None or cached[0] != key:
            text = ctx.env.read_text(path)
            cached = _NAMES[path] = (key, frozenset(_CALLED.findall(text or "")))
        if name in cached[1]:
            yield path
