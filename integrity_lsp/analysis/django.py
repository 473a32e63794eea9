"""ORM call shapes: manager chains, lookups, writes, existence checks, exception handlers.

Everything here is structural (read from parso nodes); `model_of` is the one place that asks the
resolver which model a chain is about. Whether a lookup is covered by a database uniqueness
guarantee is `analysis.lookup_coverage`; which exceptions a handler catches,
`analysis.exception_handlers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Link,
    Node,
    arguments,
    chain_parts,
    links,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.records import ModelRecord

MANAGER_NAMES = frozenset({"objects", "_default_manager", "_base_manager"})
FILTER_METHODS = frozenset(
    {"filter", "all", "select_related", "prefetch_related", "only", "defer", "using", "order_by"}
)
QUERYSET_METHODS = FILTER_METHODS | frozenset(
    {
        "exclude", "get", "create", "get_or_create", "update_or_create", "bulk_create",
        "update", "delete", "exists", "count", "first", "last", "values", "values_list",
        "annotate", "aggregate", "in_bulk", "iterator", "distinct", "none", "select_for_update",
    }
) | frozenset(  # the async forms (Django 4.1+)
    {
        "aget", "acreate", "aget_or_create", "aupdate_or_create", "abulk_create", "aupdate",
        "adelete", "aexists", "acount", "afirst", "alast",
    }
)  # fmt: skip
CREATE_METHODS = frozenset({"create", "acreate", "create_user", "create_superuser"})
# The text of every write site holds one of these: `create(`, `bulk_create(`, `get_or_create(`,
# a manager's `create_*(…)` and `save(`. Rules about writes skip files without them.
WRITE_WORDS = ("create(", "create_", "save(")
DOES_NOT_EXIST = frozenset({"DoesNotExist", "ObjectDoesNotExist"})


@dataclass(frozen=True)
class OrmCall:
    """`<receiver>.<method>(…)…`, e.g. `Product.objects.filter(sku=s).exists()`.

    `receiver` is the manager expression (`Product.objects`, `team.members`), `model_links` the
    chain before the manager (its last name leaf is what the resolver is asked about).
    """

    node: Node
    receiver: str
    model_text: str
    model_leaf: Node | None
    manager: str
    methods: tuple[Link, ...]

    @property
    def method(self) -> str:
        return self.methods[-1].name

    @property
    def final_call(self) -> Node | None:
        return self.methods[-1].call

    def lookup(self, *, skip_last: bool = False) -> dict[str, Argument] | None:
        """The keyword lookups of `filter`/`get` steps; None when not a plain lookup."""
        found: dict[str, Argument] = {}
        for link in self.methods[:-1] if skip_last else self.methods:
            if link.name in ("filter", "get", "exists", "count", "first", "last", "all"):
                if link.call is None:
                    return None
                for arg in arguments(link.call):
                    if arg.keyword is None:
                        return None  # Q objects or **kwargs: not a plain lookup
                    found[arg.keyword] = arg
            elif link.name not in FILTER_METHODS:
                return None
        return found


def _is_manager_name(name: str, index: ProjectIndex | None) -> bool:
    if name in MANAGER_NAMES or name.endswith("_set"):
        return True
    return index is not None and name in _known_manager_names(index)


_MANAGER_NAME_CACHE: dict[tuple[int, int], tuple[frozenset[str], frozenset[str]]] = {}


def _declared_names(index: ProjectIndex) -> tuple[frozenset[str], frozenset[str]]:
    """(manager attributes, related names) declared anywhere in the project."""
    cache = _MANAGER_NAME_CACHE
    key = (id(index), index.generation)
    if key not in cache:
        managers: set[str] = set(MANAGER_NAMES)
        related_names: set[str] = set()
        for model in index.models():
            managers.update(manager.attribute for manager in model.managers)
            for field in model.fields:
                related = field.option("related_name")
                if related and related[:1] in "\"'":
                    related_names.add(related.strip("\"'"))
        cache.clear()
        cache[key] = (frozenset(managers), frozenset(related_names))
    return cache[key]


_ACCESSOR_CACHE: dict[tuple[int, int], dict[str, tuple[ModelRecord, str]]] = {}


def unique_accessors(index: ProjectIndex) -> dict[str, tuple[ModelRecord, str]]:
    """Reverse accessor -> (the model it manages, its ForeignKey or "" when several of that
    model's keys share the name), for the `related_name`s only one model of the project
    declares (`trigger_events`; never `*_set`): `x.trigger_events` is that relation's manager
    whatever `x` is — even where the model it points at is not known (a base class built by a
    function call)."""
    key = (id(index), index.generation)
    if key not in _ACCESSOR_CACHE:
        seen: dict[str, set[tuple[str, str]]] = {}
        holders: dict[str, ModelRecord] = {}
        for model in index.models():
            if model.abstract or model.proxy or index.is_builtin(model):
                continue
            holders[model.label] = model
            for field in index.all_fields(model).values():
                related = (field.option("related_name") or "").strip()
                if not field.is_foreign_key or field.is_many_to_many or related[:1] not in "\"'":
                    continue
                accessor = related[1:-1]
                if accessor.isidentifier():
                    seen.setdefault(accessor, set()).add((model.label, field.name))
        _ACCESSOR_CACHE.clear()
        _ACCESSOR_CACHE[key] = {
            # Several foreign keys of one model with the same related_name (pretix's mapping's
            # `event` and `subevent`): the model is known, which key is filled is not ("").
            name: (holders[label], field if len(entries) == 1 else "")
            for name, entries in seen.items()
            if len({label for label, _ in entries}) == 1
            for label, field in sorted(entries)[:1]
        }
    return _ACCESSOR_CACHE[key]


def _known_manager_names(index: ProjectIndex) -> frozenset[str]:
    """Manager attributes and related names declared anywhere in the project."""
    managers, related_names = _declared_names(index)
    return managers | related_names


def is_related_manager(name: str, index: ProjectIndex) -> bool:
    """`order.payments`, `team.member_set`: a reverse relation of an instance, never a manager
    declared on a model class (the receiver is then an instance, not a model class)."""
    managers, related_names = _declared_names(index)
    return name not in managers and (name.endswith("_set") or name in related_names)


def parse_orm_call(
    node: Node, index: ProjectIndex | None = None, *, also: frozenset[str] = frozenset()
) -> OrmCall | None:
    """The ORM call a `atom_expr`/`power` node is, or None. `also`: more queryset methods a
    chain may start with (`latest`, for `analysis.absence_sequences`)."""
    if node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(node)
    chain = links(trailers)
    for position, link in enumerate(chain):
        if link.name in QUERYSET_METHODS or link.name in also or link.name.startswith("create_"):
            if position == 0 or link.call is None:
                return None
            manager = chain[position - 1]
            if manager.call is not None or not _is_manager_name(manager.name, index):
                return None
            first_leaf = base.get_first_leaf()
            receiver_end = manager.name_leaf
            receiver = _text_between(first_leaf, receiver_end)
            model_leaf = chain[position - 2].name_leaf if position >= 2 else _last_leaf_of(base)
            model_text = receiver.rsplit(".", 1)[0] if "." in receiver else receiver
            return OrmCall(
                node, receiver, model_text, model_leaf, manager.name, tuple(chain[position:])
            )
    return None


def _last_leaf_of(base: Node) -> Node | None:
    leaf = base.get_last_leaf()
    return leaf if leaf.type == "name" else (leaf if leaf.value == ")" else None)


def _text_between(first: Node, last: Node) -> str:
    parts: list[str] = []
    leaf = first
    while leaf is not None:
        parts.append(leaf.value)
        if leaf is last:
            break
        leaf = leaf.get_next_leaf()
    return "".join(parts)


@dataclass(frozen=True)
class InstanceWrite:
    """`M(**kw).save()` or the constructor `M(**kw)` later saved: a create by another name."""

    node: Node  # the whole expression (`M(...).save()` or `M(...)`)
    model_text: str
    model_leaf: Node
    constructor: Node  # the `( … )` trailer


def constructor_call(node: Node) -> tuple[str, Node, Node] | None:
    """`Name(...)` or `mod.Name(...)` with a capitalised name: (text, name leaf, call trailer)."""
    if node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(node)
    if not trailers or trailers[-1].children[0].value != "(":
        return None
    names = [base, *[t.children[1] for t in trailers[:-1] if t.children[0].value == "."]]
    if len(names) != len(trailers) or any(name.type != "name" for name in names):
        return None  # something other than dotted names before the call: `(models).X(…)`
    last = names[-1]
    if last.type != "name" or not last.value[:1].isupper():
        return None
    return ".".join(n.value for n in names), last, trailers[-1]


def model_of(
    call: OrmCall | InstanceWrite, ctx: Context, manager: str | None = None
) -> ModelRecord | None:
    """The model class `call` is on. `manager`: the manager attribute the call goes through,
    when `call` does not say it (an InstanceWrite of `create()`)."""
    leaf = call.model_leaf
    if leaf is None:
        return None
    # Through a reverse relation (`self.order.payments.create(…)`) the receiver is an instance:
    # jedi, asked for the class it names, never finds one (pretix: 1,122 inferences, 43 s,
    # none found).
    manager = call.manager if isinstance(call, OrmCall) else manager
    related = manager is not None and is_related_manager(manager, ctx.env.index)
    try:
        return ctx.env.resolver.resolve_model(ctx.file, leaf, use_jedi=not related)
    except Exception:  # resolution is best effort; a rule must never crash on it
        return None


def related_model_of(call: OrmCall, ctx: Context) -> ModelRecord | None:
    """The model a read through a related manager is on (`self.votes.filter(…)` in `Email`'s
    method: the model whose foreign key declares `related_name="votes"` to `Email`), which
    `model_of` does not give: it asks what the receiver (`self`) names, an instance."""
    if not call.methods or not is_related_manager(call.manager, ctx.env.index):
        return None
    try:
        target = ctx.env.resolver.resolve_manager_call(ctx.file, call.methods[0].name_leaf.parent)
    except Exception:  # resolution is best effort; a rule must never crash on it
        return None
    return None if target is None else target.model


def constructor_call_prefix(expression: Node) -> tuple[str, Node, Node] | None:
    """For `M(…).save()`: the constructor part (text, name leaf, call trailer)."""
    base, trailers = chain_parts(expression)
    if base.type != "name" or not base.value[:1].isupper():
        return None
    names = [base.value]
    for position, trailer in enumerate(trailers):
        if trailer.children[0].value == "(":
            rest = trailers[position + 1 :]
            if len(rest) == 2 and rest[0].children[1].value == "save":
                return (
                    ".".join(names),
                    (trailers[position - 1].children[1] if position else base),
                    trailer,
                )
            return None
        names.append(trailer.children[1].value)
    return None
