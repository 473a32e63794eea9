"""The constraint names a database reports for constraints Django created without a name.

Django's schema editor names `unique_together` entries, foreign keys and added column checks
itself (`BaseDatabaseSchemaEditor._create_index_name`: table, columns, an md5 digest of both and
a suffix, shortened to the backend's `max_name_length()`); PostgreSQL names the constraints
Django writes inline in `CREATE TABLE` / `ADD COLUMN` (`UNIQUE` → `<table>_<column>_key`,
`PRIMARY KEY` → `<table>_pkey`, a column `CHECK` → `<table>_<column>_check`), and MySQL names a
column's `UNIQUE` index after the column. Everything here is a pure function of names, mirroring
Django 5.2 (django/db/backends/base/schema.py, utils.py) and PostgreSQL's `makeObjectName`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

Backend = Literal["sqlite", "postgresql", "mysql"]

# DatabaseOperations.max_name_length(): None on SQLite (Django then uses 200).
MAX_NAME_LENGTH: dict[Backend, int | None] = {"sqlite": None, "postgresql": 63, "mysql": 64}
# PostgreSQL's NAMEDATALEN - 1: identifiers are cut to this many bytes.
POSTGRES_MAX_IDENTIFIER_BYTES = 63

UNIQUE_SUFFIX = "_uniq"
CHECK_SUFFIX = "_check"
FK_SUFFIX_TEMPLATE = "_fk_%(to_table)s_%(to_column)s"


def names_digest(*args: str, length: int) -> str:
    """django.db.backends.utils.names_digest: md5 over the arguments, hex, cut to `length`."""
    digest = hashlib.md5(usedforsecurity=False)
    for arg in args:
        digest.update(arg.encode())
    return digest.hexdigest()[:length]


def split_identifier(identifier: str) -> tuple[str, str]:
    """django.db.backends.utils.split_identifier: `"schema"."table"` -> (schema, table)."""
    try:
        namespace, name = identifier.split('"."')
    except ValueError:
        namespace, name = "", identifier
    return namespace.strip('"'), name.strip('"')


def truncate_name(identifier: str, length: int | None = None, hash_len: int = 4) -> str:
    """django.db.backends.utils.truncate_name: how Django shortens a too-long `db_table`."""
    namespace, name = split_identifier(identifier)
    if length is None or len(name) <= length:
        return identifier
    digest = names_digest(name, length=hash_len)
    prefix = f'{namespace}"."' if namespace else ""
    return f"{prefix}{name[: length - hash_len]}{digest}"


def create_index_name(
    table: str, columns: Sequence[str], suffix: str = "", backend: Backend = "postgresql"
) -> str:
    """BaseDatabaseSchemaEditor._create_index_name for `backend`."""
    _, table = split_identifier(table)
    hash_suffix_part = f"{names_digest(table, *columns, length=8)}{suffix}"
    max_length = MAX_NAME_LENGTH[backend] or 200
    index_name = "{}_{}_{}".format(table, "_".join(columns), hash_suffix_part)
    if len(index_name) <= max_length:
        return index_name
    if len(hash_suffix_part) > max_length / 3:
        hash_suffix_part = hash_suffix_part[: max_length // 3]
    other_length = (max_length - len(hash_suffix_part)) // 2 - 1
    index_name = "{}_{}_{}".format(
        table[:other_length], "_".join(columns)[:other_length], hash_suffix_part
    )
    if index_name[0] == "_" or index_name[0].isdigit():
        index_name = f"D{index_name[:-1]}"
    return index_name


def unique_constraint_name(table: str, columns: Sequence[str], backend: Backend) -> str:
    """The name of a `unique_together` entry, or of `unique=True` added by `AlterField`."""
    return create_index_name(table, columns, UNIQUE_SUFFIX, backend)


def foreign_key_name(
    table: str, column: str, to_table: str, to_column: str, backend: Backend
) -> str:
    """The name of a ForeignKey's constraint (`…_fk_<to_table>_<to_column>`)."""
    suffix = FK_SUFFIX_TEMPLATE % {
        "to_table": split_identifier(to_table)[1],
        "to_column": to_column,
    }
    return create_index_name(table, [column], suffix, backend)


def check_constraint_name(table: str, column: str, backend: Backend) -> str:
    """The name of a column check (PositiveIntegerField) that `AlterField` added."""
    return create_index_name(table, [column], CHECK_SUFFIX, backend)


def postgres_object_name(name1: str, name2: str | None, label: str) -> str:
    """PostgreSQL's makeObjectName: `name1_name2_label`, the longer name cut first to fit.

    Lengths are bytes (UTF-8), cut back to a character boundary, as `pg_mbcliplen` does.
    """
    raw1 = name1.encode()
    raw2 = name2.encode() if name2 is not None else b""
    overhead = len(label.encode()) + 1 + (1 if name2 is not None else 0)
    available = POSTGRES_MAX_IDENTIFIER_BYTES - overhead
    chars1, chars2 = len(raw1), len(raw2)
    while chars1 + chars2 > available:
        if chars1 > chars2:
            chars1 -= 1
        else:
            chars2 -= 1
    part1 = clip_utf8(raw1, chars1)
    name = part1 if name2 is None else f"{part1}_{clip_utf8(raw2, chars2)}"
    return f"{name}_{label}"


def clip_utf8(raw: bytes, length: int) -> str:
    return raw[:length].decode("utf-8", errors="ignore")


def postgres_unique_key_name(table: str, column: str) -> str:
    """PostgreSQL's name for a column's inline `UNIQUE` (`unique=True` by CreateModel/AddField)."""
    return postgres_object_name(split_identifier(table)[1], column, "key")


def postgres_primary_key_name(table: str) -> str:
    return postgres_object_name(split_identifier(table)[1], None, "pkey")


def postgres_check_name(table: str, column: str) -> str:
    """The name PostgreSQL gives a column's inline `CHECK` (PositiveIntegerField and friends)."""
    return postgres_object_name(split_identifier(table)[1], column, "check")


def mysql_unique_key_name(column: str) -> str:
    """MySQL/MariaDB name a column's inline `UNIQUE` index after the column."""
    return column


MYSQL_PRIMARY_KEY_NAME = "PRIMARY"
