"""The statement walk of `analysis.absence`: one function's statements in order, the state
split at tests and joined after branches, inserts judged against the absences that hold."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import (
    Absence,
    Race,
    State,
    comparison_split,
    merge,
    split,
)
from integrity_lsp.analysis.absence_accessors import (
    accessor_reads,
    catches_absence,
    related_object_reads,
)
from integrity_lsp.analysis.absence_calls import Calls
from integrity_lsp.analysis.absence_deletes import deleted, replaced_row
from integrity_lsp.analysis.absence_forms import form_of_instance, form_over, none_where_absent
from integrity_lsp.analysis.absence_is_valid import is_valid_absences
from integrity_lsp.analysis.absence_managers import managed_model, manager_expression, own_instance
from integrity_lsp.analysis.absence_match import named_after, protected, writes_looked_up_row
from integrity_lsp.analysis.absence_methods import own_read
from integrity_lsp.analysis.absence_reads import Held, chained_read, lookup_of
from integrity_lsp.analysis.absence_sequences import assigned, number_lookup, numbered, settle
from integrity_lsp.analysis.absence_writes import (
    constructed,
    inserts_in,
    is_lock_call,
    is_lock_expression,
    key_row_locked,
    race_code,
)
from integrity_lsp.analysis.bindings import is_second_save
from integrity_lsp.analysis.exception_handlers import except_clauses, handler_names
from integrity_lsp.analysis.locked_returns import returns_locked_row
from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    bound_name,
    chain_parts,
    code,
    enclosing,
    statement_of,
    statements,
    walk,
)
from integrity_lsp.syntax.source import parse_expression

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite

_SKIPPED = ("funcdef", "classdef", "decorated")


class Walker:
    def __init__(self, function: Node, ctx: Context, calls: Calls | None) -> None:
        self.function = function
        self.ctx = ctx
        self.calls = calls
        self.races: list[Race] = []
        self._reported: set[int] = set()
        self.exits: list[State] = []  # the states at the function's `return` statements
        # In a manager's method: its model, and `self` as that model's manager (`self.get(…)`
        # reads, `self.model(…)` builds, `self.create(…)` inserts).
        self.managed = managed_model(function, ctx) if function.type == "funcdef" else None

    def join(self, states: list[State | None]) -> State | None:
        """What holds where paths meet (`MayWalker`: what holds on one of them)."""
        merged = merge(states)
        return None if merged is None else settle(merged)

    # --- blocks and statements ---------------------------------------------------------------

    def block(self, suite: Node, state: State | None) -> State | None:
        body = suite.children if suite.type == "file_input" else statements(suite)
        for statement in body:
            if state is None:
                return None
            state = self.statement(statement, state)
        return state

    def statement(self, node: Node, state: State) -> State | None:
        kind = node.type
        if kind == "simple_stmt":
            for small in node.children:
                if small.type == "newline" or (small.type == "operator" and small.value == ";"):
                    continue
                next_state = self.small(small, state)
                if next_state is None:
                    return None
                state = next_state
            return state
        if kind == "async_stmt":
            return self.statement(node.children[1], state)
        if kind == "if_stmt":
            return self.if_statement(node, state)
        if kind == "try_stmt":
            return self.try_statement(node, state)
        if kind in ("for_stmt", "while_stmt"):
            return self.loop(node, state)
        if kind == "with_stmt":
            return self.with_statement(node, state)
        return state  # definitions, and statements that neither test nor insert

    def small(self, node: Node, state: State) -> State | None:
        for write, through in inserts_in(node, state, self.ctx, self.calls, self.managed):
            if write.kind == "save" and is_second_save(write.node, self.function):
                continue  # the object was saved before: an UPDATE
            target = write.target
            when = None
            if write.kind == "save" and target is not None and target.type == "name":
                when = state.built_where(target.value)  # saving an instance built earlier
            self.judge(write, state, through, when)
        removed = deleted(node, state, self.ctx)
        if removed is not None:
            state = state.with_absence(removed)
        if node.type == "return_stmt":
            self.exits.append(state)
        if node.type in ("return_stmt", "raise_stmt") or (
            node.type == "keyword" and node.value in ("continue", "break")
        ):
            return None
        if node.type == "assert_stmt" and normalised_text(node.children[1]) == "False":
            return None
        if any(is_lock_call(call) for call in _calls(node)):
            state = State(state.absent, state.names, state.built, state.dicts, True)
        if node.type == "expr_stmt":
            return self.assignment(node, state)
        return state

    def assignment(self, node: Node, state: State) -> State:
        children = node.children
        if len(children) < 3 or children[-2].type != "operator" or children[-2].value != "=":
            if len(children) >= 3 and children[1].type == "operator":
                return _forget_targets(children[0], state)  # `x += …`: rebound
            return state
        value = children[-1]
        before = state
        for target in children[:-1:2]:
            if target.type == "name":
                state = self.bind(target.value, value, state)
            elif target.type in CALL_CHAIN_TYPES:
                state = _attribute_set(target, node, state)
            else:
                state = _forget_targets(target, state)
        for target in children[:-1:2]:
            text = _number_target(target)
            if text is not None:
                state = assigned(state, text, value, self.ctx, before, self.calls)
        return state

    def _read_or_none(self, value: Node, state: State) -> Held | None:
        """`qs.first() if c else None` (or `None if c else qs.first()`): a read on one side only,
        like a name read in one branch and set to `None` in the other (`Held.partial`)."""
        if value.type != "test" or len(value.children) != 5:
            return None
        for read, other in ((value.children[0], value.children[4]),
                            (value.children[4], value.children[0])):  # fmt: skip
            if other.type == "keyword" and other.value == "None":
                held = self.held(read, state, get=True)
                return None if held is None else dataclasses.replace(held, partial=True)
        return None

    def bind(self, name: str, value: Node, state: State) -> State:
        while value.type == "atom" and value.children[0].value == "(" and len(value.children) == 3:
            value = value.children[1]  # `row = (\n    qs.first()\n)`
        if value.type == "keyword" and value.value == "None":
            held = state.held(name)
            if held is not None and held.kind == "row" and _absent(state, held):
                # `obj = None` where the row was found absent: still "absent"
                return none_where_absent(state, name, held, value)
            return state.forget(name).bind_none(name)
        either = self._read_or_none(value, state)
        if either is not None:
            return state.forget(name).bind(name, either)
        over = form_over(value, state)
        if over is not None:
            return state.forget(name).build(name, *over)
        held = self.held(value, state, get=True)
        models = frozenset(absence.lookup.model_text for absence in state.absent)
        site = constructed(value, self.ctx, models)
        if site is None and self.managed is not None:
            site = own_instance(value, self.managed)
        if site is None and self.calls is not None and state.absent:
            site = self.calls.built_through(value, self.ctx)
        state = state.forget(name)
        if held is not None:
            return state.bind(name, held)
        if site is not None:
            return state.build(name, site)
        if dict_entries(value) is not None:
            return state.remember_dict(name, value)
        return state

    # --- compound statements --------------------------------------------------------------

    def if_statement(self, node: Node, state: State) -> State | None:
        children = node.children
        outs: list[State | None] = []
        current: State | None = state
        index = 0
        while index < len(children) and current is not None:
            keyword = children[index]
            if keyword.type == "keyword" and keyword.value in ("if", "elif"):
                when_true, when_false = self.condition(children[index + 1], current, node)
                outs.append(self.block(children[index + 3], when_true))
                current = when_false
                index += 4
            elif keyword.type == "keyword" and keyword.value == "else":
                outs.append(self.block(children[index + 2], current))
                current = None
                index += 3
            else:
                index += 1
        outs.append(current)
        return self.join(outs)

    def try_statement(self, node: Node, state: State) -> State | None:
        children = node.children
        body = children[2]
        got = _first_get(body, self.ctx, self.own_read)
        body_out = self.block(body, state)
        outs: list[State | None] = []
        else_suite = _suite_after(children, "else")
        outs.append(self.block(else_suite, body_out) if else_suite is not None else body_out)
        entry = _after_assignments(body, state)
        for clause, suite in except_clauses(node):
            caught = catches_absence(handler_names(clause))
            handler_state = entry
            related = related_object_reads(body, clause, self.ctx)
            reads = [got] if got is not None else []
            if related is not None:
                reads = related  # `except X.profile.RelatedObjectDoesNotExist`: the accessor's
            elif not reads and caught:
                reads = accessor_reads(body, clause, self.ctx)
            for held, target in reads if caught else ():
                handler_state = handler_state.with_absence(Absence(held.lookup, node, "get"))
                if target is not None:
                    handler_state = handler_state.bind(target, held)
            outs.append(self.block(suite, handler_state))
        joined = self.join(outs)
        finally_suite = _suite_after(children, "finally")
        if finally_suite is not None and joined is not None:
            return self.block(finally_suite, joined)
        return joined

    def loop(self, node: Node, state: State) -> State | None:
        if node.type == "for_stmt":
            state = _forget_targets(node.children[1], state)
            body = node.children[5]
            entry = state
        else:
            entry, _ = self.condition(node.children[1], state, node)
            body = node.children[3]
        body_out = self.block(body, entry)
        return self.join([state, body_out])

    def with_statement(self, node: Node, state: State) -> State | None:
        for item in node.children[1:-2]:
            expression = item.children[0] if item.type == "with_item" else item
            if item.type == "with_item" and len(item.children) == 3:
                state = _forget_targets(item.children[2], state)
            if is_lock_expression(expression):
                state = State(state.absent, state.names, state.built, state.dicts, True)
        return self.block(node.children[-1], state)

    # --- tests ------------------------------------------------------------------------------

    def condition(self, test: Node, state: State, origin: Node) -> tuple[State, State]:
        kind = test.type
        if kind == "not_test":
            when_true, when_false = self.condition(test.children[1], state, origin)
            return when_false, when_true
        if kind == "atom" and test.children[0].value == "(" and len(test.children) == 3:
            return self.condition(test.children[1], state, origin)
        if kind in ("and_test", "or_test"):
            operands = test.children[::2]
            decided: list[State | None] = []
            current = state
            for operand in operands:
                when_true, when_false = self.condition(operand, current, origin)
                if kind == "and_test":
                    decided.append(when_false)
                    current = when_true
                else:
                    decided.append(when_true)
                    current = when_false
            joined = self.join(decided) or state
            return (current, joined) if kind == "and_test" else (joined, current)
        if kind == "namedexpr_test":
            name, value = test.children[0], test.children[2]
            state = self.bind(name.value, value, state)
            return split(state, state.held(name.value), origin, False)
        if kind == "comparison" and len(test.children) == 3:
            left, operator, right = test.children
            if left.type == "atom" and left.children[1].type == "namedexpr_test":
                named = left.children[1]
                state = self.bind(named.children[0].value, named.children[2], state)
                left = named.children[0]
            return comparison_split(state, self.held(left, state), operator, right, origin)
        validated = self.validated(test)
        if validated:
            when_valid = state
            for absence in validated:
                when_valid = when_valid.with_absence(absence)
            return when_valid, state
        return split(state, self.held(test, state), origin, False)

    def validated(self, test: Node) -> tuple[Absence, ...]:
        """`form.is_valid()`: what the form's validation rejected (`absence_is_valid`)."""
        calls = self.calls
        if calls is None or calls.exit_absences is None or "is_valid" not in code(test):
            return ()
        return is_valid_absences(test, self.function, self.ctx, calls.exit_absences)

    def held(self, node: Node, state: State, *, get: bool = False) -> Held | None:
        """What `node`'s value says about a lookup's rows, if anything."""
        if node.type == "name":
            return state.held(node.value)
        if node.type not in CALL_CHAIN_TYPES:
            return None
        base, trailers = chain_parts(node)
        if base.type == "name" and len(trailers) == 1 and base.value in ("len", "bool"):
            inner = trailers[0].children[1] if len(trailers[0].children) == 3 else None
            found = self.held(inner, state) if inner is not None else None
            if found is None or found.kind != "query":
                return None
            return Held(found.lookup, "count") if base.value == "len" else found
        if base.type == "name" and len(trailers) == 2 and state.held(base.value) is not None:
            bound = state.held(base.value)
            assert bound is not None
            return chained_read(node, bound)
        found = lookup_of(node, self.ctx.env.index, get=get, splats=True) or self.own_read(node)
        if found is None and self.calls is not None:
            # A value bound to a name is followed into this module only: reading every
            # imported helper a function assigns from doubles the time of a check.
            found = self.calls.read_through(node, self.ctx, imports=not get)
        return found

    def own_read(self, node: Node) -> Held | None:
        """`self.get(k=v)` / `self.filter(k=v).exists()` in a manager's method."""
        if self.managed is None:
            return None
        classdef = enclosing(self.function, "classdef")
        manager = parse_expression(manager_expression(classdef, self.managed))
        return own_read(node, self.managed, manager, self.ctx.env.index, in_place=True)

    # --- inserts ----------------------------------------------------------------------------

    def judge(
        self, write: WriteSite, state: State, through: Node | None, when: Absence | None = None
    ) -> None:
        if state.locked or id(write.node) in self._reported:
            return
        if protected(write, self.function, through):
            return
        dicts = state.dict_literals()
        for absence in (*state.absent, *([when] if when is not None else []))[::-1]:
            if absence.lookup.locks and absence.via != "check":
                continue
            if absence.via == "delete":  # the deleted keys in the insert's terms
                replaced = replaced_row(absence, write, self.function, self.ctx)
                if replaced is None:
                    continue
                absence, write = replaced
            if key_row_locked(absence.lookup.keys, self.function, self._returns_lock):
                continue  # the row the key points at is locked first: competitors queue
            if writes_looked_up_row(write, absence.lookup, self.ctx, dicts):
                if not write.model_text:  # an object from elsewhere: the lookup names it
                    write = named_after(write, absence.lookup, self.ctx)
                self._reported.add(id(write.node))
                # An instance new only where the row was absent, saved on every path: the
                # found row is updated, a new one inserted -- an update-or-create.
                code = "IL103" if absence is when else race_code(absence, write, through)
                self.races.append(Race(write, absence, code, through))
                return
        if through is None:
            self.judge_number(write, state)

    def _returns_lock(self, value: Node) -> bool:
        return returns_locked_row(value, self.ctx)

    def judge_number(self, write: WriteSite, state: State) -> None:
        """An insert of the next number past the rows read (`absence_sequences`)."""
        found = numbered(write, state, self.ctx, state.dict_literals(), self.calls)
        if found is None:
            return
        named, number, column, value = found
        if key_row_locked(number.lookup.keys, self.function, self._returns_lock):
            return
        self._reported.add(id(write.node))
        lookup = number_lookup(number, column, value)
        absence = Absence(lookup, statement_of(number.lookup.node), "sequence")
        self.races.append(Race(named, absence, "IL101"))


def normalised_text(node: Node) -> str:
    return "".join(node.get_code(include_prefix=False).split())


def _absent(state: State, held: Held) -> bool:
    return any(absence.lookup == held.lookup for absence in state.absent)


def _calls(node: Node) -> list[Node]:
    return [n for n in walk(node) if n.type in CALL_CHAIN_TYPES]


def _forget_targets(target: Node, state: State) -> State:
    """The names a target rebinds are forgotten: `a`, `b` of `a, b = …`, not `obj` of
    `obj.content, rest = …` (that sets an attribute of the object `obj` still names)."""
    for leaf in walk(target):
        if leaf.type == "name" and _rebound(leaf, target):
            state = state.forget(leaf.value)
    return state


def _rebound(leaf: Node, target: Node) -> bool:
    node = leaf
    while node is not target:
        node = node.parent
        if node.type == "trailer" or node.type in CALL_CHAIN_TYPES:
            return False  # `obj.x` / `d[k]` sets into an object; `obj` is not rebound
    return True


def _number_target(target: Node) -> str | None:
    """`n` or `obj.field`: a target a number is followed into (`absence_sequences`)."""
    if target.type == "name":
        return str(target.value)
    base, trailers = chain_parts(target)
    if base.type == "name" and len(trailers) == 1 and trailers[0].children[0].value == ".":
        return f"{base.value}.{trailers[0].children[1].value}"
    return None


def _attribute_set(target: Node, statement: Node, state: State) -> State:
    """`obj.field = value` on an unsaved instance: one more value its save writes."""
    from integrity_lsp.analysis.absence_writes import unknown_instance, with_attribute

    base, trailers = chain_parts(target)
    if base.type != "name" or not trailers or trailers[-1].children[0].value != ".":
        return state
    if any(trailer.children[0].value != "." for trailer in trailers):
        return state
    owner = normalised_text(target).rsplit(".", 1)[0]  # `obj`, or `self.token`
    owner = form_of_instance(owner, state)
    site = state.instance(owner)
    if site is None and len(trailers) > 1 and state.absent:
        site = unknown_instance(target)  # an object from elsewhere, keyed while a row is absent
    if site is None:
        return state
    updated = with_attribute(site, trailers[-1].children[1], statement)
    return state.build(owner, updated, state.built_where(owner))


def _after_assignments(body: Node, state: State) -> State:
    """The state entering an `except`: names the `try` body assigned may hold anything."""
    for node in walk(body):
        if node.type == "expr_stmt" and len(node.children) >= 3:
            for target in node.children[:-1:2]:
                if target.type == "name":
                    state = state.forget(target.value)
    return state


def _suite_after(children: list[Node], keyword: str) -> Node | None:
    for position, child in enumerate(children):
        if child.type == "keyword" and child.value == keyword:
            return children[position + 2]
    return None


def _first_get(
    body: Node, ctx: Context, own: Callable[[Node], Held | None]
) -> tuple[Held, str | None] | None:
    """The first `….get(k=v)` the `try` body runs (`own`: a manager's `self.get(k=v)`), and the
    name it is bound to."""
    for node in walk(body):
        if node.type in _SKIPPED:
            continue
        if node.type not in CALL_CHAIN_TYPES:
            continue
        held = lookup_of(node, ctx.env.index, get=True, splats=True) or own(node)
        if held is None or held.lookup.method not in ("get", "aget"):
            continue
        return held, bound_name(node)
    return None
