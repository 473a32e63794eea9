"""Fixes for races in async code, where `transaction.atomic()` cannot wrap an `await`: the whole
check-then-insert becomes one atomic ORM call, when a unique constraint covers the lookup.

- `if not await qs.aexists(): await M.objects.acreate(…)` → `await M.objects.aget_or_create(…)`
- `try: return await M.objects.aget(k) except M.DoesNotExist: return await M.objects.acreate(k,
  …)` (or both bound to one name) → `return (await M.objects.aget_or_create(k, defaults=…))[0]`
- `if not await qs.filter(k).aupdate(**u): await M.objects.acreate(k, **u)` →
  `await M.objects.aupdate_or_create(k, defaults=u)`

Anything else in the `if`/`try` (other statements, `else:`, more handlers) keeps it unfixed.
"""

from __future__ import annotations

from integrity_lsp.analysis.absence import Race
from integrity_lsp.analysis.context import Context
from integrity_lsp.findings import Applicability, Fix
from integrity_lsp.rules.races.fixes import (
    get_or_create_call,
    layout_of,
    replace_statement,
    rest_items,
    split_write,
)
from integrity_lsp.rules.races.report import coverage, write_fixes
from integrity_lsp.rules.races.shapes import Query
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
    chain_parts,
    code,
    expression_of,
    keyword_arguments,
    normalised,
    statements,
    walk,
)


def async_fixes(race: Race, ctx: Context, query: Query, only_insert: bool) -> list[Fix]:
    """`only_insert`: the `if` holds the insert and nothing else (`views._only_insert_of`)."""
    origin = race.absence.origin
    via = race.absence.via
    if via == "check" and only_insert and not race.write.returned:
        replaced: Node | None = origin
    elif via == "get" and _get_then_insert_only(origin, race, query):
        replaced = origin
    elif via == "update" and only_insert and race.write.target is None:
        return _update_or_create(race, ctx, query)
    else:
        return []
    return write_fixes(
        ctx, race.write, query, replace_statement=replaced, handler_body=None, awaited=True
    )


def _get_then_insert_only(origin: Node, race: Race, query: Query) -> bool:
    """`try: <return|T => await aget(k)` `except DoesNotExist: <return|T => await acreate(k, …)`
    and nothing else, the insert spelling every key as the lookup does."""
    if origin.type != "try_stmt" or len(origin.children) != 6:
        return False  # one `except`, no `else`/`finally`
    body = statements(origin.children[2])
    handler = statements(origin.children[5])
    write = race.write
    if len(body) != 1 or len(handler) != 1 or handler[0] is not write.statement:
        return False
    read = body[0]
    if not any(node is query.node for node in walk(read)):
        return False
    first = read.children[0] if read.type == "simple_stmt" else read
    if write.returned:
        if first.type != "return_stmt":
            return False
    else:
        target = assignment_target(read)
        if (
            target is None
            or write.target is None
            or code(target).strip() != code(write.target).strip()
        ):
            return False
    lookup, _ = split_write(write, query.lookup)
    return len(lookup) == len(query.lookup)


def _update_or_create(race: Race, ctx: Context, query: Query) -> list[Fix]:
    """The hand-written async upsert as one `aupdate_or_create`, when the insert writes the
    lookup's keys and exactly the values the update sets."""
    write = race.write
    _, unique = coverage(ctx, write, query)
    update = _update_call(race.absence.lookup.node)
    if unique is None or update is None or write.positional:
        return []
    lookup, rest = split_write(write, query.lookup)
    updated = {key: normalised(arg.value) for key, arg in keyword_arguments(update).items()}
    if len(lookup) != len(query.lookup) or updated != {
        str(arg.keyword): normalised(arg.value) for arg in rest
    }:
        return []
    call = get_or_create_call(
        write.receiver, "aupdate_or_create", lookup, rest_items(rest),
        multiline=layout_of(write, race.absence.origin),
    )  # fmt: skip
    edit = replace_statement(ctx.file, race.absence.origin, f"await {call}")
    title = f"Use `{write.model_text}.objects.aupdate_or_create()`"
    return [Fix(title, Applicability.SAFE, (edit,))]


def _update_call(node: Node) -> Node | None:
    """The `( … )` of the `aupdate(…)` / `update(…)` that ends the lookup expression."""
    expression = expression_of(node) if node.type == "simple_stmt" else node
    if expression.type not in CALL_CHAIN_TYPES:
        return None
    _, trailers = chain_parts(expression)
    if len(trailers) < 2 or trailers[-1].children[0].value != "(":
        return None
    method = trailers[-2].children[1].value if trailers[-2].children[0].value == "." else ""
    return trailers[-1] if method in ("aupdate", "update") else None
