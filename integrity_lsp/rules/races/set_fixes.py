"""Fixes for the batch races (`analysis.absence_sets`: a value `not in` the rows read, then
inserted), one per way the batch inserts.

- `bulk_create(rows)` → `bulk_create(rows, ignore_conflicts=True)`: a row another run inserted
  meanwhile is skipped instead of failing the whole batch. Offered only where nothing reads the
  new rows afterwards: the call's result is dropped, and `rows` is only built (`[]`, a
  comprehension of new instances, `rows.append(M(…))`) and inserted. Unsafe all the same: every
  unique conflict is skipped, not only this race's, the instances get no primary key, and
  MySQL/MariaDB's `INSERT IGNORE` turns some other errors (a value too long) into warnings.
- a `create()` per missing value → the create wrapped in `try: with transaction.atomic()` …
  `except IntegrityError:`, where the loser skips the row (or re-gets it into the name the
  create was bound to, or returns it) — as a serial run would have found it; a create whose
  row is used inside its own statement (`rows.append(M.objects.create(…))`) gets none. Safe
  where a unique constraint covers the value tested; IL103 (the rows found are updated) loses
  the loser's values: unsafe.
"""

from __future__ import annotations

import dataclasses

from integrity_lsp.analysis.absence import Race
from integrity_lsp.analysis.absence_antijoins import appended_to, own_nodes
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Applicability, Edit, Fix, Span
from integrity_lsp.rules.races.report import write_fixes
from integrity_lsp.rules.races.shapes import Query
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
    chain_parts,
    expression_of,
    is_return,
)

BATCHES = frozenset({"bulk_create", "abulk_create"})
IGNORE = "ignore_conflicts=True"


def set_fixes(race: Race, ctx: Context, query: Query, *, awaited: bool) -> list[Fix]:
    write = race.write
    if write.method in BATCHES:
        if ctx.function is None or not _rows_used_nowhere_else(write, ctx.function):
            return []  # code reads the new rows (their pk) after the insert: skipping breaks it
        edit = _added_keyword(write.call, ctx)
        if edit is None:
            return []
        title = (
            f"Skip rows a concurrent run inserted: `{write.method}(…, {IGNORE})` "
            "(the instances then get no primary key)"
        )
        return [Fix(title, Applicability.UNSAFE, (edit,))]
    if awaited or write.kind != "create" or write.method.startswith("create_"):
        return []  # `atomic()` cannot wrap an `await`; a manager's create_… may do more
    statement = write.statement
    if expression_of(statement) is not write.node:
        return []  # the new row is used inside the statement: the loser would skip that use
    target, returned = assignment_target(statement), is_return(statement)
    bound = dataclasses.replace(write, target=target, returned=returned)
    fixes = write_fixes(ctx, bound, query, replace_statement=None, handler_body=None)
    if race.code == "IL103":
        # the loser skips or re-gets the winner's row: its own values are not written
        return [dataclasses.replace(fix, applicability=Applicability.UNSAFE) for fix in fixes]
    return fixes


def _rows_used_nowhere_else(write: WriteSite, function: Node) -> bool:
    """The batch's result is dropped and its instances live only in the list it inserts:
    `rows = []` / `rows = [M(…) for …]`, `rows.append(M(…))`, `bulk_create(rows)` and no other
    use of `rows` (nor a name the instances are bound to) in the function."""
    statement = write.statement
    if expression_of(statement) is not write.node or len(write.positional) != 1:
        return False
    if assignment_target(statement) is not None or is_return(statement):
        return False  # the inserted rows are handed on
    given = write.positional[0].value
    if given.type != "name":
        return False
    for leaf in own_nodes(function):
        if leaf.type != "name" or leaf.value != given.value or leaf is given:
            continue
        if leaf.is_definition():
            if not _fresh_list(leaf.parent.children[-1]):
                return False
            continue
        appended = appended_to(leaf.parent)
        if appended is None or not _is_call(appended[1]):
            return False
    return True


def _fresh_list(value: Node) -> bool:
    """`[]`, or a comprehension building a new instance per item."""
    if value.type != "atom" or value.children[0].value != "[":
        return False
    if len(value.children) == 2:
        return True
    inner = value.children[1]
    return (
        inner.type == "testlist_comp"
        and inner.children[-1].type == "sync_comp_for"
        and _is_call(inner.children[0])
    )


def _is_call(node: Node) -> bool:
    _, trailers = chain_parts(node)
    return (
        node.type in CALL_CHAIN_TYPES and bool(trailers) and trailers[-1].children[0].value == "("
    )


def _added_keyword(call: Node, ctx: Context) -> Edit | None:
    """`, ignore_conflicts=True` right after the call's last argument (before a trailing
    comma, so a one-per-line layout stays valid)."""
    if len(call.children) != 3:
        return None
    inner = call.children[1]
    items = (
        [c for c in inner.children if c.type != "operator"] if inner.type == "arglist" else [inner]
    )
    if not items or any(item.get_code().lstrip().startswith("**") for item in items):
        return None  # options passed through `**kwargs` may already hold the keyword
    end = items[-1].end_pos
    return Edit(ctx.file.path, Span(end[0], end[1], end[0], end[1]), f", {IGNORE}")
