"""What `explain` reads out of an IntegrityError message: the `Violation` (kind, backend, every
name the database gives) and the name-splitting every backend's wording shares."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from integrity_lsp.explain.tracebacks import Frame, MigrationKey, is_schema_editor
from integrity_lsp.project.db_names import Backend

Kind = Literal["unique", "not_null", "foreign_key", "check"]


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


Builder = Callable[[re.Match[str], str], Violation]
# An identifier as SQLite prints it in a message: letters, digits, _, $, dots, quotes.
NAME = r"[^\s,()'\[\]]+"


def unquote(name: str) -> str:
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"`'":
        return name[1:-1]
    return name


def split_list(text: str) -> tuple[str, ...]:
    return tuple(unquote(part) for part in text.split(",") if part.strip())


# Django's SQLite schema editor rebuilds a table as `new__<table>`, copies the rows, renames it.
REBUILD_PREFIX = "new__"


def rebuilt_name(table: str | None) -> tuple[str | None, str | None]:
    """`new__shop_product` -> ("shop_product", "new__shop_product"); other names stay."""
    if table is not None and table.startswith(REBUILD_PREFIX) and len(table) > len(REBUILD_PREFIX):
        return table[len(REBUILD_PREFIX) :], table
    return table, None


def split_table_column(qualified: str) -> tuple[str | None, str]:
    """`app_model.col` -> ("app_model", "col"); a bare `col` has no table."""
    table, dot, column = qualified.strip().rpartition(".")
    if not dot:
        return None, qualified.strip()
    return table, column


def last_part(qualified: str) -> str:
    """`test`.`shop_order` -> shop_order."""
    return unquote(qualified.split("`.`")[-1].strip("`"))
