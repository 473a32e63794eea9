"""SQLite's wordings of an IntegrityError (and of a migration's table rebuild, `new__<table>`)."""

from __future__ import annotations

import re

from integrity_lsp.explain.violations import (
    NAME,
    Builder,
    Violation,
    rebuilt_name,
    split_table_column,
    unquote,
)

_SQLITE_UNIQUE = re.compile(
    rf"UNIQUE constraint failed: (?:index '(?P<index>[^'\n]+)'|(?P<cols>{NAME}(?:, {NAME})*))"
)
_SQLITE_NOT_NULL = re.compile(rf"NOT NULL constraint failed: (?P<col>{NAME})")
_SQLITE_FK = re.compile(r"FOREIGN KEY constraint failed")
_SQLITE_CHECK = re.compile(rf"CHECK constraint failed: (?P<name>{NAME})")


def _sqlite_unique(match: re.Match[str], _text: str) -> Violation:
    raw = match.group(0).strip()
    if match["index"] is not None:
        return Violation("unique", "sqlite", None, (), match["index"], (), None, raw)
    table: str | None = None
    columns: list[str] = []
    for part in match["cols"].split(","):
        part_table, column = split_table_column(part)
        if not column:
            continue
        table = table or part_table
        columns.append(column)
    table, rebuilt = rebuilt_name(table)
    return Violation(
        "unique", "sqlite", table, tuple(columns), None, (), None, raw,
        existing_rows=rebuilt is not None, rebuilt_table=rebuilt,
    )  # fmt: skip


def _sqlite_not_null(match: re.Match[str], _text: str) -> Violation:
    table, column = split_table_column(match["col"])
    table, rebuilt = rebuilt_name(table)
    return Violation(
        "not_null", "sqlite", table, (column,), None, (), None, match.group(0),
        existing_rows=rebuilt is not None, rebuilt_table=rebuilt,
    )  # fmt: skip


def _sqlite_fk(match: re.Match[str], _text: str) -> Violation:
    return Violation("foreign_key", "sqlite", None, (), None, (), None, match.group(0))


def _sqlite_check(match: re.Match[str], _text: str) -> Violation:
    name = unquote(match["name"].strip())
    return Violation("check", "sqlite", None, (), name, (), None, match.group(0).strip())


SQLITE_PARSERS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (_SQLITE_UNIQUE, _sqlite_unique),
    (_SQLITE_NOT_NULL, _sqlite_not_null),
    (_SQLITE_FK, _sqlite_fk),
    (_SQLITE_CHECK, _sqlite_check),
)
