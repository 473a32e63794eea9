"""Calls into the project's own functions, followed one level by `analysis.absence`, both ways:
a helper that returns a lookup's result (`if not self.has_member(user):` → `return
self.members.filter(user=user).exists()`, or `get()` … `except DoesNotExist: return None`, also
through a local name bound only to those (`x = ….get(…)` / `x = None` / `return x`), or a
reverse one-to-one accessor read the same way: `try: return device.devicelocation` …), and
a helper that inserts on the caller's absence path (`self._create(x)` → `M.objects.create(k=x)`).

The callee is a function of the same module, a method of the enclosing class (`self.x(…)`,
`cls.x(…)`), or a function imported from a project module. Its parameters are replaced by the
call's arguments; a value built from anything else is dropped, so it never matches by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_accessors import returned_accessor
from integrity_lsp.analysis.absence_arguments import mapped, parameters
from integrity_lsp.analysis.absence_attached import top_level
from integrity_lsp.analysis.absence_match import protected
from integrity_lsp.analysis.absence_methods import method_call, own_creates, own_read
from integrity_lsp.analysis.absence_reads import Held, lookup_of
from integrity_lsp.analysis.absence_writes import constructed
from integrity_lsp.analysis.block_inserts import writes_in
from integrity_lsp.analysis.django import model_of
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    chain_parts,
    enclosing,
    expression_of,
    walk,
)
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence_validation import ExitAbsences
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord

_DEFINITIONS = ("funcdef", "classdef", "lambdef")
# How many times a function's analysis has read another function's body. The server reuses a
# top-level statement's findings only if checking it read none (analysis.walker).
_BODIES_READ = [0]


def bodies_read() -> int:
    return _BODIES_READ[0]


def count_body_read() -> None:
    """A rule's finding depends on code outside the statement checked (IL104's callers)."""
    _BODIES_READ[0] += 1


_FALSY = ("None", "False")
# How many calls deep a read is followed: a helper returning a helper's answer is common (a
# model method delegating to its manager); deeper chains are rare and cost a parse each.
_READ_DEPTH = 3


class Calls:
    """Resolves calls to project functions, with each callee file parsed once per run."""

    def __init__(
        self,
        own_races: Callable[[Node, Context], set[tuple[int, int]]],
        exit_absences: ExitAbsences | None = None,
    ) -> None:
        # The last callee resolved, if a manager's method (`Pin.objects.is_pinned(…)`): the
        # model its `self` reads and the caller's manager expression.
        self._manager: tuple[ModelRecord, Node] | None = None
        self._own_races = own_races  # where a helper's own analysis finds races
        # The absences a method leaves where it returns (`absence_races.exit_absences`): what
        # a form's validation says on the true branch of `form.is_valid()`.
        self.exit_absences = exit_absences

    def read_through(
        self, node: Node, ctx: Context, *, imports: bool = True, depth: int = 1
    ) -> Held | None:
        """What a helper's return value says about a lookup's rows, in the caller's terms
        (`imports`: also of a function imported from another module). A helper that returns
        another helper's answer is followed too, up to `_READ_DEPTH` calls deep
        (`doc.is_checked_out()` → `Checkout.objects.is_checked_out(document=self)` →
        `self.filter(document=document).exists()`)."""
        found = self._callee(node, ctx, imports=imports)
        if found is None:
            return None
        callee, mapping, callee_ctx = found
        managed, self._manager = self._manager, None
        read: Held | None = None
        returned: list[tuple[Node, Node | None]] = []
        for statement in _returns(callee):
            value = expression_of(statement) if len(statement.children) > 1 else None
            bound = _bound_values(callee, value) if value is not None else None
            returned.extend((statement, one) for one in (bound if bound is not None else [value]))
        for statement, value in returned:
            if value is None or (value.type == "keyword" and value.value in _FALSY):
                continue
            held = (
                lookup_of(value, callee_ctx.env.index, get=True)
                or returned_accessor(statement, callee_ctx)
                or (own_read(value, *managed, callee_ctx.env.index) if managed else None)
                or (
                    self.read_through(value, callee_ctx, imports=imports, depth=depth + 1)
                    if depth < _READ_DEPTH
                    else None
                )
            )
            if held is None or read is not None:
                return None  # two different results: not one lookup's answer
            read = held
        if read is None:
            return None
        keys = mapped(read.lookup.keys, mapping, strict=True)
        if keys is None:
            return None
        lookup = read.lookup
        model = lookup.model or (model_of(lookup.orm, callee_ctx) if lookup.orm else None)
        return Held(replace(lookup, keys=keys, node=node, model=model), read.kind)

    def inserts_through(self, node: Node, ctx: Context) -> list[WriteSite]:
        """The inserts a helper performs, with the caller's values where they came from."""
        found = self._callee(node, ctx, inserts=True)
        if found is None:
            return []
        callee, mapping, callee_ctx = found
        managed, self._manager = self._manager, None
        own = self._own_races(callee, callee_ctx)  # the helper's own races, reported there
        sites = []
        written = writes_in(callee.children[-1], callee_ctx.env.index)
        if managed is not None:  # a manager's method: its `self.create(…)` too
            written = [*written, *own_creates(callee, managed[0])]
        for site in written:
            if protected(site, callee, None) or site.node.start_pos in own:
                continue  # guarded, or the helper's own check-then-insert (reported there)
            values = mapped(tuple(site.values.values()), mapping, strict=False)
            if values is None:
                continue
            values_by_key = {str(arg.keyword): arg for arg in values}
            sites.append(replace(site, values=values_by_key, model=site_model(site, callee_ctx)))
        return sites

    def built_through(self, node: Node, ctx: Context) -> WriteSite | None:
        """An unsaved instance a helper of this module builds and returns
        (`dashboard = get_default_dashboard()` → `d = Dashboard(…); …; return d`)."""
        found = self._callee(node, ctx, imports=False)
        if found is None:
            return None
        callee, mapping, callee_ctx = found
        returns = _returns(callee)
        if len(returns) != 1 or len(returns[0].children) != 2:
            return None
        value = returns[0].children[1]
        if value.type == "name":
            value = _last_assigned(callee, value.value)
        site = constructed(value, callee_ctx) if value is not None else None
        if site is None:
            return None
        values = mapped(tuple(site.values.values()), mapping, strict=False) or ()
        return replace(
            site,
            values={str(arg.keyword): arg for arg in values},
            model=site_model(site, callee_ctx),
            complete=False,
        )

    def callee(self, node: Node, ctx: Context) -> tuple[Node, dict[str, Node], Context] | None:
        """The project function a call runs, its parameters in the caller's terms, and the
        context to read it in (`absence_sequences.number_through`)."""
        found = self._callee(node, ctx, mixins=True)
        self._manager = None
        return found

    # --- resolution ---------------------------------------------------------------------

    def _callee(
        self,
        node: Node,
        ctx: Context,
        *,
        imports: bool = True,
        inserts: bool = False,
        mixins: bool = False,
    ) -> tuple[Node, dict[str, Node], Context] | None:
        if node.type not in CALL_CHAIN_TYPES:
            return None
        base, trailers = chain_parts(node)
        if not trailers or trailers[-1].children[0].value != "(" or base.type != "name":
            return None
        call = trailers[-1]
        manager = None
        if len(trailers) == 1:
            callee, callee_ctx = self._function(base.value, ctx, imports)
            bound: Node | None = None
        elif len(trailers) == 2 and base.value in ("self", "cls"):
            callee, callee_ctx = self._method(node, trailers[0].children[1].value, ctx)
            bound = base
        elif imports and (method := method_call(node, ctx, self._source, mixins=mixins)):
            if inserts and method.reported_at_callee:
                return None
            callee, bound = method.function, method.bound
            callee_ctx = ctx.replace(
                file=method.source, function=callee, class_node=enclosing(callee, "classdef")
            )
            if method.manager_of is not None and bound is not None:
                manager = (method.manager_of, bound)
        else:
            return None
        if callee is None or callee_ctx is None:
            return None
        _BODIES_READ[0] += 1
        self._manager = manager
        mapping = parameters(callee, call, bound)
        return None if mapping is None else (callee, mapping, callee_ctx)

    def _function(
        self, name: str, ctx: Context, imports: bool
    ) -> tuple[Node | None, Context | None]:
        local = top_level(ctx.file.tree, "funcdef", name)
        if local is not None or not imports:
            return local, ctx
        imported = ctx.env.resolver.import_table(ctx.file).lookup(name)
        if imported is None:
            return None, None
        module, attribute = imported
        if attribute is None:
            return None, None
        source = self._source(module, ctx)
        if source is None:
            return None, None
        found = top_level(source.tree, "funcdef", attribute)
        return found, (ctx.replace(file=source, function=found) if found is not None else None)

    def _method(self, node: Node, name: str, ctx: Context) -> tuple[Node | None, Context | None]:
        classdef = enclosing(node, "classdef")
        if classdef is None:
            return None, None
        for child in classdef.children[-1].children:
            definition = child.children[-1] if child.type == "decorated" else child
            if definition.type == "async_funcdef":
                definition = definition.children[-1]
            if definition.type == "funcdef" and definition.name.value == name:
                return definition, ctx
        return None, None

    def _source(self, module: str, ctx: Context) -> SourceFile | None:
        """A project module, from the parse cache the other analyses share (bounded, and
        refreshed when the file's content changes): following methods reads model and
        manager modules, and a copy of each kept per run cost pretix +300 MiB."""
        path = ctx.env.index.path_for_module(module)
        return None if path is None else project_source(path, ctx)


def _last_assigned(function: Node, name: str) -> Node | None:
    """The value last assigned to `name` in the function body (not in nested definitions)."""
    value = None
    for statement in walk(function.children[-1]):
        if statement.type in _DEFINITIONS:
            continue
        if statement.type == "expr_stmt" and len(statement.children) == 3:
            target = statement.children[0]
            if target.type == "name" and target.value == name:
                value = statement.children[2]
    return value


def _bound_values(function: Node, value: Node) -> list[Node] | None:
    """For `return exam`: every value the function binds to `exam`, when each binding is a plain
    `exam = …` in its body (`try: exam = cls.objects.get(…)` / `except cls.DoesNotExist: exam =
    None`); None when the name is bound any other way (a parameter, a loop, `with … as`, an
    augmented or unpacking assignment, a global), so the helper is read as before."""
    if value.type != "name":
        return None
    name = value.value
    parameters = function.children[2]
    if any(leaf.type == "name" and leaf.value == name for leaf in walk(parameters)):
        return None
    found: list[Node] = []
    stack = [function.children[-1]]
    while stack:
        current = stack.pop()
        if current.type in _DEFINITIONS:
            continue
        if current.type == "name" and current.value == name:
            if current.is_definition():
                statement = current.parent
                if (
                    statement.type != "expr_stmt"
                    or len(statement.children) != 3
                    or statement.children[0] is not current
                    or statement.children[1].type != "operator"
                    or statement.children[1].value != "="
                ):
                    return None
                found.append(statement.children[2])
            elif current.parent is not None and current.parent.type == "global_stmt":
                return None
        stack.extend(getattr(current, "children", ()))
    return found or None


def _returns(function: Node) -> list[Node]:
    found = []
    stack = [function.children[-1]]
    while stack:
        current = stack.pop()
        if current.type in _DEFINITIONS:
            continue
        if current.type == "return_stmt":
            found.append(current)
            continue
        stack.extend(getattr(current, "children", ()))
    return found
