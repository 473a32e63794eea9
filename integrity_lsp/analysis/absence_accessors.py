"""A reverse one-to-one accessor read in a `try` (`settings = self.email_settings`,
`ia = order.invoice_address`) whose `except …DoesNotExist` runs when the row is missing: the
lookup it stands for is the holder model's row whose one-to-one field is the instance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_reads import Held, Lookup
from integrity_lsp.analysis.django import DOES_NOT_EXIST
from integrity_lsp.analysis.exception_handlers import except_clauses, handler_names
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    bound_name,
    chain_parts,
    code,
    enclosing,
    expression_of,
    statements,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import FieldRecord, ModelRecord

ONE_TO_ONE = ("OneToOneField", "ParentalOneToOneField")
CATCH_ALL = frozenset({"BaseException", "Exception"})


def accessor_reads(body: Node, clause: Node, ctx: Context) -> list[tuple[Held, str | None]]:
    """The first statement of a `try` body reading `name.accessor`, as lookups (one per model
    the accessor can belong to), and the name it is bound to."""
    body_statements = statements(body)
    if not body_statements or body_statements[0].type != "simple_stmt":
        return []
    first = body_statements[0]
    value = expression_of(first)
    if value.type not in CALL_CHAIN_TYPES:
        return []
    base, trailers = chain_parts(value)
    if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != ".":
        return []
    accessor = trailers[0].children[1].value
    small = first.children[0]
    target = None
    if small.type == "expr_stmt" and small.children[0].type == "name":
        target = small.children[0].value
    reads = []
    for holder, field in _relations(base, accessor, clause, ctx):
        lookup = Lookup(
            value, (Argument(field.name, base),), holder.name, f"{holder.name}.objects",
            "objects", "accessor", None, holder,
        )  # fmt: skip
        reads.append((Held(lookup, "row"), target))
    return reads


RELATED_MISSING = "RelatedObjectDoesNotExist"


def related_object_reads(
    body: Node, clause: Node, ctx: Context
) -> list[tuple[Held, str | None]] | None:
    """For `except Device.config.RelatedObjectDoesNotExist:` (the exception of one accessor),
    the read of that accessor in the `try` (`config = device.config`) as lookups: the handler
    runs where that row is missing, not where an earlier `get()` failed. None when the clause
    names no such exception; [] when it also catches others (then neither is known to hold)."""
    accessors = []
    plain = False
    for node in _caught_expressions(clause):
        text = code(node).strip()
        parts = text.split(".")
        if parts[-1] == RELATED_MISSING and len(parts) >= 3:
            accessors.append(parts[-2])
        else:
            plain = True
    if not accessors:
        return None
    if plain or len(set(accessors)) != 1:
        return []
    accessor = accessors[0]
    for node in walk(body):
        if node.type not in CALL_CHAIN_TYPES:
            continue
        base, trailers = chain_parts(node)
        if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != ".":
            continue
        if trailers[0].children[1].value != accessor:
            continue
        target = bound_name(node)
        relations = _narrowed(_relations(base, accessor, clause, ctx), clause, ctx)
        return [
            (Held(_accessor_lookup(node, base, holder, field), "row"), target)
            for holder, field in relations
        ]
    return []


def _narrowed(
    relations: list[tuple[ModelRecord, FieldRecord]], clause: Node, ctx: Context
) -> list[tuple[ModelRecord, FieldRecord]]:
    """The fields pointing at the model the clause names before the accessor (`Device` in
    `Device.config.RelatedObjectDoesNotExist`), where that model and their targets are known."""
    expressions = _caught_expressions(clause)
    if len(expressions) != 1 or len(relations) < 2:
        return relations
    _, trailers = chain_parts(expressions[0])
    if len(trailers) < 2:
        return relations
    leaf = trailers[-3].children[1] if len(trailers) >= 3 else chain_parts(expressions[0])[0]
    try:
        owner = ctx.env.resolver.resolve_model(ctx.file, leaf, use_jedi=False)
    except Exception:  # resolution is best effort
        owner = None
    if owner is None:
        return relations
    kept = [(h, f) for h, f in relations if (f.related_model or "") == owner.label]
    return kept or relations


def _caught_expressions(clause: Node) -> list[Node]:
    if clause.type != "except_clause" or len(clause.children) < 2:
        return []
    target = clause.children[1]
    if target.type == "atom" and target.children[0].value == "(":
        inner = target.children[1]
        if inner.type == "testlist_comp":
            return [child for child in inner.children if child.type != "operator"]
        return [inner]
    return [target]


def _accessor_lookup(value: Node, base: Node, holder: ModelRecord, field: FieldRecord) -> Lookup:
    return Lookup(
        value, (Argument(field.name, base),), holder.name, f"{holder.name}.objects",
        "objects", "accessor", None, holder,
    )  # fmt: skip


def returned_accessor(returned: Node, ctx: Context) -> Held | None:
    """`return device.devicelocation[.location]` as the only statement of a `try` whose every
    handler catching the row's absence (`except ObjectDoesNotExist: return None`) returns a
    falsy value: the helper's result is falsy whenever the row is missing (and may be when an
    attribute read after it is empty), so its falsy branch includes the absence. One model
    only (several holders of the accessor: unknown)."""
    statement = returned.parent
    suite = statement.parent if statement is not None else None
    try_stmt = suite.parent if suite is not None and suite.type == "suite" else None
    if try_stmt is None or try_stmt.type != "try_stmt" or try_stmt.children[2] is not suite:
        return None
    if statements(suite) != [statement] or len(returned.children) != 2:
        return None
    value = returned.children[1]
    if value.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(value)
    if base.type != "name" or not trailers or any(t.children[0].value != "." for t in trailers):
        return None  # a call or an index after the accessor: not a plain attribute read
    clauses = [(clause, block) for clause, block in except_clauses(try_stmt)]
    catching = [(c, b) for c, b in clauses if catches_absence(handler_names(c))]
    if not catching or not all(_returns_falsy(block) for _, block in catching):
        return None
    relations = _relations(base, trailers[0].children[1].value, catching[0][0], ctx)
    if len(relations) != 1:
        return None
    holder, field = relations[0]
    lookup = Lookup(
        value, (Argument(field.name, base),), holder.name, f"{holder.name}.objects",
        "objects", "accessor", None, holder,
    )  # fmt: skip
    return Held(lookup, "row")


def catches_absence(caught: list[str]) -> bool:
    """An `except` that runs when a row is missing (`DoesNotExist`, `ObjectDoesNotExist`,
    `RelatedObjectDoesNotExist`, or everything)."""
    return any(
        name in DOES_NOT_EXIST or name in CATCH_ALL or name.endswith("DoesNotExist")
        for name in caught
    )


def _returns_falsy(block: Node) -> bool:
    body = statements(block)
    if not body or body[-1].type != "simple_stmt":
        return False
    last = body[-1].children[0]
    if last.type == "keyword" and last.value == "return":
        return True
    if last.type != "return_stmt":
        return False
    value = last.children[1]
    return value.type == "keyword" and value.value in ("None", "False")


def _relations(
    base: Node, accessor: str, clause: Node, ctx: Context
) -> list[tuple[ModelRecord, FieldRecord]]:
    """The one-to-one fields read back as `accessor`, narrowed without asking jedi (slow on
    instances): to the model the handler names (`except InvoiceAddress.DoesNotExist`), or for
    `self` to fields pointing at the enclosing class. Several may stay: the insert's keys then
    pick the one it writes."""
    candidates = _one_to_one_accessors(ctx).get(accessor, ())
    if not candidates:
        return []
    named = _models_named_in(clause, ctx)
    if named:
        return [(holder, field) for holder, field in candidates if holder.label in named]
    if base.value == "self":
        classdef = enclosing(base, "classdef")
        owner = classdef.name.value if classdef is not None else None
        return [
            (holder, field)
            for holder, field in candidates
            if (field.related_model or "").rsplit(".", 1)[-1] == owner
        ]
    return list(candidates)


def _models_named_in(clause: Node, ctx: Context) -> set[str]:
    """Labels of the models whose `DoesNotExist` an `except` clause names."""
    labels = set()
    for node in walk(clause):
        if node.type not in CALL_CHAIN_TYPES:
            continue
        holder_leaf, trailers = chain_parts(node)
        if not trailers or trailers[-1].children[-1].value != "DoesNotExist":
            continue
        leaf = trailers[-2].children[1] if len(trailers) >= 2 else holder_leaf
        try:
            holder = ctx.env.resolver.resolve_model(ctx.file, leaf, use_jedi=False)
        except Exception:  # resolution is best effort
            holder = None
        if holder is not None:
            labels.add(holder.label)
    return labels


Relations = dict[str, tuple[tuple["ModelRecord", "FieldRecord"], ...]]
_ACCESSORS: dict[tuple[int, int], Relations] = {}


def _one_to_one_accessors(ctx: Context) -> Relations:
    """Reverse accessor name -> the one-to-one fields read back by it (once per index)."""
    index = ctx.env.index
    key = (id(index), index.generation)
    if key not in _ACCESSORS:
        found: dict[str, list[tuple[ModelRecord, FieldRecord]]] = {}
        for holder in index.models():
            if holder.abstract:
                continue
            for field in index.all_fields(holder).values():
                if field.known_class in ONE_TO_ONE:
                    found.setdefault(_accessor_of(holder, field), []).append((holder, field))
        _ACCESSORS.clear()
        _ACCESSORS[key] = {name: tuple(pairs) for name, pairs in found.items()}
    return _ACCESSORS[key]


def _accessor_of(holder: ModelRecord, field: FieldRecord) -> str:
    related = field.option("related_name")
    if related and related[:1] in "\"'":
        return related.strip("\"'")
    return holder.name.lower()
