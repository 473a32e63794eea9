"""Sequence numbers, a view of `analysis.absence` (IL101): a number derived from a read of the
rows it continues (`absence_numbers`: `Max(…) + 1`, `latest("n").n + 1`, `count() + 1`) is a
value no row of the read holds yet, so an insert of the same model that writes it with the
read's keys inserts a row the read found absent. Two writers read the same rows and insert the
same number; where a unique set covers the keys and the number, the loser raises
IntegrityError (`rules/races/sequence_report`).

The number may be set on one path only (`except DoesNotExist: n = 0`: a literal where no row
exists races the same way) into a name, a keyword of the insert or an attribute of the
instance saved (`self.number = …` before `super().save()`, `obj.number = …` on an instance
handed in, whose model is then the read's); where paths join, a number derived on one of them
is kept: the insert races on that path. A project function returning the next number is
followed one call deep. A read with `select_for_update()` is not judged, nor an insert a `try
… except IntegrityError` or a lock guards (`absence_walk.judge`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from integrity_lsp.analysis.absence_arguments import mapped
from integrity_lsp.analysis.absence_match import (
    lookup_model,
    lookup_relation,
    writes_looked_up_row,
)
from integrity_lsp.analysis.absence_numbers import Number, int_literal, number_of
from integrity_lsp.analysis.absence_reads import Lookup, column_of
from integrity_lsp.analysis.absence_writes import unknown_instance
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Argument, Node, chain_parts
from integrity_lsp.syntax.source import parse_expression

if TYPE_CHECKING:
    from collections.abc import Mapping

    from integrity_lsp.analysis.absence import State
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite


class NumberCalls(Protocol):
    """Resolves a call to the project function it runs (`absence_calls.Calls.callee`)."""

    def callee(self, node: Node, ctx: Context) -> tuple[Node, dict[str, Node], Context] | None: ...


def _through(calls: NumberCalls | None) -> Callable[[Node, Context], Number | None] | None:
    if calls is None:
        return None
    return lambda node, ctx: number_through(node, ctx, calls)


def assigned(
    state: State,
    target: str,
    value: Node,
    ctx: Context,
    before: State,
    calls: NumberCalls | None = None,
) -> State:
    """`target = value` (a name or `obj.field`): what it holds afterwards. Evaluated in the
    state `before` the assignment (`n = n + 1` is not `n`'s read). A call's result is kept
    unread: the function it runs is read only where an insert writes it (`_resolved`)."""
    number = number_of(value, ctx, before.number)
    if number is None and calls is not None and _is_call(value):
        pending = Lookup(value, (), "", "", "", "call")
        return state.with_number(target, Number(pending, None, "call"))
    if number is None and int_literal(value):
        return state.with_number(target, None)  # the first number, where no row exists
    if number is None:
        return state.without_number(target)
    state = state.with_number(target, number)
    return settle(state) if number.kind == "next" else state


def settle(state: State) -> State:
    """An instance handed in (`def add_revision(self, revision)`) whose field gets the next
    number: saving it inserts a row of the read's model (`absence_walk`'s attribute
    assignments add its other values)."""
    for target, number in state.numbers:
        owner = target.rpartition(".")[0]
        if number is None or number.kind != "next" or not owner or "." in owner:
            continue
        if owner == "self" or state.instance(owner) is not None:
            continue
        state = state.build(owner, unknown_instance(number.lookup.node))
    return state


def numbered(
    write: WriteSite,
    state: State,
    ctx: Context,
    dicts: Mapping[str, Node],
    calls: NumberCalls | None = None,
) -> tuple[WriteSite, Number, str, Node] | None:
    """The next number this insert writes with the read's keys, if any: (the write, named
    after the read's model where its own is unknown; the number; its column; its value)."""
    for column, number, value in _candidates(write, state, ctx, calls):
        if number.locked or number.kind != "next":
            continue
        if number.column is not None and number.column != column:
            continue
        named = write
        if not write.model_text:  # an instance handed in: the model of the rows it continues
            relation = lookup_relation(number.lookup, ctx)
            model = relation.model if relation is not None else lookup_model(number.lookup, ctx)
            if model is None:
                continue
            receiver = f"{model.name}.objects"
            named = replace(write, model_text=model.name, receiver=receiver, model=model)
        if writes_looked_up_row(named, number.lookup, ctx, dicts):
            return named, number, column, value
    return None


def _candidates(
    write: WriteSite, state: State, ctx: Context, calls: NumberCalls | None
) -> list[tuple[str, Number, Node]]:
    found: list[tuple[str, Number, Node]] = []
    for key, argument in write.values.items():
        column = column_of(key)
        number = (
            number_of(argument.value, ctx, state.number, _through(calls))
            if column is not None
            else None
        )
        if column is not None and number is not None:
            found.append((column, number, argument.value))
    owner = _owner(write)
    for target, held in state.numbers:
        prefix, _, field = target.rpartition(".")
        number = _resolved(held, ctx, calls) if owner is not None and prefix == owner else None
        if number is not None:
            found.append((field, number, number.lookup.node))
    return found


def _resolved(number: Number | None, ctx: Context, calls: NumberCalls | None) -> Number | None:
    """A call's result, read now that an insert writes it."""
    if number is None or number.kind != "call":
        return number
    return number_through(number.lookup.node, ctx, calls) if calls is not None else None


def _is_call(node: Node) -> bool:
    if node.type not in CALL_CHAIN_TYPES:
        return False
    trailers = chain_parts(node)[1]
    return bool(trailers) and trailers[-1].children[0].value == "("


def _owner(write: WriteSite) -> str | None:
    """The name of the instance a `save()` inserts (`self` for `super().save()`)."""
    if write.method not in ("save", "asave") or write.node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(write.node)
    if base.type == "name" and base.value == "super" and len(trailers) == 3:
        return "self"
    if base.type == "name" and len(trailers) == 2:
        return str(base.value)
    return None


def number_lookup(number: Number, column: str, value: Node) -> Lookup:
    """The read's lookup with the number as one more key: the row it found absent."""
    key = Argument(column, value, "", None)
    return replace(number.lookup, keys=(*number.lookup.keys, key))


def number_through(node: Node, ctx: Context, calls: NumberCalls) -> Number | None:
    """The next number a project function returns (`self.next_number()`,
    `next_position(board)`), its read in the caller's terms: the callee's parameters become
    the call's arguments, the owner of a related manager (`self.chapters` in the callee) the
    key it fills in (`book=<the caller's receiver>`). Followed one call deep."""
    found = calls.callee(node, ctx)
    if found is None:
        return None
    callee, mapping, callee_ctx = found
    bound: dict[str, Number | None] = {}
    for name, value in _simple_assignments(callee):
        bound[name] = number_of(value, callee_ctx, bound.get)
    numbers: list[Number] = []
    for value in _returned(callee):
        if int_literal(value) or (value.type == "keyword" and value.value == "None"):
            continue
        number = number_of(value, callee_ctx, bound.get)
        if number is None or number.kind != "next":
            return None  # another value: not one number's function
        numbers.append(number)
    if not numbers or any(number != numbers[0] for number in numbers):
        return None
    return _in_caller_terms(numbers[0], node, mapping, callee_ctx)


def _in_caller_terms(
    number: Number, call: Node, mapping: dict[str, Node], callee_ctx: Context
) -> Number | None:
    lookup = number.lookup
    keys = mapped(lookup.keys, mapping, strict=True) if lookup.keys else ()
    if keys is None:
        return None
    relation = lookup_relation(lookup, callee_ctx)
    model = relation.model if relation is not None else lookup_model(lookup, callee_ctx)
    if model is None:
        return None
    if relation is not None:
        owner = lookup.receiver.rsplit(".", 1)[0]
        if len(relation.fixed_fields) != 1 or owner == lookup.receiver:
            return None
        fixed = Argument(relation.fixed_fields[0], parse_expression(owner), "", None)
        owner_key = mapped((fixed,), mapping, strict=True)
        if owner_key is None:
            return None
        keys = (*keys, *owner_key)
    manager = f"{model.name}.objects"
    method = lookup.method
    translated = Lookup(call, tuple(keys), model.name, manager, "objects", method, model=model)
    return replace(number, lookup=translated)


def _simple_assignments(function: Node) -> list[tuple[str, Node]]:
    """`name = value` statements of a function's body, in order (not in nested definitions)."""
    found: list[tuple[str, Node]] = []
    stack = [function.children[-1]]
    while stack:
        current = stack.pop()
        if current.type in ("funcdef", "classdef", "lambdef"):
            continue
        if current.type == "expr_stmt" and len(current.children) == 3:
            target = current.children[0]
            if target.type == "name" and current.children[1].value == "=":
                found.append((str(target.value), current.children[2]))
            continue
        stack.extend(reversed(getattr(current, "children", ())))
    return found


def _returned(function: Node) -> list[Node]:
    found: list[Node] = []
    stack = [function.children[-1]]
    while stack:
        current = stack.pop()
        if current.type in ("funcdef", "classdef", "lambdef"):
            continue
        if current.type == "return_stmt":
            if len(current.children) < 2:
                return [current]  # a bare `return`: None
            found.append(current.children[1])
            continue
        stack.extend(reversed(getattr(current, "children", ())))
    return found
