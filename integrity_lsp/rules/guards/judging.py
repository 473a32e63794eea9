"""IL201's judgement of one insert: can it repeat a unique set of its model (every column
written or constant when unset, one value not a constant of the call, none fresh), and how the
message names the fields. Shared by the handler's own writes and those reached through calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from integrity_lsp.analysis.bindings import is_second_save
from integrity_lsp.analysis.bulk_objects import bulk_objects
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.fresh_values import is_fresh_value
from integrity_lsp.analysis.row_keys import copies_own_unique_value, copies_row_key
from integrity_lsp.analysis.save_fills import fields_save_fills
from integrity_lsp.analysis.unique_sets import (
    colliding_unique_set,
    column_of,
    written_fields,
)
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.project.records import ModelRecord, UniqueSet
from integrity_lsp.rules.guards.silencers import (
    model_by_accessor,
    related_owner,
    save_swallows_conflicts,
    username_argument,
)
from integrity_lsp.syntax.nodes import Argument, Node, code

CONFLICT_OPTIONS = ("ignore_conflicts", "update_conflicts")


@dataclass(frozen=True)
class Judged:
    """An insert that can repeat a unique set: which one, and the values it writes."""

    model: ModelRecord
    unique: UniqueSet
    fields: list[str]
    written: dict[str, Argument] | None
    values: list[Node]  # where the unique values come from
    names: str  # "`email` (unique)"
    columns: str  # "shop_supplier.email"


def judge(site: WriteSite, ctx: Context, seen: Callable[[Node], bool]) -> Judged | None:
    """Can the insert `site` (in `ctx`'s function) repeat a unique set of its model? `seen`:
    a value that cannot repeat across requests (a row inserted just before)."""
    if site.kind == "constructor" or is_second_save(site.node, ctx.function):
        return None
    if rolled_back(site.node):
        return None  # `with rolledback_transaction():` a preview that never commits
    if site.kind == "bulk_create" and any(
        key in site.values and code(site.values[key].value) != "False" for key in CONFLICT_OPTIONS
    ):
        return None
    model = site_model(site, ctx) or model_by_accessor(site, ctx)
    if model is None or save_swallows_conflicts(model, ctx):
        return None
    index = ctx.env.index
    origins = []  # where the values come from, beyond the written values themselves
    if site.kind == "bulk_create":
        constructed = bulk_objects(site, ctx)
        written = written_fields(index, model, constructed) if constructed is not None else None
        origins = [constructed.node.parent] if constructed is not None else []
    else:
        written = written_fields(index, model, site)
        for implied in (username_argument(site, model, ctx), related_owner(site, model, ctx)):
            if implied is not None and written is not None:
                written.setdefault(implied.keyword or "", implied)

    pk = index.pk(model)
    key = written.get(pk.name) if written is not None and pk is not None else None

    copied = {  # a nullable unique value read from a row of the model: NULL, or always fails
        id(argument.value)
        for name, argument in (written or {}).items()
        if copies_own_unique_value(argument.value, model, name, ctx)
    }

    def distinct(value: Node) -> bool:
        if id(value) in copied:
            return True
        if key is not None and value is key.value and copies_row_key(value, model, ctx):
            return True  # an existing row's key: the save updates that row
        return is_fresh_value(value, ctx) or seen(value)

    unique = colliding_unique_set(index, model, written, distinct, fields_save_fills(model, ctx))
    if unique is None:
        return None
    fields = list(unique.columns_order)
    columns = ", ".join(column_of(index, model, name) for name in fields)
    values = [written[name].value for name in fields if name in written] if written else []
    return Judged(
        model, unique, fields, written, [*values, *origins], unique_phrase(fields, written), columns
    )


def unique_phrase(fields: list[str], written: dict[str, Argument] | None) -> str:
    """ "`email` (unique)", "`label` (unique together with `aisle`)"."""
    given = [name for name in fields if written is None or name in written]
    others = [name for name in fields if name not in given]
    shown = " and ".join(f"`{name}`" for name in given)
    if others:
        return f"{shown} (unique together with {', '.join(f'`{n}`' for n in others)})"
    return f"{shown} (unique{' together' if len(given) > 1 else ''})"


def validated_input(value: Node) -> bool:
    """`form.cleaned_data["email"]`, `serializer.validated_data["code"]`: what the client sent."""
    text = code(value)
    return "cleaned_data" in text or "validated_data" in text


ROLLED_BACK = re.compile(r"roll(ed)?_?back", re.IGNORECASE)


def rolled_back(node: Node) -> bool:
    """Inside a `with` block whose context manager rolls the transaction back (pretix's
    `rolledback_transaction()`): the row is never committed, so a concurrent insert of the
    same values waits for the rollback instead of failing."""
    current = node.parent
    while current is not None and current.type not in ("funcdef", "file_input"):
        items = current.children[1:-2] if current.type == "with_stmt" else ()  # up to `:`
        if any(ROLLED_BACK.search(code(item)) for item in items):
            return True
        current = current.parent
    return False
