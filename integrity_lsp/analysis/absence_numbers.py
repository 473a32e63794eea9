"""Numbers derived from rows read, for `absence_sequences`: a read of a column's largest value
(`qs.aggregate(Max("n"))["n__max"]`, a named aggregate or `.get(…)` of it), of the row holding
it (`qs.latest("n")`, `qs.order_by("-n").first()`, `qs.last()`, then `.n`), of the rows' count,
a queryset of exact keys bound to a name on the way, and the next number: one of them `+` a
positive literal (`(… or 0) + 1`, `… + 1 if last else 1`). `through` follows a call into the
project function that returns one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from integrity_lsp.analysis.absence_reads import Lookup, column_of
from integrity_lsp.analysis.django import FILTER_METHODS, parse_orm_call
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Link,
    Node,
    arguments,
    chain_parts,
    links,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

# ("call": a project function's result, followed only where an insert writes it.)
Kind = Literal["query", "max", "row", "count", "next", "call"]
READS = frozenset({"aggregate", "latest", "earliest", "alatest", "aearliest", "aaggregate"})
_NARROWING = FILTER_METHODS | {"exclude", "select_for_update", "values"}
_ROW_READS = ("first", "last", "afirst", "alast", "latest", "earliest", "alatest", "aearliest")
_MAX_FUNCTIONS = ("Max", "models.Max")


@dataclass(frozen=True)
class Number:
    """A value derived from a read of `lookup`'s rows: `column` is the field it stands for
    (None for a count or a queryset: the field it is written to)."""

    lookup: Lookup
    column: str | None
    kind: Kind
    locked: bool = False  # read with select_for_update()


Through = Callable[[Node, "Context"], Number | None]  # a call's returned number, if any
Names = Callable[[str], Number | None]  # what a name holds (`absence.State.number`)


def number_of(
    node: Node, ctx: Context, names: Names, through: Through | None = None
) -> Number | None:
    """`node` as a value derived from rows read: a read, a name bound to one, or the next
    number (`… + 1`); `through`: also the number a project function returns."""
    node = unwrapped(node)
    if node.type == "name":
        return names(node.value)
    if node.type == "arith_expr" and len(node.children) == 3 and node.children[1].value == "+":
        left, _, right = node.children
        base = left if _positive_literal(right) else right if _positive_literal(left) else None
        found = _value(base, ctx, names, through) if base is not None else None
        if found is None or found.kind not in ("max", "count"):
            return None
        return replace(found, kind="next")
    if node.type == "or_test" and len(node.children) == 3 and int_literal(node.children[2]):
        found = number_of(node.children[0], ctx, names, through)  # `… or 0`: no row yet
        return found if found is not None and found.kind in ("max", "count") else None
    if node.type == "test" and len(node.children) == 5:  # `a.n + 1 if a else 1`
        sides = [number_of(node.children[i], ctx, names, through) for i in (0, 4)]
        nexts = [side for side in sides if side is not None and side.kind == "next"]
        literal = [c for c in (node.children[0], node.children[4]) if int_literal(c)]
        return nexts[0] if len(nexts) == 1 and literal else None
    if node.type in CALL_CHAIN_TYPES:
        found = _chain(node, ctx, names)
        if found is None and through is not None:
            found = through(node, ctx)
        return found
    return None


def _value(node: Node, ctx: Context, names: Names, through: Through | None = None) -> Number | None:
    """A number `+ 1` continues: a maximum or a count (`(… or 0)` too), or a column of the row
    holding the largest value (`last.n`)."""
    node = unwrapped(node)
    if node.type in CALL_CHAIN_TYPES:
        base, trailers = chain_parts(node)
        if base.type == "name" and len(trailers) == 1 and trailers[0].children[0].value == ".":
            row = names(base.value)
            if row is not None and row.kind == "row":  # `last.n`
                return _column_of_row(row, trailers[0].children[1].value)
    found = number_of(node, ctx, names, through)
    return found if found is not None and found.kind in ("max", "count") else None


def _column_of_row(row: Number, column: str) -> Number | None:
    if row.column is not None and row.column != column:
        return None  # ordered by another column: not its largest value
    return replace(row, column=column, kind="max")


def _chain(node: Node, ctx: Context, names: Names) -> Number | None:
    base, trailers = chain_parts(node)
    held = names(base.value) if base.type == "name" else None
    if held is not None and held.kind == "query":
        return _continued(held, links(trailers), trailers, node)
    orm = parse_orm_call(node, ctx.env.index, also=READS)
    if orm is None or orm.node is not node:
        return None
    lookup = Lookup(
        node, (), orm.model_text, orm.receiver, orm.manager, orm.methods[-1].name, orm
    )  # the keys are read by `_continued`
    return _continued(Number(lookup, None, "query"), list(orm.methods), trailers, node)


def _continued(held: Number, chain: list[Link], trailers: list[Node], node: Node) -> Number | None:
    """The rows `held` selects narrowed by `chain`, and what its last steps read (`node`)."""
    keys = list(held.lookup.keys)
    locked = held.locked
    descending: bool | None = None
    for position, link in enumerate(chain):
        if link.name in _NARROWING and link.call is not None:
            if link.name == "filter" and not _exact_keys(link.call, keys):
                return None
            if link.name == "order_by":
                descending = _descending(link.call)
            locked = locked or link.name == "select_for_update"
            continue
        rest = chain[position + 1 :]
        lookup = replace(held.lookup, node=node, keys=tuple(keys), method=link.name)
        if link.call is None:
            return None
        if link.name in ("count", "acount") and not rest:
            return Number(lookup, None, "count", locked)
        if link.name in ("aggregate", "aaggregate"):
            column = _aggregated(link.call, rest, trailers)
            return None if column is None else Number(lookup, column, "max", locked)
        if link.name in _ROW_READS:
            order = _row_order(link, descending)
            if order is False:
                return None
            number = Number(lookup, order or None, "row", locked)
            if not rest:
                return number
            if len(rest) == 1 and rest[0].call is None and trailers[-1].children[0].value == ".":
                return _column_of_row(number, rest[0].name)
        return None
    return Number(replace(held.lookup, keys=tuple(keys)), None, "query", locked)


def _exact_keys(call: Node, keys: list[Argument]) -> bool:
    for arg in arguments(call):
        if arg.keyword is None or column_of(arg.keyword) is None:
            return False  # Q objects, `**kwargs`, `__gt`: not the rows of exact keys
        keys.append(arg)
    return True


def _descending(call: Node) -> bool | None:
    fields = [normalised(arg.value).strip("'\"") for arg in arguments(call)]
    if len(fields) != 1 or not fields[0]:
        return None
    return fields[0].startswith("-")


def _row_order(link: Link, descending: bool | None) -> str | Literal[False]:
    """The column a row read takes the largest of ("" when not said), False when it is not
    the largest: `first()` only after `order_by("-n")`, `earliest()` only of `"-n"`."""
    fields = [normalised(arg.value) for arg in arguments(link.call)]
    name = link.name.removeprefix("a")
    if name in ("latest", "earliest"):
        if len(fields) > 1 or any(not f.startswith(("'", '"')) for f in fields):
            return False
        field = fields[0].strip("'\"") if fields else ""
        if name == "earliest" and not field.startswith("-"):
            return False
        if name == "latest" and field.startswith("-"):
            return False
        return field.lstrip("-")
    if name == "first" and descending is not True:
        return False
    if name == "last" and descending is True:
        return False
    return ""


def _aggregated(call: Node, rest: list[Link], trailers: list[Node]) -> str | None:
    """`aggregate(Max("n"))["n__max"]`, `aggregate(m=Max("n"))["m"]` or `.get(…)` of it:
    the column whose largest value is read."""
    args = arguments(call)
    if len(args) != 1 or args[0].star or args[0].value.type not in CALL_CHAIN_TYPES:
        return None
    function, inner = chain_parts(args[0].value)
    name = normalised(function) + "".join(normalised(t) for t in inner[:-1])
    if name not in _MAX_FUNCTIONS or not inner or inner[-1].children[0].value != "(":
        return None
    fields = arguments(inner[-1])
    if len(fields) != 1 or fields[0].keyword or normalised(fields[0].value)[:1] not in "'\"":
        return None
    column = normalised(fields[0].value).strip("'\"")
    if "__" in column:
        return None
    key = args[0].keyword or f"{column}__max"
    last = trailers[-1]
    if rest and (len(rest) != 1 or rest[0].name != "get" or rest[0].call is None):
        return None
    subscript = arguments(rest[0].call)[0].value if rest else None
    if not rest and last.children[0].value == "[":
        subscript = last.children[1]
    if subscript is None or normalised(subscript).strip("'\"") != key:
        return None
    return column


def unwrapped(node: Node) -> Node:
    while node.type == "atom" and node.children[0].value == "(" and len(node.children) == 3:
        node = node.children[1]
    return node


def int_literal(node: Node) -> bool:
    node = unwrapped(node)
    return node.type == "number" and str(node.value).isdigit()


def _positive_literal(node: Node) -> bool:
    return int_literal(node) and int(unwrapped(node).value) > 0
