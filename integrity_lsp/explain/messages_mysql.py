"""MySQL's and MariaDB's wordings of an IntegrityError, read (after `text_forms` put them in
English) by their text; the migration-only `Data truncated` answer is a separate tier."""

from __future__ import annotations

import re

from integrity_lsp.explain.violations import Builder, Violation, last_part, split_list

_MY_UNIQUE = re.compile(r"Duplicate entry '(?P<value>.*?)' for key '(?P<key>[^'\n]+)'")
_MY_NOT_NULL = re.compile(r"Column '(?P<col>[^'\n]+)' cannot be null")
_MY_FK = re.compile(
    r"Cannot (?P<op>add or update a child|delete or update a parent) row: a foreign key"
    r" constraint fails \((?P<table>`[^`]+`(?:\.`[^`]+`)?), CONSTRAINT `(?P<name>[^`]+)`"
    r" FOREIGN KEY \((?P<cols>[^)]*)\) REFERENCES (?P<ref>`[^`]+`(?:\.`[^`]+`)?)"
    r" \((?P<refcols>[^)]*)\)"
)
# The clause cut after the table (a truncated log line): the table still narrows it.
_MY_FK_TABLE = re.compile(
    r"Cannot (?P<op>add or update a child|delete or update a parent) row: a foreign key"
    r" constraint fails \((?P<table>`[^`]+`(?:\.`[^`]+`)?)"
)
_MY_FK_SHORT = re.compile(
    r"Cannot (?:add or update a child|delete or update a parent) row: a foreign key"
    r" constraint fails"
)
_MY_CHECK = re.compile(r"Check constraint '(?P<name>[^'\n]+)' is violated")
# MySQL's `ALTER TABLE … MODIFY … NOT NULL` over NULL rows (in-place): no table, no column.
_MY_NULL_ROWS = re.compile(r"Invalid use of NULL value")
# MariaDB's (and MySQL's copying ALTER's) answer to the same; a DataError, and outside a migration
# it means a value that does not fit the column, so it is read only where a migration shows.
DATA_TRUNCATED = "Data truncated for column"
_MY_TRUNCATED = re.compile(rf"{DATA_TRUNCATED} '(?P<col>[^'\n]+)' at row \d+")
_MARIA_CHECK = re.compile(
    r"CONSTRAINT `(?P<name>[^`\n]+)` failed for (?P<table>`[^`\n]+`(?:\.`[^`\n]+`)?)"
)


def _my_unique(match: re.Match[str], _text: str) -> Violation:
    key = match["key"]
    table, _, name = key.rpartition(".")  # MySQL >= 8.0.19 says `table.key`, MariaDB `key`
    return Violation(
        "unique", "mysql", table or None, (), name, (match["value"],), None, match.group(0)
    )


def _my_not_null(match: re.Match[str], _text: str) -> Violation:
    return Violation("not_null", "mysql", None, (match["col"],), None, (), None, match.group(0))


def _my_fk(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "foreign_key",
        "mysql",
        last_part(match["table"]),
        split_list(match["cols"]),
        match["name"],
        (),
        last_part(match["ref"]),
        match.group(0),
        split_list(match["refcols"]),
    )


def _my_fk_table(match: re.Match[str], _text: str) -> Violation:
    table = last_part(match["table"])
    return Violation("foreign_key", "mysql", table, (), None, (), None, match.group(0))


def _my_fk_short(match: re.Match[str], _text: str) -> Violation:
    return Violation("foreign_key", "mysql", None, (), None, (), None, match.group(0))


def _my_check(match: re.Match[str], _text: str) -> Violation:
    return Violation("check", "mysql", None, (), match["name"], (), None, match.group(0))


def _my_null_rows(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "not_null", "mysql", None, (), None, (), None, match.group(0), existing_rows=True
    )


def _my_truncated(match: re.Match[str], _text: str) -> Violation:
    return Violation(
        "not_null", "mysql", None, (match["col"],), None, (), None, match.group(0),
        existing_rows=True,
    )  # fmt: skip


def _maria_check(match: re.Match[str], _text: str) -> Violation:
    table = last_part(match["table"])
    name = match["name"]
    columns: tuple[str, ...] = ()
    # A column-level CHECK (Django's PositiveIntegerField) is named `table.column` by MariaDB.
    prefix, dot, column = name.rpartition(".")
    if dot and prefix == table:
        columns = (column,)
    return Violation("check", "mysql", table, columns, name, (), None, match.group(0))


MYSQL_PARSERS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (_MY_UNIQUE, _my_unique),
    (_MY_NOT_NULL, _my_not_null),
    (_MY_FK, _my_fk),
    (_MY_CHECK, _my_check),
    (_MY_NULL_ROWS, _my_null_rows),
    (_MARIA_CHECK, _maria_check),
)
# A truncated MySQL FK message (no clause) still says what failed.
MYSQL_FALLBACKS: tuple[tuple[re.Pattern[str], Builder], ...] = (
    (_MY_FK_TABLE, _my_fk_table),
    (_MY_FK_SHORT, _my_fk_short),
)
# Read only when the text shows a migration running (migrate's `Applying …` or its frames).
MYSQL_IN_MIGRATION: tuple[tuple[re.Pattern[str], Builder], ...] = ((_MY_TRUNCATED, _my_truncated),)
