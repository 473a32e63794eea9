"""Parse the text of a `django.db.IntegrityError` into a `Violation` (its frames: `tracebacks`).

The text may be the bare message, a whole Python traceback, `manage.py migrate`'s output or the
text of Django's debug page (the copy-and-paste view or the page as rendered): the message is
searched anywhere in it, once HTML entities are undone. SQLite, PostgreSQL (with its `DETAIL:`
line) and MySQL/MariaDB (`(errno, "message")`) wordings of unique, not-null, foreign-key and
check violations are understood, and so are the ones a migration gets when rows already in the
table break the constraint it adds (SQLite's copy into `new__<table>`, PostgreSQL's "contains null
values", "could not create unique index" and "is violated by some row", MySQL's 1138 and, only
when the text shows a migration running, MariaDB's 1265 "Data truncated"); anything else gives
`None`. Each backend's wordings live in `messages_sqlite`, `messages_postgres` and
`messages_mysql`; this module tries them in tiers and keeps the earliest message in the text.
"""

from __future__ import annotations

import re

from integrity_lsp.explain.messages_mysql import (
    DATA_TRUNCATED,
    MYSQL_FALLBACKS,
    MYSQL_IN_MIGRATION,
    MYSQL_PARSERS,
)
from integrity_lsp.explain.messages_postgres import POSTGRES_PARSERS
from integrity_lsp.explain.messages_sqlite import SQLITE_PARSERS
from integrity_lsp.explain.text_forms import in_english, mysql_in_english, unwrapped
from integrity_lsp.explain.tracebacks import (
    normalise,
    parse_applying,
    parse_frames,
    shows_migration,
)
from integrity_lsp.explain.violations import Builder, Kind, ParsedError, Violation

__all__ = [
    "DATA_TRUNCATED",
    "UNDERSTOOD_FORMATS",
    "Kind",
    "ParsedError",
    "Violation",
    "parse_error",
    "parse_violation",
]

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
    parsers: tuple[tuple[re.Pattern[str], Builder], ...], text: str
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


_PARSERS = SQLITE_PARSERS + POSTGRES_PARSERS + MYSQL_PARSERS
_FALLBACKS = MYSQL_FALLBACKS
_IN_MIGRATION = MYSQL_IN_MIGRATION
