"""Reads that can tell a row is absent: the query, its model and its exact keys, and what the
value a read produces says (`exists()` is a flag, `count()`/`len()` a number, `first()`/`get()` a
row or None, a queryset is truthy when it has rows, `update()` counts the rows it changed).

Keys are normalised so the same column compares equal however it is spelt: `project_id=` and
`project=` are one column, `x.pk`/`x.id` are `x`, `__exact`/`__iexact` are dropped, and `pk` is
the primary key's name once the model is known (`absence_keys.same_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from integrity_lsp.analysis.django import FILTER_METHODS, OrmCall, parse_orm_call
from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    arguments,
    chain_parts,
    links,
    normalised,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord

# What a read's value is: truthy exactly when a matching row exists, in every kind.
ReadKind = Literal["flag", "count", "row", "query", "update"]
TERMINALS: dict[str, ReadKind] = {
    "exists": "flag", "aexists": "flag",
    "count": "count", "acount": "count",
    "first": "row", "afirst": "row", "last": "row", "alast": "row",
    "update": "update", "aupdate": "update",
}  # fmt: skip
NARROWING = FILTER_METHODS | {"filter", "select_for_update", "order_by", "values", "values_list"}
FILTERING = frozenset({"filter", "get", "aget"})
DELETES = frozenset({"delete", "adelete"})
MEMBER_SUFFIX = "__in"
EQUALITY_SUFFIXES = ("__exact", "__iexact")
ABSENT_COMPARISONS = {("==", "0"), ("<", "1"), ("<=", "0")}
PRESENT_COMPARISONS = {(">", "0"), (">=", "1"), ("!=", "0")}


@dataclass(frozen=True)
class Lookup:
    """Rows of one model selected by exact keys: `Product.objects.filter(sku=sku)`, or the row
    a reverse one-to-one accessor reads (`order.invoice_address`: `InvoiceAddress(order=order)`)."""

    node: Node  # the read expression
    keys: tuple[Argument, ...]  # the keyword arguments of filter()/get(), as written
    model_text: str
    receiver: str  # the manager expression (`Product.objects`, `team.accounts`)
    manager: str
    method: str  # the read's last method (`exists`, `get`, …), "accessor" for an accessor
    orm: OrmCall | None = None
    model: ModelRecord | None = None  # known without asking the resolver (an accessor's)
    # `**name` arguments of the read (`get(permission=p, **scope)`): keys not known one by one,
    # the same ones wherever that name is splatted while it is not rebound.
    splats: tuple[Node, ...] = ()

    @property
    def arguments(self) -> dict[str, Argument]:
        return {str(arg.keyword): arg for arg in self.keys}

    @property
    def locks(self) -> bool:
        return self.orm is not None and any(
            link.name == "select_for_update" for link in self.orm.methods
        )


@dataclass(frozen=True)
class Held:
    """What a value says about a lookup's rows: truthy exactly when one exists."""

    lookup: Lookup
    kind: ReadKind
    # Read on some paths only, `None` on the others: where it is falsy the row may be absent
    # or the read was never made (`analysis.absence._merged_names`).
    partial: bool = False


def lookup_of(
    node: Node,
    index: ProjectIndex | None,
    *,
    get: bool = False,
    splats: bool = False,
    deleted: bool = False,
    members: bool = False,
) -> Held | None:
    """`M.objects.filter(k=v)[.exists()|.count()|.first()|.update(…)]` (with `get=True` also
    `….get(k=v)`; with `deleted=True` also `….delete()`, the rows it removes as a query): the
    lookup and the kind of value it gives. A `**{…}` dict literal gives its keys; with
    `splats=True` a `**name` argument is kept as `Lookup.splats` (the caller matches it by
    name), else not a lookup. With `members=True` a `k__in=values` argument is kept as a key
    (`absence_deletes` matches it against a loop over `values`)."""
    if node.type not in CALL_CHAIN_TYPES:
        return None
    orm = parse_orm_call(node, index)
    if orm is None or orm.node is not node:
        return None
    kind: ReadKind = "query"
    methods = list(orm.methods)
    last = methods[-1].name
    if last in TERMINALS:
        kind = TERMINALS[last]
        methods = methods[:-1]
    elif last in ("get", "aget") and get:
        kind = "row"
    elif last in DELETES and deleted and methods[-1].call is not None:
        methods = methods[:-1]
    elif last not in NARROWING or methods[-1].call is None:
        return None
    keys: list[Argument] = []
    splatted: list[Node] = []
    for link in methods:
        if link.call is None:
            return None
        if link.name not in NARROWING and link.name not in ("get", "aget"):
            return None
        for arg in arguments(link.call):
            if link.name not in FILTERING:
                continue  # `select_related("x")`, `order_by("-x")`: no rows left out
            entries = dict_entries(arg.value) if arg.star == "**" else None
            if entries is not None:
                keys.extend(entries)  # `filter(**{"slug": s})`: the dict literal's keys
                continue
            if splats and arg.keyword is None and arg.star == "**" and arg.value.type == "name":
                splatted.append(arg.value)
                continue
            if arg.keyword is None:
                return None  # Q objects, **kwargs: not a plain lookup
            keys.append(arg)
    if not keys or any(_key_column(_member(str(arg.keyword), members)) is None for arg in keys):
        return None
    lookup = Lookup(
        node, tuple(keys), orm.model_text, orm.receiver, orm.manager, last, orm,
        splats=tuple(splatted),
    )  # fmt: skip
    return Held(lookup, kind)


def _member(keyword: str, members: bool) -> str:
    return keyword.removesuffix(MEMBER_SUFFIX) if members else keyword


def _key_column(keyword: str) -> str | None:
    """The column a lookup keyword tests for equality, or None (`__in`, `__gt`, …)."""
    for suffix in EQUALITY_SUFFIXES:
        keyword = keyword.removesuffix(suffix)
    if "__" in keyword:
        return None
    return keyword.removesuffix("_id") if keyword not in ("pk", "id") else keyword


def column_of(keyword: str) -> str | None:
    return _key_column(keyword)


def value_text(node: Node) -> str:
    """A value's text, with `.pk`/`.id` of an instance and `await` dropped."""
    text = normalised(node)
    for suffix in (".pk", ".id"):
        if text.endswith(suffix) and len(text) > len(suffix):
            return text.removesuffix(suffix)
    return text


def chained_read(node: Node, held: Held) -> Held | None:
    """`qs.exists()`, `qs.count()`, `qs.first()` on a name already holding a queryset."""
    _, trailers = chain_parts(node)
    chain = links(trailers)
    if len(chain) != 1 or chain[0].call is None or held.kind != "query":
        return None
    kind = TERMINALS.get(chain[0].name)
    if kind is None or kind == "update":
        return None
    return Held(held.lookup, kind)


def comparison_says_absent(held: Held, operator: str, literal: str) -> bool | None:
    """Does `value <op> literal` being true mean "absent" (True), "present" (False), or
    neither (None)?"""
    if held.kind in ("count", "query", "update"):
        if (operator, literal) in ABSENT_COMPARISONS:
            return True
        if (operator, literal) in PRESENT_COMPARISONS:
            return False
    if held.kind in ("row", "flag") and literal in ("None", "False"):
        if held.kind == "flag" and literal == "None":
            return None
        if operator in ("is", "=="):
            return True
        if operator in ("isnot", "!="):
            return False
    return None
