"""PostgreSQL's wordings of an IntegrityError, with the `DETAIL:  Key (…)=(…)` line that names
the columns and values, and those a migration meets over existing rows."""

from __future__ import annotations

import re
from dataclasses import replace

from integrity_lsp.explain.violations import Builder, Violation, split_list


def _pg_detail(text: str, start: int) -> re.Match[str] | None:
    """The `DETAIL:  Key (cols)=(values) …` line following the message at `start`."""
    return _PG_KEY_DETAIL.search(text, start, start + 2000)


_PG_KEY_DETAIL = re.compile(
    r"DETAIL:\s+Key \((?P<cols>.*?)\)=\((?P<vals>.*?)\) "
    r"(?:already exists|is duplicated|is not present in table \"(?P<ref>[^\"]+)\""
    r"|is still referenced from table \"(?P<child>[^\"]+)\")\.?"
)


def _pg_key_values(columns: tuple[str, ...], values: str) -> tuple[str, ...]:
    """Split `a, b` into values when it matches the column count; otherwise keep it whole."""
    parts = [part.strip() for part in values.split(", ")]
    if len(parts) == len(columns):
        return tuple(parts)
    return (values,)


def _message_with_detail(match: re.Match[str], detail: re.Match[str] | None) -> str:
    raw = match.group(0).strip()
    if detail is not None:
        raw = f"{raw}\n{detail.group(0).strip()}"
    return raw


_PG_UNIQUE = re.compile(r'duplicate key value violates unique constraint "(?P<name>[^"\n]+)"')
_PG_NOT_NULL = re.compile(
    r'null value in column "(?P<col>[^"\n]+)"(?: of relation "(?P<table>[^"\n]+)")?'
    r" violates not-null constraint"
)
_PG_FK = re.compile(
    r'(?P<op>insert or update|update or delete) on table "(?P<table>[^"\n]+)" violates foreign key'
    r' constraint(?: "(?P<name>[^"\n]+)")?(?: on table "(?P<child>[^"\n]+)")?'
)
_PG_CHECK = re.compile(
    r'new row for relation "(?P<table>[^"\n]+)" violates check constraint "(?P<name>[^"\n]+)"'
)
# `ALTER COLUMN … SET NOT NULL` over rows holding NULL (psycopg's NotNullViolation).
_PG_NULL_ROWS = re.compile(
    r'column "(?P<col>[^"\n]+)" of relation "(?P<table>[^"\n]+)" contains null values'
)
# A unique constraint or index added over duplicate rows; DETAIL says `Key (…)=(…) is duplicated`.
_PG_UNIQUE_INDEX = re.compile(r'could not create unique index "(?P<name>[^"\n]+)"')
# A check constraint added over rows that fail it.
_PG_CHECK_ROWS = re.compile(
    r'check constraint "(?P<name>[^"\n]+)" of relation "(?P<table>[^"\n]+)" is violated by some'
    r" row"
)


def _pg_unique(match: re.Match[str], text: str) -> Violation:
    detail = _pg_detail(text, match.end())
    columns: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    if detail is not None:
        columns = split_list(detail["cols"])
        values = _pg_key_values(columns, detail["vals"])
    raw = _message_with_detail(match, detail)
    return Violation("unique", "postgresql", None, columns, match["name"], values, None, raw)


def _pg_not_null(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "not_null", "postgresql", match["table"], (match["col"],), None, (), None, match.group(0)
    )


def _pg_fk(match: re.Match[str], text: str) -> Violation:
    detail = _pg_detail(text, match.end())
    raw = _message_with_detail(match, detail)
    if match["op"] == "update or delete":
        # The parent row is going away: the constraint lives on the child table.
        parent = match["table"]
        child = match["child"] or (detail["child"] if detail is not None else None)
        parent_columns = split_list(detail["cols"]) if detail is not None else ()
        values = _pg_key_values(parent_columns, detail["vals"]) if detail is not None else ()
        return Violation(
            "foreign_key", "postgresql", child, (), match["name"], values, parent, raw,
            parent_columns,
        )  # fmt: skip
    columns: tuple[str, ...] = ()
    values = ()
    referenced = None
    if detail is not None:
        columns = split_list(detail["cols"])
        values = _pg_key_values(columns, detail["vals"])
        referenced = detail["ref"]
    return Violation(
        "foreign_key", "postgresql", match["table"], columns, match["name"], values, referenced, raw
    )


def _pg_check(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "check", "postgresql", match["table"], (), match["name"], (), None, match.group(0)
    )


def _pg_null_rows(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "not_null", "postgresql", match["table"], (match["col"],), None, (), None,
        match.group(0), existing_rows=True,
    )  # fmt: skip


def _pg_unique_index(match: re.Match[str], text: str) -> Violation:
    return replace(_pg_unique(match, text), existing_rows=True)


def _pg_check_rows(match: re.Match[str], text: str) -> Violation:
    return replace(_pg_check(match, text), existing_rows=True)


POSTGRES_PARSERS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (_PG_UNIQUE, _pg_unique),
    (_PG_NOT_NULL, _pg_not_null),
    (_PG_FK, _pg_fk),
    (_PG_CHECK, _pg_check),
    (_PG_NULL_ROWS, _pg_null_rows),
    (_PG_UNIQUE_INDEX, _pg_unique_index),
    (_PG_CHECK_ROWS, _pg_check_rows),
)
