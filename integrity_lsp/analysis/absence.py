"""One analysis of absence and insertion per function, the race rules' single source (IL101–IL103
are three views of it).

The function's statements are walked in order with a small immutable state: which lookups the
code has just observed to find no row on the current path (`Absence`), what names hold (a
queryset, an `exists()` flag, a count, a `first()`/`get()` row: `Held`), unsaved instances
(`obj = M(…)`, their attribute assignments) and known dict literals. An `if` splits the state
by what its test says, a `try` whose `get()` fails puts the absence into its `DoesNotExist`
handlers, paths that leave (`return`, `raise`, `continue`, `break`) drop out, and where paths
join only what holds on all of them is kept. An insert (`create`/`acreate`/`create_*`,
`M(…).save()`, `obj.save()`/`asave()`, `bulk_create([M(…)])`) of a looked-up row reached while
its absence holds is a `Race`, unless a guard is in place: a `try … except IntegrityError`
around the insert, a lock taken on the path (`select_for_update()…get()`, a lock object or
decorator) or `bulk_create(ignore_conflicts=True)`. `transaction.atomic()` alone is no guard.
Calls into the project's own functions are followed by `absence_calls`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol

from integrity_lsp.analysis.absence_reads import Held, Lookup, comparison_says_absent
from integrity_lsp.syntax.nodes import Node, normalised

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence_numbers import Number
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite

# "set": `value not in {rows read}`; "sequence": a number past the rows read (`Max(…) + 1`);
# "delete": `qs.delete()` removed the rows (`absence_deletes`)
Via = Literal["check", "get", "update", "set", "sequence", "delete"]


class CallFollower(Protocol):
    """Follows calls into the project's functions (`absence_calls.Calls`)."""

    def inserts_through(self, node: Node, ctx: Context) -> list[WriteSite]: ...


@dataclass(frozen=True)
class Absence:
    """A lookup found no row: by a test of `origin` (an `if`/`while`/`assert`), by a `get()`
    failing in `origin` (a `try`), by `update()` changing no row, or left none: `origin`
    deleted its rows."""

    lookup: Lookup
    origin: Node
    via: Via
    # Names whose one binding in the function gives them the value the key already means
    # (an absence carried in from validation, `absence_validation`): binding them keeps it.
    kept: tuple[str, ...] = ()
    # Found by a test of a name that was read on some paths only (`Held.partial`): the code
    # after the test also runs, with no lookup, on the others — it cannot become one call.
    partial: bool = False


@dataclass(frozen=True)
class Race:
    write: WriteSite
    absence: Absence
    code: str  # the view that reports it: IL101, IL102 or IL103
    through: Node | None = None  # the call in this function that reaches the insert elsewhere


@dataclass(frozen=True)
class State:
    absent: tuple[Absence, ...] = ()
    names: tuple[tuple[str, Held], ...] = ()
    # Unsaved instances: (name, the insert its save would be, the absence it depends on: an
    # instance built only where a lookup found nothing, the found row elsewhere).
    built: tuple[tuple[str, WriteSite, Absence | None], ...] = ()
    dicts: tuple[tuple[str, Node], ...] = ()
    locked: bool = False
    # Names bound to `None`: falsy like a read that found no row, so a name a read binds on
    # some paths and `None` binds on the others still tells the row is absent where it is falsy.
    nones: tuple[str, ...] = ()
    # Names and `obj.field` targets holding a value derived from rows read
    # (`absence_sequences`): None for an int literal (the first number, where no row exists).
    numbers: tuple[tuple[str, Number | None], ...] = ()

    def number(self, target: str) -> Number | None:
        return next((number for bound, number in self.numbers if bound == target), None)

    def with_number(self, target: str, number: Number | None) -> State:
        kept = tuple(pair for pair in self.numbers if pair[0] != target)
        return replace(self, numbers=(*kept, (target, number)))

    def without_number(self, target: str) -> State:
        return replace(self, numbers=tuple(p for p in self.numbers if p[0] != target))

    def held(self, name: str) -> Held | None:
        return next((held for bound, held in reversed(self.names) if bound == name), None)

    def instance(self, name: str) -> WriteSite | None:
        return next((site for bound, site, _ in reversed(self.built) if bound == name), None)

    def built_where(self, name: str) -> Absence | None:
        """The absence an instance's being new depends on, if it is new on some paths only."""
        return next((when for bound, _, when in reversed(self.built) if bound == name), None)

    def dict_literals(self) -> dict[str, Node]:
        return dict(self.dicts)

    def with_absence(self, absence: Absence) -> State:
        return replace(self, absent=(*self.absent, absence))

    def bind(self, name: str, held: Held | None) -> State:
        names = tuple(pair for pair in self.names if pair[0] != name)
        return replace(self, names=names if held is None else (*names, (name, held)))

    def build(self, name: str, site: WriteSite, when: Absence | None = None) -> State:
        kept = [entry for entry in self.built if entry[0] != name]
        return replace(self, built=(*kept, (name, site, when)))

    def bind_none(self, name: str) -> State:
        return replace(self, nones=(*[n for n in self.nones if n != name], name))

    def remember_dict(self, name: str, value: Node) -> State:
        return replace(self, dicts=(*[p for p in self.dicts if p[0] != name], (name, value)))

    def forget(self, name: str) -> State:
        """`name` is rebound: nothing known through it holds any more."""
        return replace(
            self,
            absent=tuple(a for a in self.absent if name in a.kept or not _mentions(a.lookup, name)),
            names=tuple(p for p in self.names if p[0] != name and not _mentions(p[1].lookup, name)),
            built=tuple(p for p in self.built if p[0] != name),
            dicts=tuple(p for p in self.dicts if p[0] != name),
            nones=tuple(n for n in self.nones if n != name),
            numbers=tuple(p for p in self.numbers if not _number_mentions(p, name)),
        )


def _number_mentions(pair: tuple[str, Number | None], name: str) -> bool:
    target, number = pair
    if target == name or target.startswith(f"{name}."):
        return True
    return number is not None and _mentions(number.lookup, name)


def _mentions(lookup: Lookup, name: str) -> bool:
    if lookup.receiver.split(".", 1)[0] == name:
        return True
    if any(splat.value == name for splat in lookup.splats):
        return True
    for arg in lookup.keys:
        leaves = [arg.value] if arg.value.type == "name" else _names_in(arg.value)
        if any(leaf.value == name for leaf in leaves):
            return True
    return False


def _names_in(node: Node) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "name":
            found.append(current)
        stack.extend(getattr(current, "children", ()))
    return found


def merge(states: list[State | None]) -> State | None:
    """What holds after paths join: only what holds on every path that gets there."""
    live = [state for state in states if state is not None]
    if not live:
        return None
    first, rest = live[0], live[1:]
    return State(
        absent=tuple(a for a in first.absent if all(a in other.absent for other in rest)),
        names=_merged_names(live),
        built=_merged_instances(live),
        dicts=tuple(p for p in first.dicts if all(p in other.dicts for other in rest)),
        locked=all(state.locked for state in live),
        nones=tuple(n for n in first.nones if all(n in other.nones for other in rest)),
        numbers=_merged_numbers(live),
    )


def _merged_numbers(states: list[State]) -> tuple[tuple[str, Number | None], ...]:
    """A number derived from a read on one path is kept where paths join (the insert after it
    races on that path), unless another path derives another one; a literal on every path
    stays a literal."""
    merged: list[tuple[str, Number | None]] = []
    for target in dict.fromkeys(pair[0] for state in states for pair in state.numbers):
        values = [next((n for t, n in state.numbers if t == target), None) for state in states]
        derived = list(dict.fromkeys(n for n in values if n is not None))
        if len(derived) == 1:
            merged.append((target, derived[0]))
        elif not derived and all(any(t == target for t, _ in s.numbers) for s in states):
            merged.append((target, None))
    return tuple(merged)


def _merged_names(states: list[State]) -> tuple[tuple[str, Held], ...]:
    """Names that hold the same read on every path, or on some paths while the others bound
    them to `None` (`previous = None` before `if …: previous = qs.first()`, or in the `else`):
    falsy on those paths too, the name is still falsy where the row is absent. The absence a
    test of it finds holds on the paths that read; an insert after it races on those — unless
    each of them took a lock first (the merged state is locked only where every path is)."""
    merged: list[tuple[str, Held]] = []
    for pair in dict.fromkeys(p for state in states for p in state.names):
        if all(pair in state.names for state in states):
            merged.append(pair)
        elif all(pair in state.names or pair[0] in state.nones for state in states) and any(
            pair in state.names and not state.locked for state in states
        ):  # where every path that read it holds a lock, no race follows
            merged.append((pair[0], replace(pair[1], partial=True)))
    return tuple(merged)


def _merged_instances(
    states: list[State],
) -> tuple[tuple[str, WriteSite, Absence | None], ...]:
    """Instances built on every path, and those built where a lookup found nothing while the
    other paths hold the row it found (`try: obj = get() except DoesNotExist: obj = M(…)`):
    saving such an instance inserts exactly when the row was absent."""
    merged = []
    for name in dict.fromkeys(entry[0] for state in states for entry in state.built):
        entries = [next((e for e in state.built if e[0] == name), None) for state in states]
        present = [entry for entry in entries if entry is not None]
        if len(present) == len(entries) and all(entry == present[0] for entry in present):
            merged.append(present[0])
            continue
        if len(present) == len(entries) and (common := _common_instance(present)) is not None:
            merged.append(common)  # one instance, an attribute set on some paths only
            continue
        site = present[0][1]
        if any(entry[1] != site for entry in present):
            continue
        when = _absence_for(states, entries, name)
        if when is not None:
            merged.append((name, site, when))
    return tuple(merged)


def _common_instance(
    entries: list[tuple[str, WriteSite, Absence | None]],
) -> tuple[str, WriteSite, Absence | None] | None:
    """The same constructed instance on every path, its attributes set on some of them only
    (`if subject: email.subject = subject`): the values every path writes alike; the others
    unknown."""
    name, site, when = entries[0]
    if any(e[1].node is not site.node or e[2] != when for e in entries[1:]):
        return None
    values = {
        key: argument
        for key, argument in site.values.items()
        if all(e[1].values.get(key) == argument for e in entries[1:])
    }
    return name, replace(site, values=values, complete=False), when


def _absence_for(
    states: list[State], entries: list[tuple[str, WriteSite, Absence | None] | None], name: str
) -> Absence | None:
    """The one absence under which every building path built `name`, if every other path holds
    `name` as the row that lookup found."""
    when: Absence | None = None
    for state, entry in zip(states, entries, strict=True):
        if entry is None:
            continue
        candidate = entry[2] or (state.absent[-1] if state.absent else None)
        if candidate is None or (when is not None and candidate != when):
            return None
        when = candidate
    if when is None:
        return None
    for state, entry in zip(states, entries, strict=True):
        held = state.held(name)
        if entry is None and (held is None or held.lookup != when.lookup):
            return None
    return when


def split(state: State, held: Held | None, origin: Node, absent_when_true: bool | None) -> tuple[
    State, State
]:  # fmt: skip
    """(state when the test is true, state when false) for a test on `held`."""
    if held is None or absent_when_true is None:
        return state, state
    via: Via = "update" if held.kind == "update" else "check"
    if held.kind == "row" and held.lookup.method in ("get", "aget"):
        via = "get"
    absence = Absence(held.lookup, origin, via, partial=held.partial)
    if absent_when_true:
        return state.with_absence(absence), state
    return state, state.with_absence(absence)


def comparison_split(
    state: State, held: Held | None, operator: Node, literal: Node, origin: Node
) -> tuple[State, State]:
    if held is None:
        return state, state
    says = comparison_says_absent(held, normalised(operator), normalised(literal))
    return split(state, held, origin, says)
