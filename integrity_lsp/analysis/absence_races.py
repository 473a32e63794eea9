"""Where `analysis.absence` starts: the races of one function (`races_in`), the calls it
follows (`absence_calls`), the absences a form's or serializer's validation leaves for its
other methods (`absence_validation`), and the batch inserts of rows missing from a set read
(`absence_sets`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence, Race, State, merge
from integrity_lsp.analysis.absence_callers import CallSite, Toward, call_sites, method_inserts
from integrity_lsp.analysis.absence_calls import Calls, count_body_read
from integrity_lsp.analysis.absence_sets import set_races
from integrity_lsp.analysis.absence_validation import validated_absences
from integrity_lsp.analysis.absence_walk import Walker
from integrity_lsp.analysis.absence_writes import is_lock_expression, saved_self
from integrity_lsp.syntax.nodes import Node

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

_LAST: tuple[Node, object, tuple[Race, ...]] | None = None  # three rules ask about each def


def races_in(function: Node, ctx: Context) -> tuple[Race, ...]:
    """The races of one function, or of a module's top-level code (not of the functions
    nested in it)."""
    global _LAST
    last = _LAST
    if last is not None and last[0] is function and last[1] is ctx.file:
        return last[2]
    is_module = function.type == "file_input"
    inner = ctx if is_module else ctx.replace(function=function)
    walker = Walker(function, inner, _calls_of(ctx))
    body = function if is_module else function.children[-1]
    absent = () if is_module else validated_absences(function, inner, exit_absences)
    itself = None if is_module else saved_self(function, inner)
    built = (("self", itself, None),) if itself is not None else ()
    locked = not is_module and _lock_decorated(function)
    walker.block(body, State(absent, built=built, locked=locked))
    found = tuple(walker.races)
    if not is_module and not _lock_decorated(function):
        seen = {id(race.write.node) for race in found}
        found += tuple(r for r in set_races(function, inner) if id(r.write.node) not in seen)
    _LAST = (function, ctx.file, found)
    return found


@dataclass(frozen=True)
class CallerRace:
    """A race of a caller through its call of the method checked (`absence_callers`): `race`
    is in the caller's terms, `race.write.node` the method's own insert."""

    race: Race
    site: CallSite


_CALLER_RACES: dict[int, tuple[Node, object, tuple[CallerRace, ...]]] = {}


def caller_races(function: Node, ctx: Context) -> tuple[CallerRace, ...]:
    """The races a model method's insert takes part in through its callers: a caller found
    the row absent (its own check, or the validation of `form.is_valid()`) and then called
    the method, which inserts it."""
    cached = _CALLER_RACES.get(id(function))
    if cached is not None and cached[0] is function and cached[1] is ctx.file:
        return cached[2]
    inner = ctx.replace(function=function)
    inserts = method_inserts(function, inner, _own_races)
    found: list[CallerRace] = []
    if inserts:
        count_body_read()  # what the method's callers do decides (the server must not reuse it)
    for site in call_sites(function, inner) if inserts else ():
        follower = Toward(_calls_of(ctx), site, function, inner, inserts)
        walker = Walker(site.caller, site.ctx, follower)
        entry = validated_absences(site.caller, site.ctx, exit_absences)
        walker.block(site.caller.children[-1], State(entry, locked=_lock_decorated(site.caller)))
        found.extend(CallerRace(race, site) for race in walker.races if race.through is site.call)
    if len(_CALLER_RACES) > 256:
        _CALLER_RACES.clear()
    _CALLER_RACES[id(function)] = (function, ctx.file, tuple(found))
    return tuple(found)


class _MayWalker(Walker):
    """Keeps an absence where paths meet if it holds on one of them: a validation method
    rejects the row on the paths that found it (`if email and qs.exists(): raise`), and every
    path that returns normally may be the one the insert follows."""

    def join(self, states: list[State | None]) -> State | None:
        merged = merge(states)
        if merged is None:
            return None
        absent: list[Absence] = []
        for state in states:
            for absence in state.absent if state is not None else ():
                if absence not in absent:
                    absent.append(absence)
        return replace(merged, absent=tuple(absent))


_EXITS: dict[int, tuple[Node, tuple[Absence, ...]]] = {}


def exit_absences(method: Node, ctx: Context) -> tuple[Absence, ...]:
    """The absences that hold where a method returns normally, on one of its paths."""
    cached = _EXITS.get(id(method))
    if cached is not None and cached[0] is method:
        return cached[1]
    walker = _MayWalker(method, ctx.replace(function=method), _calls_of(ctx))
    end = walker.block(method.children[-1], State())
    found: list[Absence] = []
    for state in (*walker.exits, *([end] if end is not None else [])):
        found.extend(absence for absence in state.absent if absence not in found)
    if len(_EXITS) > 256:
        _EXITS.clear()
    _EXITS[id(method)] = (method, tuple(found))
    return tuple(found)


_CALLS: list[tuple[object, Calls]] = []  # one per run: the callee files parsed once


def _calls_of(ctx: Context) -> Calls:
    if _CALLS and _CALLS[0][0] is ctx.env:
        return _CALLS[0][1]
    calls = Calls(_own_races, exit_absences)
    _CALLS[:] = [(ctx.env, calls)]
    return calls


def _own_races(function: Node, ctx: Context) -> set[tuple[int, int]]:
    """Where a function's own analysis finds races, not following its calls."""
    walker = Walker(function, ctx.replace(function=function), None)
    walker.block(function.children[-1], State())
    return {race.write.node.start_pos for race in walker.races}


def _lock_decorated(function: Node) -> bool:
    decorated = function.parent
    if decorated is not None and decorated.type == "async_funcdef":
        decorated = decorated.parent
    if decorated is None or decorated.type != "decorated":
        return False
    decorators = decorated.children[0]
    items = decorators.children if decorators.type == "decorators" else [decorators]
    return any(is_lock_expression(item) for item in items)
