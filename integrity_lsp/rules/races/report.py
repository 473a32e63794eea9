"""Messages, related locations and fixes of the race rules (IL101–IL103).

The runtime error a race produces depends on coverage: with a unique constraint the loser of the
race gets `UNIQUE constraint failed: table.column` (columns in index order), with a partial one
only where its condition holds; without one both rows are stored and later `get()` calls raise
`MultipleObjectsReturned` — which only a `get()` check suffers (`duplicates_only`).
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.lookup_coverage import covering_unique_set, exact_lookup_fields
from integrity_lsp.analysis.try_atomic import wrap_in_try_atomic
from integrity_lsp.analysis.write_relations import related_target
from integrity_lsp.analysis.writes import WriteSite, site_model
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.project.records import AUTO_FIELD_CLASSES
from integrity_lsp.rules.races.created_row import constant_when_omitted
from integrity_lsp.rules.races.fixes import (
    assigned,
    get_or_create_call,
    layout_of,
    rest_items,
    split_write,
)
from integrity_lsp.rules.races.fixes import replace_statement as replace_statement_edit
from integrity_lsp.rules.races.shapes import Query, lookup_source
from integrity_lsp.syntax.nodes import Node, code, statements

if TYPE_CHECKING:
    from integrity_lsp.project.records import ModelRecord, UniqueSet

Values = dict[str, Node | None]  # field keyword -> its value (None: filled, value not visible)


def unique_error(ctx: Context, model: ModelRecord, unique: UniqueSet) -> str:
    index = ctx.env.index
    table = index.table_name(model)
    columns = []
    for name in unique.columns_order:
        field = index.field(model, name)
        columns.append(f"{table}.{field.column if field else name}")
    return f"UNIQUE constraint failed: {', '.join(columns)}"


def race_model(ctx: Context, write: WriteSite, query: Query) -> tuple[ModelRecord | None, Values]:
    """The model the insert writes, and the lookup with the foreign key a related manager
    fills in (`self.urls.filter(language=…)` also looks up `page=self`)."""
    values: dict[str, Node | None] = {key: arg.value for key, arg in query.lookup.items()}
    model = site_model(write, ctx)
    if model is None:
        target = related_target(write, ctx)
        if target is None:
            return None, values
        model = target.model
        for name in target.fixed_fields:
            values.setdefault(name, None)
    return model, values


def _relation_keys(ctx: Context, write: WriteSite, model: ModelRecord) -> set[str]:
    """The foreign keys a related manager may fill in when which one is not known (pretix's
    `seat_category_mappings`, the related_name of two keys of one model): all of the model's
    keys, taken as written alike by both inserts."""
    target = related_target(write, ctx) if site_model(write, ctx) is None else None
    if target is None or target.fixed_fields:
        return set()
    return {name for name, f in ctx.env.index.all_fields(model).items() if f.is_foreign_key}


def coverage(
    ctx: Context, write: WriteSite, query: Query
) -> tuple[ModelRecord | None, UniqueSet | None]:
    model, values = race_model(ctx, write, query)
    if model is None:
        return None, None
    return model, covering_unique_set(ctx.env.index, model, values)


def _partial_cover(ctx: Context, model: ModelRecord, values: Values) -> UniqueSet | None:
    """A partial `UniqueConstraint` over looked-up fields whose condition the lookup does not
    pin: the loser's insert fails where the condition holds for the row."""
    exact = exact_lookup_fields(ctx.env.index, model, values)
    for unique in ctx.env.index.unique_sets(model):
        if unique.condition is not None and unique.fields and unique.fields <= exact.keys():
            return unique
    return None


_DEFAULT_MANAGER = re.compile(r"\.(objects|_default_manager|_base_manager)$")


def _one_line(source: str | None) -> str:
    """`Q(\n  type__in=(\n "a",\n ),\n)` as `Q(type__in=("a"))`."""
    text = re.sub(r"\s+", " ", source or "")
    return re.sub(r"\(\s+", "(", re.sub(r",?\s*\)", ")", text))


def duplicates_only(ctx: Context, write: WriteSite, query: Query) -> bool:
    """No unique guarantee of the (known) model can fail the second of two such inserts: both
    rows are stored, and a check that tolerates several rows (`exists()`, `first()`, `count()`,
    `update()`) keeps working. Unknown model or field set, values not all visible, a functional
    or deferred unique constraint: False."""
    return _collision(ctx, write, query) is None


def collides(ctx: Context, write: WriteSite, query: Query) -> bool:
    """A unique set of the known model that both inserts write alike: the second one fails.
    (Unknown model, field set or values: False.)"""
    found = _collision(ctx, write, query)
    return found is not None and not isinstance(found, str)


_UNKNOWN = "unknown"


def _collision(ctx: Context, write: WriteSite, query: Query) -> UniqueSet | str | None:
    """What fails the second insert besides the lookup's own coverage: a unique set both inserts
    write alike (mayan's `label="Default"` next to a looked-up `backend_path`), "unknown" when
    that cannot be told, None when nothing can."""
    model, values = race_model(ctx, write, query)
    index = ctx.env.index
    if model is None or not index.fields_known(model):
        return _UNKNOWN
    if any(r.is_unique and (r.has_expressions or r.deferrable) for r in index.constraints(model)):
        return _UNKNOWN
    written = {**{key: arg.value for key, arg in write.values.items()}, **values}
    exact = set(exact_lookup_fields(index, model, written)) | _relation_keys(ctx, write, model)
    fields = index.all_fields(model)
    auto = {name for name, f in fields.items() if f.known_class in AUTO_FIELD_CLASSES}
    for unique in index.unique_sets(model):
        if write.opaque and not unique.fields <= auto:
            return _UNKNOWN  # more may be written than is visible (a manager's `create_…()`)
        if all(
            name in exact
            or ((field := fields.get(name)) is not None and constant_when_omitted(field, unique))
            for name in unique.fields
        ):
            return unique
    return None


def race_finding(
    code_: str,
    name: str,
    ctx: Context,
    write: WriteSite,
    query: Query,
    fixes: list[Fix],
    check: str,
    *,
    at: Node | None = None,
    caller: tuple[str, str] | None = None,
    replaced: bool = False,
) -> Finding:
    """`at`: the call reaching the insert in another function, where the finding goes;
    `caller`: (the method inserting, the function that checked and called it) when the
    finding is at the insert and the check in a caller; `replaced`: the "check" is a
    `delete()` of the rows the insert puts back."""
    model, values = race_model(ctx, write, query)
    unique = covering_unique_set(ctx.env.index, model, values) if model is not None else None
    partial = _partial_cover(ctx, model, values) if model is not None and unique is None else None
    # The model's name when known, else what the insert goes through: the model expression of
    # `self.user_model.objects` (`self.user_model`), a related manager as it is (`self.urls`).
    shown = (
        write.model_text
        if write.model_text[:1].isupper()
        else _DEFAULT_MANAGER.sub("", write.receiver)
    )
    subject = f"{model.name if model else shown}({lookup_source(query.lookup)})"
    if model is not None and unique is not None:
        consequence = f"the loser raises `IntegrityError: {unique_error(ctx, model, unique)}`"
    elif model is not None and partial is not None:
        consequence = (
            f"where the partial {partial.description} applies (`{_one_line(partial.condition)}`) "
            "the "
            f"loser raises `IntegrityError: {unique_error(ctx, model, partial)}`, elsewhere both "
            "rows are stored"
        )
        unique = partial
    elif model is not None and (other := _collision(ctx, write, query)) is not None:
        if isinstance(other, str):
            consequence = "the second insert raises IntegrityError or stores a duplicate"
        else:
            consequence = (
                f"no unique constraint covers the lookup; where both write the same "
                f"{other.description} the loser raises `IntegrityError: "
                f"{unique_error(ctx, model, other)}`, else both rows are stored and later `get()` "
                "calls raise `MultipleObjectsReturned`"
            )
            unique = other
    elif model is not None:
        consequence = (
            "both rows are stored (no unique constraint covers the lookup) and later `get()` "
            "calls raise `MultipleObjectsReturned`"
        )
    else:
        consequence = "the second insert raises IntegrityError or stores a duplicate"
    method = write.method or "save"
    through = "" if at is None else f" (through `{code(at).split('(', 1)[0].strip()}()`)"
    if caller is not None:
        through = f" in `{caller[0]}()`, called by `{caller[1]}()` after the check"
    message = (
        f"Race: {check} of {subject} guards `{method}()`{through}; two concurrent requests both "
        f"pass it and both insert — {consequence}"
    )
    if replaced:
        message = (
            f"Race: {check} of {subject} then `{method}()` of the same keys{through}; two "
            "concurrent requests both delete (the second delete does not see the first's new "
            f"row) and both insert — {consequence}"
        )
    related = []
    if unique is not None:
        related.append(Location(unique.ref.path, unique.ref.span, f"{unique.description}"))
    elif model is not None:
        related.append(Location(model.ref.path, model.ref.span, f"model {model.label}"))
    return Finding(
        code=code_,
        name=name,
        message=message,
        path=ctx.file.path,
        span=Span.of(write.node if at is None else at),
        related=tuple(related),
        fixes=tuple(fixes),
    )


def write_fixes(
    ctx: Context,
    write: WriteSite,
    query: Query,
    *,
    replace_statement: Node | None,
    handler_body: Node | None,
    handler_lines: list[str] | None = None,
    awaited: bool = False,
) -> list[Fix]:
    """get_or_create replacing `replace_statement` when covered, else the try/except form.
    `awaited`: an `await`ed insert, which only `aget_or_create` can replace (`atomic()` cannot
    wrap an `await`)."""
    _, unique = coverage(ctx, write, query)
    covered = unique is not None
    positional = write.positional
    if (
        covered
        and replace_statement is not None
        and not any(arg.star for arg in query.lookup.values())  # `**name`: keys not known
        and not write.method.startswith("create_")
        and not any(
            arg.star == "*" or (arg.keyword is None and arg.star != "**") for arg in positional
        )
    ):
        lookup, rest = split_write(write, query.lookup)
        stars = [arg for arg in positional if arg.star == "**"]
        saved = write.method in ("save", "asave")
        receiver = f"{write.model_text}.objects" if saved else write.receiver
        method = "aget_or_create" if awaited else "get_or_create"
        call = get_or_create_call(
            receiver, method, lookup, rest_items(rest, stars),
            multiline=layout_of(write, replace_statement),
        )  # fmt: skip
        if awaited:
            call = f"(await {call})" if write.returned else f"await {call}"
        edit = replace_statement_edit(
            ctx.file, replace_statement, assigned(write.target, call, returned=write.returned)
        )
        return [Fix(f"Use `{write.model_text}.objects.{method}()`", Applicability.SAFE, (edit,))]
    if awaited:
        return []
    handler = handler_lines or _handler_lines(write, query, handler_body)
    applicability = Applicability.SAFE if covered else Applicability.UNSAFE
    title = "Wrap the create in `try: with transaction.atomic()` … `except IntegrityError`"
    if not covered:
        title += " (race-safe only once a unique constraint covers the lookup)"
    edits = wrap_in_try_atomic(ctx.file, write.statement, handler)
    return [Fix(title, applicability, tuple(edits))]


def _handler_lines(write: WriteSite, query: Query, handler_body: Node | None) -> list[str]:
    if handler_body is not None and statements(handler_body):
        block = "".join(statement.get_code() for statement in statements(handler_body))
        lines = textwrap.dedent(block).strip("\r\n").splitlines()
        return [line.rstrip() for line in lines]
    manager = write.receiver if write.method != "save" else f"{write.model_text}.objects"
    if write.target is not None:
        return [f"{code(write.target)} = {manager}.get({lookup_source(query.lookup)})"]
    if write.returned:
        return [f"return {manager}.get({lookup_source(query.lookup)})"]
    return ["pass"]
