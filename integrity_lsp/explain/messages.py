"""Parse the text of a `django.db.IntegrityError` into a `Violation` (its frames: `tracebacks`).

The text may be the bare message, a whole Python traceback, `manage.py migrate`'s output or the
text of Django's debug page (the copy-and-paste view or the page as rendered): the message is
searched anywhere in it, once HTML entities are undone. SQLite, PostgreSQL (with its `DETAIL:`
line) and MySQL/MariaDB (`(errno, "message")`) wordings of unique, not-null, foreign-key and
check violations are understood, and so are the ones a migration gets when rows already in the
table break the constraint it adds (SQLite's copy into `new__<table>`, PostgreSQL's "contains null
values", "could not create unique index" and "is violated by some row", MySQL's 1138 and, only
when the text shows a migration running, MariaDB's 1265 "Data truncated"); anything else gives
`None`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from integrity_lsp.explain.text_forms import in_english, mysql_in_english, unwrapped
from integrity_lsp.explain.tracebacks import (
    Frame,
    MigrationKey,
    is_schema_editor,
    normalise,
    parse_applying,
    parse_frames,
    shows_migration,
)
from integrity_lsp.project.db_names import Backend

Kind = Literal["unique", "not_null", "foreign_key", "check"]

# What `explain` understands, shown when it understands nothing.
UNDERSTOOD_FORMATS = (
    "SQLite:     UNIQUE constraint failed: app_model.col[, app_model.col2]",
    "            UNIQUE constraint failed: index 'name'",
    "            NOT NULL constraint failed: app_model.col",
    "            FOREIGN KEY constraint failed",
    "            CHECK constraint failed: name",
    "            UNIQUE / NOT NULL constraint failed: new__app_model.col  (a migration rebuilding"
    " the table)",
    'PostgreSQL: duplicate key value violates unique constraint "name"',
    "              DETAIL:  Key (col, col2)=(v, v2) already exists.",
    '            null value in column "col" of relation "app_model" violates not-null constraint',
    '            null value in column "col" violates not-null constraint',
    '            insert or update on table "app_model" violates foreign key constraint "name"',
    '              DETAIL:  Key (col)=(v) is not present in table "app_parent".',
    '            update or delete on table "app_parent" violates foreign key constraint "name"'
    ' on table "app_model"',
    '            new row for relation "app_model" violates check constraint "name"',
    '            column "col" of relation "app_model" contains null values  (a migration)',
    '            could not create unique index "name"  (a migration)',
    "              DETAIL:  Key (col)=(v) is duplicated.",
    '            check constraint "name" of relation "app_model" is violated by some row'
    "  (a migration)",
    "MySQL:      (1062, \"Duplicate entry 'v' for key 'app_model.name'\")  (MariaDB: key 'name')",
    "            (1048, \"Column 'col' cannot be null\")",
    "            (1452, 'Cannot add or update a child row: a foreign key constraint fails (...)')",
    "            (1451, 'Cannot delete or update a parent row: a foreign key constraint fails …')",
    "            (3819, \"Check constraint 'name' is violated.\")",
    "            (1138, 'Invalid use of NULL value')  (a migration; names no table or column)",
    "MariaDB:    (4025, 'CONSTRAINT `name` failed for `db`.`app_model`')",
    "            (1265, \"Data truncated for column 'col' at row 1\")  (in migrate's output only)",
    "Any of these may be pasted alone, inside a Python traceback or migrate's output, or as"
    " Django's debug page;",
    "PostgreSQL's in the server's language (lc_messages: de, es, fr, it, ja, ka, ko, ru, sv, uk,"
    " zh_CN, zh_TW),",
    "MySQL/MariaDB's in any language (lc_messages; read by the error number),",
    "JSON-escaped (a log line) or hard-wrapped across lines (an e-mail, a commit message).",
)


@dataclass(frozen=True)
class Violation:
    """What the database refused: the kind of constraint and every name the message gives."""

    kind: Kind
    backend: Backend
    table: str | None
    columns: tuple[str, ...]
    constraint: str | None
    values: tuple[str, ...]
    referenced_table: str | None
    raw: str  # the message itself (first line, plus its DETAIL line when there is one)
    referenced_columns: tuple[str, ...] = ()
    # The message says the database checked rows already in the table, not a row being written:
    # a migration adding the constraint met existing data.
    existing_rows: bool = False
    rebuilt_table: str | None = None  # SQLite's `new__<table>` copy, as the message names it

    @property
    def parent_delete(self) -> bool:
        """A foreign key refused the delete (or key update) of a parent row still referenced."""
        return self.raw.startswith("update or delete") or "delete or update a parent" in self.raw


@dataclass(frozen=True)
class ParsedError:
    violation: Violation
    frames: tuple[Frame, ...]
    # The migration `manage.py migrate` was applying when it failed (`Applying shop.0002_x...`
    # with no `OK` after it), when the pasted text holds migrate's output.
    applying: MigrationKey | None = None

    @property
    def existing_rows(self) -> bool:
        """Whether the database refused rows already in the table (a migration's schema change
        met existing data) rather than a row being written: the message says so, or the
        traceback runs through Django's schema editor."""
        return self.violation.existing_rows or any(is_schema_editor(f) for f in self.frames)


def parse_error(text: str) -> ParsedError | None:
    """The violation and the frames in `text`, or None when no known message is found."""
    violation = parse_violation(text)
    if violation is None:
        return None
    return ParsedError(violation, parse_frames(text), parse_applying(text))


def parse_violation(text: str) -> Violation | None:
    """The first IntegrityError message found in `text`, whatever surrounds it."""
    text = mysql_in_english(in_english(normalise(text)))
    tiers = [_PARSERS, _FALLBACKS]
    if shows_migration(text):
        tiers.append(_IN_MIGRATION)
    # A message hard-wrapped across lines is read again as one line; that reading wins when it
    # says more about the same violation (the second column of a wrapped SQLite list).
    variants = dict.fromkeys([text, unwrapped(text)])
    for parsers in tiers:
        best: Violation | None = None
        for variant in variants:
            found = _first_violation(parsers, variant)
            if found is not None and (best is None or _says_more(found, best)):
                best = found
        if best is not None:
            return best
    return None


def _first_violation(
    parsers: tuple[tuple[re.Pattern[str], _Builder], ...], text: str
) -> Violation | None:
    found: list[tuple[int, Violation]] = []
    for pattern, build in parsers:
        match = pattern.search(text)
        if match is not None:
            found.append((match.start(), build(match, text)))
    return min(found, key=lambda item: item[0])[1] if found else None


def _says_more(found: Violation, best: Violation) -> bool:
    def detail(violation: Violation) -> int:
        names = (violation.table, violation.constraint, violation.referenced_table)
        return len(violation.columns) + len(violation.values) + sum(n is not None for n in names)

    return found.kind == best.kind and detail(found) > detail(best)


# --- the messages ---------------------------------------------------------------------------

_Builder = Callable[[re.Match[str], str], Violation]
# An identifier as SQLite prints it in a message: letters, digits, _, $, dots, quotes.
_NAME = r"[^\s,()'\[\]]+"


def _unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"`'":
        return name[1:-1]
    return name


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(_unquote(part) for part in text.split(",") if part.strip())


# Django's SQLite schema editor rebuilds a table as `new__<table>`, copies the rows, renames it.
REBUILD_PREFIX = "new__"


def _rebuilt(table: str | None) -> tuple[str | None, str | None]:
    """`new__shop_product` -> ("shop_product", "new__shop_product"); other names stay."""
    if table is not None and table.startswith(REBUILD_PREFIX) and len(table) > len(REBUILD_PREFIX):
        return table[len(REBUILD_PREFIX) :], table
    return table, None


def _split_table_column(qualified: str) -> tuple[str | None, str]:
    """`app_model.col` -> ("app_model", "col"); a bare `col` has no table."""
    table, dot, column = qualified.strip().rpartition(".")
    if not dot:
        return None, qualified.strip()
    return table, column


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


# SQLite ---------------------------------------------------------------------------------------

_SQLITE_UNIQUE = re.compile(
    rf"UNIQUE constraint failed: (?:index '(?P<index>[^'\n]+)'|(?P<cols>{_NAME}(?:, {_NAME})*))"
)
_SQLITE_NOT_NULL = re.compile(rf"NOT NULL constraint failed: (?P<col>{_NAME})")
_SQLITE_FK = re.compile(r"FOREIGN KEY constraint failed")
_SQLITE_CHECK = re.compile(rf"CHECK constraint failed: (?P<name>{_NAME})")


def _sqlite_unique(match: re.Match[str], _text: str) -> Violation:
    raw = match.group(0).strip()
    if match["index"] is not None:
        return Violation("unique", "sqlite", None, (), match["index"], (), None, raw)
    table: str | None = None
    columns: list[str] = []
    for part in match["cols"].split(","):
        part_table, column = _split_table_column(part)
        if not column:
            continue
        table = table or part_table
        columns.append(column)
    table, rebuilt = _rebuilt(table)
    return Violation(
        "unique", "sqlite", table, tuple(columns), None, (), None, raw,
        existing_rows=rebuilt is not None, rebuilt_table=rebuilt,
    )  # fmt: skip


def _sqlite_not_null(match: re.Match[str], _text: str) -> Violation:
    table, column = _split_table_column(match["col"])
    table, rebuilt = _rebuilt(table)
    return Violation(
        "not_null", "sqlite", table, (column,), None, (), None, match.group(0),
        existing_rows=rebuilt is not None, rebuilt_table=rebuilt,
    )  # fmt: skip


def _sqlite_fk(match: re.Match[str], _text: str) -> Violation:
    return Violation("foreign_key", "sqlite", None, (), None, (), None, match.group(0))


def _sqlite_check(match: re.Match[str], _text: str) -> Violation:
    name = _unquote(match["name"].strip())
    return Violation("check", "sqlite", None, (), name, (), None, match.group(0).strip())


# PostgreSQL -----------------------------------------------------------------------------------

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
        columns = _split_list(detail["cols"])
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
        parent_columns = _split_list(detail["cols"]) if detail is not None else ()
        values = _pg_key_values(parent_columns, detail["vals"]) if detail is not None else ()
        return Violation(
            "foreign_key", "postgresql", child, (), match["name"], values, parent, raw,
            parent_columns,
        )  # fmt: skip
    columns: tuple[str, ...] = ()
    values = ()
    referenced = None
    if detail is not None:
        columns = _split_list(detail["cols"])
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


# MySQL / MariaDB ------------------------------------------------------------------------------

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


def _last_part(qualified: str) -> str:
    """`test`.`shop_order` -> shop_order."""
    return _unquote(qualified.split("`.`")[-1].strip("`"))


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
        _last_part(match["table"]),
        _split_list(match["cols"]),
        match["name"],
        (),
        _last_part(match["ref"]),
        match.group(0),
        _split_list(match["refcols"]),
    )


def _my_fk_table(match: re.Match[str], _text: str) -> Violation:
    table = _last_part(match["table"])
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
    table = _last_part(match["table"])
    name = match["name"]
    columns: tuple[str, ...] = ()
    # A column-level CHECK (Django's PositiveIntegerField) is named `table.column` by MariaDB.
    prefix, dot, column = name.rpartition(".")
    if dot and prefix == table:
        columns = (column,)
    return Violation("check", "mysql", table, columns, name, (), None, match.group(0))


_PARSERS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_SQLITE_UNIQUE, _sqlite_unique),
    (_SQLITE_NOT_NULL, _sqlite_not_null),
    (_SQLITE_FK, _sqlite_fk),
    (_SQLITE_CHECK, _sqlite_check),
    (_PG_UNIQUE, _pg_unique),
    (_PG_NOT_NULL, _pg_not_null),
    (_PG_FK, _pg_fk),
    (_PG_CHECK, _pg_check),
    (_PG_NULL_ROWS, _pg_null_rows),
    (_PG_UNIQUE_INDEX, _pg_unique_index),
    (_PG_CHECK_ROWS, _pg_check_rows),
    (_MY_UNIQUE, _my_unique),
    (_MY_NOT_NULL, _my_not_null),
    (_MY_FK, _my_fk),
    (_MY_CHECK, _my_check),
    (_MY_NULL_ROWS, _my_null_rows),
    (_MARIA_CHECK, _maria_check),
)
# A truncated MySQL FK message (no clause) still says what failed.
_FALLBACKS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_MY_FK_TABLE, _my_fk_table),
    (_MY_FK_SHORT, _my_fk_short),
)
# Read only when the text shows a migration running (migrate's `Applying …` or its frames).
_IN_MIGRATION: tuple[tuple[re.Pattern[str], _Builder], ...] = ((_MY_TRUNCATED, _my_truncated),)
