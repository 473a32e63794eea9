"""IL101–IL103 as three views of `analysis.absence`: each rule reports the races of a function
that the analysis files under its code. The fix is the one the shape's rewriter offers for that
insert (`get_or_create` / `update_or_create` for the plain shapes), else the insert wrapped in
`try: with transaction.atomic()` … `except IntegrityError` with a re-get of the winner's row."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator

from integrity_lsp.analysis.absence import Race
from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_races import caller_races, races_in
from integrity_lsp.analysis.bindings import inserted_before
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.new_rows import self_inserted_by_callers
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Applicability, Finding, Fix, Location, Span
from integrity_lsp.rules.races.async_fixes import async_fixes
from integrity_lsp.rules.races.fixes import split_write
from integrity_lsp.rules.races.locked_rows import callers_lock
from integrity_lsp.rules.races.report import (
    collides,
    duplicates_only,
    race_finding,
    write_fixes,
)
from integrity_lsp.rules.races.seeded_lookup import seeded_by_migration
from integrity_lsp.rules.races.sequence_report import sequence_finding
from integrity_lsp.rules.races.set_fixes import set_fixes
from integrity_lsp.rules.races.shapes import Query
from integrity_lsp.rules.races.uncontended_lookup import command_only, in_run_python
from integrity_lsp.rules.races.validation_fixes import validation_fixes
from integrity_lsp.syntax.nodes import (
    Argument,
    Node,
    code,
    enclosing,
    normalised,
    statement_of,
    statements,
    walk,
)

ShapeCheck = Callable[[Node, Context], Iterable[Finding]]
ASYNC_INSERTS = frozenset({"acreate", "asave", "abulk_create"})
SELF_KEYS = frozenset({"self", "self.pk", "self.id"})
CHECKS = {
    "check": "an existence check",
    "get": "`get()` … `except DoesNotExist`",
    "update": "an `update()` that changed no row",
    "set": "a set difference with the rows read (`not in`, `exclude()`)",
    "sequence": "a number derived from the rows read (`Max(…) + 1`)",
    "delete": "a `delete()`",
}


def view_findings(
    function: Node, ctx: Context, code: str, name: str, shape_fixes: ShapeCheck | None
) -> Iterator[Finding]:
    if ctx.integrity_guard is not None:
        return
    for race in races_in(function, ctx):
        if race.code != code:
            continue
        if race.absence.via == "sequence":
            found = _sequence_finding(race, function, ctx, code, name)
            if found is not None:
                yield found
            continue
        if race.absence.via != "get" and duplicates_only(ctx, race.write, query_of(race)):
            continue  # `exists()`/`first()`/`update()` tolerate the duplicate: nothing fails
        if race.absence.via == "delete" and not collides(ctx, race.write, query_of(race)):
            continue  # a replaced row collides only on a unique set the model is known to have
        inner = ctx if function.type == "file_input" else ctx.replace(function=function)
        if command_only(inner):
            continue  # reached from management commands or scripts alone
        if in_run_python(inner):
            continue  # a migration's RunPython code kept outside `migrations/`: runs once, alone
        if seeded_by_migration(inner, race.write, query_of(race)):
            continue  # a data migration inserted the row looked for: the check finds it
        if holds_new_row(race, function, inner):
            continue  # the lookup pins a row this function inserted: no one else holds it
        if callers_lock(function, inner):
            continue  # every caller took a lock first, in its open transaction: writers queue
        elsewhere = _checked_elsewhere(race, function)
        if race.absence.via == "set":
            fixes = set_fixes(race, inner, query_of(race), awaited=_is_async(race.write))
        elif race.absence.via == "delete":
            fixes = []  # a lock on the owner or an upsert: which one is the author's choice
        elif race.write.call is None:
            # a form's save() over a row looked up (`absence_forms`): re-getting would bind a
            # row to the form's name
            fixes = []
        elif elsewhere:
            fixes = validation_fixes(race, function, inner)
        else:
            fixes = _fixes(race, inner, shape_fixes)
        check = CHECKS[race.absence.via] + (f" in `{elsewhere}()`" if elsewhere else "")
        yield race_finding(
            code, name, inner, race.write, query_of(race), fixes, check,
            at=race.through, replaced=race.absence.via == "delete",
        )  # fmt: skip
    if function.type == "funcdef":
        yield from caller_findings(function, ctx, code, name)


def _sequence_finding(
    race: Race, function: Node, ctx: Context, code: str, name: str
) -> Finding | None:
    """A sequence number's race (`sequence_report`), under the same policy as the others."""
    inner = ctx if function.type == "file_input" else ctx.replace(function=function)
    if command_only(inner) or in_run_python(inner) or holds_new_row(race, function, inner):
        return None
    return sequence_finding(code, name, inner, race, query_of(race))


def caller_findings(function: Node, ctx: Context, code: str, name: str) -> Iterator[Finding]:
    """A model method's insert that a caller's check raced (`caller_races`), reported at the
    insert: the message names the check and the caller, the related locations the call."""
    inner = ctx.replace(function=function)
    reported: set[int] = set()
    for found in caller_races(function, ctx):
        race, site = found.race, found.site
        if race.code != code or id(race.write.node) in reported:
            continue  # one finding per insert, naming its first racing caller
        query = query_of(race)
        if race.absence.via != "get" and duplicates_only(inner, race.write, query):
            continue
        if race.absence.via == "delete" and not collides(inner, race.write, query):
            continue
        caller = _qualified(site.caller)
        elsewhere = _checked_elsewhere(race, site.caller)
        check = CHECKS[race.absence.via] + (f" in `{elsewhere}()`" if elsewhere else "")
        write = race.write
        fixes = []
        if write.target is None and not write.returned and write.call is not None:
            # The loser's row is the winner's: nothing to re-get, nothing to hand back.
            fixes = write_fixes(inner, write, query, replace_statement=None, handler_body=None)
        finding = race_finding(
            code, name, inner, write, query, fixes, check,
            caller=(str(function.name.value), caller), replaced=race.absence.via == "delete",
        )  # fmt: skip
        call = Location(site.ctx.file.path, Span.of(site.call), f"`{caller}()` calls it here")
        reported.add(id(race.write.node))
        yield dataclasses.replace(finding, related=(*finding.related, call))


def _with_owner(query: Query, write: WriteSite) -> Query:
    """A lookup through a related manager (`product.stock_levels.filter(warehouse=w)`) also
    selects its owner: the insert's key naming that owner joins the lookup."""
    owner = "".join(query.receiver.split()).rsplit(".", 1)[0]
    if owner == "".join(query.receiver.split()):
        return query
    for key, argument in write.values.items():
        if key not in query.lookup and normalised(argument.value) == owner:
            return dataclasses.replace(query, lookup={**query.lookup, key: argument})
    return query


def _qualified(function: Node) -> str:
    classdef = enclosing(function, "classdef")
    prefix = f"{classdef.name.value}." if classdef is not None else ""
    return f"{prefix}{function.name.value}"


def holds_new_row(race: Race, function: Node, ctx: Context) -> bool:
    """Does the lookup pin a row the function inserted before the check (`email.save()`,
    then `Attachment.objects.filter(email=email, counter=n).exists()`)? Only this call knows
    that row, so no concurrent caller can look up — or insert — the same key. Also `self` /
    `self.pk` in a method every call of which is on a row its caller has just inserted
    (`new_rows.self_inserted_by_callers`)."""
    lookup = race.absence.lookup
    before = statement_of(lookup.node)
    if any(inserted_before(argument.value, function, before, ctx) for argument in lookup.keys):
        return True
    if not any(normalised(argument.value) in SELF_KEYS for argument in lookup.keys):
        return False
    count_body_read()  # the answer now depends on other files (the server must not reuse it)
    return function.type == "funcdef" and self_inserted_by_callers(function, ctx)


def _checked_elsewhere(race: Race, function: Node) -> str | None:
    """The method whose check this is, when another one's (a form's `clean_email()`): the
    insert then gets the validation's own error as its fix, or none (`validation_fixes`)."""
    method = enclosing(race.absence.origin, "funcdef")
    if method is None or method is function:
        return None
    return str(method.name.value)


def query_of(race: Race) -> Query:
    """The race's lookup as the rules read it, with the owner of a related manager the insert
    names (`self.profiles.get(event=e)` inserted as `SpeakerProfile(event=e, user=self)`)."""
    lookup = race.absence.lookup
    arguments = {
        **lookup.arguments,
        **{f"**{s.value}": Argument(None, s, "**") for s in lookup.splats},
    }
    query = Query(lookup.node, lookup.model_text, lookup.receiver, arguments, lookup.orm)
    return _with_owner(query, race.write)


def _fixes(race: Race, ctx: Context, shape_fixes: ShapeCheck | None) -> list[Fix]:
    if race.through is not None:
        return []  # the insert is in another function: its fix belongs there
    origin = race.absence.origin
    partial = race.absence.partial  # a path with no lookup runs the insert too
    if _is_async(race.write):  # one atomic ORM call replacing the whole check, when covered
        if partial:
            return []  # no one call can stand for a check some paths never made
        only = _only_insert_of(origin, race, vias=("check", "update"))
        return async_fixes(race, ctx, query_of(race), only)
    span = Span.of(race.write.node)
    if shape_fixes is not None and origin.type in ("if_stmt", "try_stmt") and not partial:
        for finding in shape_fixes(origin, ctx):
            if finding.span == span:
                return list(finding.fixes)
    replace = origin if _only_insert_of(origin, race) and not partial else None
    handler = None
    if race.absence.via == "update":  # the winner inserted the row: update it after all
        handler = [code(race.absence.lookup.node).strip()]
    fixes = write_fixes(
        ctx, race.write, query_of(race), replace_statement=replace, handler_body=None,
        handler_lines=handler,
    )  # fmt: skip
    if partial:
        # On the paths that never looked, the insert may collide with a row that was there all
        # along: the wrap would then drop it where the code raised before.
        return [dataclasses.replace(fix, applicability=Applicability.UNSAFE) for fix in fixes]
    if race.code == "IL103" and handler is None:
        # The loser re-gets the winner's row: its own update of that row is not applied.
        return [dataclasses.replace(fix, applicability=Applicability.UNSAFE) for fix in fixes]
    return fixes


def _is_async(write: WriteSite) -> bool:
    return write.method in ASYNC_INSERTS or "await" in code(write.statement).split()


def _only_insert_of(origin: Node, race: Race, vias: tuple[str, ...] = ("check",)) -> bool:
    """`if <absent>: <the insert>` with nothing else: the whole `if` can become one call."""
    if origin.type != "if_stmt" or len(origin.children) != 4 or race.absence.via not in vias:
        return False
    body = statements(origin.children[3])
    if len(body) != 1 or body[0] is not race.write.statement:
        return False
    if any(node.type in ("and_test", "or_test") for node in walk(origin.children[1])):
        return False  # the other operands of the test would be lost
    write = race.write
    if write.kind == "bulk_create" or any(arg.star for arg in write.positional):
        return False
    lookup, _ = split_write(write, query_of(race).lookup)
    return len(lookup) == len(query_of(race).lookup)  # every key spelt as the lookup spells it
