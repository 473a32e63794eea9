"""Every constraint of the project under every name a database may report for it.

Explicit names (`UniqueConstraint(name=…)`, `CheckConstraint(name=…)`; the index fills in
`%(app_label)s` and `%(class)s`) and the names Django or the database generate (see
`project/db_names.py`): PostgreSQL's `<table>_<column>_key` / `_pkey` / `_check`, Django's
hashed `…_uniq`, `…_fk_<table>_<column>` and `…_check`, MySQL's key named after the column,
`PRIMARY`, and MariaDB's `table.column` checks. `lookup_name` finds the constraints a reported
name can mean on a given backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from integrity_lsp.explain.many_to_many import AutoThrough, auto_throughs
from integrity_lsp.project import db_names
from integrity_lsp.project.db_names import Backend
from integrity_lsp.project.records import (
    POSITIVE_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
    SourceRef,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

ConstraintKind = Literal["unique", "foreign_key", "check", "primary_key"]
ALL_BACKENDS: frozenset[Backend] = frozenset({"sqlite", "postgresql", "mysql"})
_MYSQL_AUTO_CHECK = re.compile(r"^(?P<table>.+)_chk_(?P<number>\d+)$")


@dataclass(frozen=True)
class KnownConstraint:
    """One constraint of one model, under one of the names a database reports for it."""

    name: str
    kind: ConstraintKind
    model: ModelRecord
    table: str
    fields: tuple[FieldRecord, ...]
    ref: SourceRef
    description: str  # what it is, as written: "unique=True on sku", "unique_together (…)"
    origin: str  # where the name comes from: "explicit name", "Django's generated name", …
    backends: frozenset[Backend] = ALL_BACKENDS
    condition: str | None = None

    @property
    def generated(self) -> bool:
        return self.origin != "explicit name"


def catalogue(index: ProjectIndex) -> list[KnownConstraint]:
    """Every constraint of every concrete model, once per name it may carry."""
    found: list[KnownConstraint] = []
    for model in index.models():
        if model.abstract or model.proxy:
            continue
        found.extend(model_constraints(index, model))
    for through in auto_throughs(index):
        found.extend(through_constraints(through))
    return found


def through_constraints(through: AutoThrough) -> Iterator[KnownConstraint]:
    """The unique (owner, target) pair of an auto-created through table, under each name."""
    make = _Maker(through.owner, through.table)
    columns = list(through.columns)
    pair = ", ".join(column.removesuffix("_id") for column in columns)
    description = f"ManyToManyField {through.field.name}: one row per ({pair}) in {through.table}"
    origin = "Django's generated name (the auto-created through table)"
    for backend in sorted(ALL_BACKENDS):
        yield make(
            db_names.unique_constraint_name(through.table, columns, backend), "unique",
            (through.field,), through.field.ref, description, origin, backend,
        )  # fmt: skip


def model_constraints(index: ProjectIndex, model: ModelRecord) -> Iterator[KnownConstraint]:
    table = index.table_name(model)
    make = _Maker(model, table)
    positive_checks = 0
    for field in index.local_fields(model).values():
        if field.is_many_to_many:
            continue
        yield from _field_constraints(index, make, field)
        if field.field_class in POSITIVE_FIELD_CLASSES:
            positive_checks += 1
            # MySQL 8 numbers unnamed column checks in column order: <table>_chk_<n>.
            yield make(
                f"{table}_chk_{positive_checks}", "check", (field,), field.ref,
                _positive(field), "MySQL's name for an unnamed column check", "mysql",
            )  # fmt: skip
    for record in index.constraints(model):
        field_names = record.fields or _condition_fields(record.condition)
        members = tuple(
            member for name in field_names if (member := index.field(model, name)) is not None
        )
        columns = [member.column for member in members]
        if record.kind == "unique_together":
            description = "unique_together ({})".format(", ".join(record.fields))
            for backend in sorted(ALL_BACKENDS):
                yield make(
                    db_names.unique_constraint_name(table, columns, backend), "unique", members,
                    record.ref, description, "Django's generated name", backend,
                )  # fmt: skip
            if columns:
                yield from _older_together_names(make, table, columns, members, record.ref)
        elif record.name:
            kind: ConstraintKind = "check" if record.kind == "check" else "unique"
            label = "CheckConstraint" if kind == "check" else "UniqueConstraint"
            yield make(
                record.name, kind, members, record.ref, f"{label} {record.name!r}",
                "explicit name",
                condition=record.condition,
            )  # fmt: skip


@dataclass(frozen=True)
class _Maker:
    model: ModelRecord
    table: str

    def __call__(
        self,
        name: str,
        kind: ConstraintKind,
        fields: tuple[FieldRecord, ...],
        ref: SourceRef,
        description: str,
        origin: str,
        *backends: Backend,
        condition: str | None = None,
    ) -> KnownConstraint:
        return KnownConstraint(
            name, kind, self.model, self.table, fields, ref, description, origin,
            frozenset(backends) if backends else ALL_BACKENDS, condition,
        )  # fmt: skip


def _older_together_names(
    make: _Maker,
    table: str,
    columns: list[str],
    members: tuple[FieldRecord, ...],
    ref: SourceRef,
) -> Iterator[KnownConstraint]:
    """The names a `unique_together` got from older Django: up to 1.x, CreateModel wrote it
    inline (`UNIQUE (a, b)`), which PostgreSQL names `<table>_<a>_<b>_key` and MySQL after its
    first column; AlterUniqueTogether in Django <= 1.8 named it `<table>_<a>_<hash>_uniq`."""
    description = "unique_together ({})".format(", ".join(f.name for f in members))
    inline = "PostgreSQL's name for an inline UNIQUE (Django < 2.0 CreateModel)"
    yield make(
        db_names.postgres_object_name(table, "_".join(columns), "key"), "unique", members, ref,
        description, inline, "postgresql",
    )  # fmt: skip
    yield make(
        columns[0], "unique", members, ref, description,
        "MySQL's name for an inline UNIQUE (Django < 2.0 CreateModel)", "mysql",
    )  # fmt: skip
    for backend in ("postgresql", "mysql"):
        yield make(
            old_index_name(table, columns, db_names.UNIQUE_SUFFIX, backend), "unique", members,
            ref, description, "Django 1.8's generated name", backend,
        )  # fmt: skip


def old_index_name(table: str, columns: Sequence[str], suffix: str, backend: Backend) -> str:
    """Django <= 1.8's _create_index_name: `<table>_<first column>_<hash><suffix>`, the table
    cut first when it is too long."""
    digest = db_names.names_digest(table, *columns, length=8)
    part = f"_{columns[0]}_{digest}{suffix}"
    max_length = db_names.MAX_NAME_LENGTH[backend] or 200
    name = f"{table}{part}"
    return name if len(name) <= max_length else f"{table[: max_length - len(part)]}{part}"


def _condition_fields(condition: str | None) -> tuple[str, ...]:
    """The fields a check's `Q(price__gte=0) & Q(...)` names (the part before any `__`)."""
    if not condition:
        return ()
    found = re.findall(r"\b([A-Za-z_]\w*?)(?:__\w+)?\s*=(?!=)", condition)
    return tuple(dict.fromkeys(found))


def _positive(field: FieldRecord) -> str:
    return f"{field.field_class} {field.name} (value >= 0)"


def _field_constraints(
    index: ProjectIndex, make: _Maker, field: FieldRecord
) -> Iterator[KnownConstraint]:
    table, column, one = make.table, field.column, (field,)
    if field.primary_key:
        description = f"primary key {field.name}"
        yield make(
            db_names.postgres_primary_key_name(table), "primary_key", one, field.ref, description,
            "PostgreSQL's name for the primary key", "postgresql",
        )  # fmt: skip
        yield make(
            db_names.MYSQL_PRIMARY_KEY_NAME, "primary_key", one, field.ref, description,
            "MySQL's name for the primary key", "mysql",
        )  # fmt: skip
    elif field.is_unique:
        description = (
            f"unique=True on {field.name}" if field.unique else f"OneToOneField {field.name}"
        )
        yield make(
            db_names.postgres_unique_key_name(table, column), "unique", one, field.ref, description,
            "PostgreSQL's name for a UNIQUE column (CreateModel / AddField)", "postgresql",
        )  # fmt: skip
        yield make(
            db_names.mysql_unique_key_name(column), "unique", one, field.ref, description,
            "MySQL's name for a UNIQUE column (the column's name)", "mysql",
        )  # fmt: skip
        for backend in ("postgresql", "mysql"):
            yield make(
                db_names.unique_constraint_name(table, [column], backend), "unique", one, field.ref,
                description, "Django's generated name (unique added by AlterField)", backend,
            )  # fmt: skip
    if field.is_foreign_key:
        target = _target(index, make.model, field)
        if target is not None:
            to_table, to_column = target
            description = f"{field.field_class} {field.name} -> {to_table}.{to_column}"
            for backend in sorted(ALL_BACKENDS):
                yield make(
                    db_names.foreign_key_name(table, column, to_table, to_column, backend),
                    "foreign_key", one, field.ref, description, "Django's generated name",
                    backend,
                )  # fmt: skip
    if field.field_class in POSITIVE_FIELD_CLASSES:
        generated = "Django's generated name (check added by AlterField)"
        checks: tuple[tuple[str, str, Backend], ...] = (
            (db_names.postgres_check_name(table, column), "PostgreSQL's name for a column check",
             "postgresql"),
            (db_names.check_constraint_name(table, column, "postgresql"), generated, "postgresql"),
            (db_names.check_constraint_name(table, column, "mysql"), generated, "mysql"),
            (f"{table}.{column}", "MariaDB's name for a column check", "mysql"),
            (column, "SQLite's name for a column check", "sqlite"),
        )  # fmt: skip
        for name, origin, backend in checks:
            yield make(name, "check", one, field.ref, _positive(field), origin, backend)


def _target(index: ProjectIndex, model: ModelRecord, field: FieldRecord) -> tuple[str, str] | None:
    """(table, column) a ForeignKey points at."""
    target = index.related_model(model, field)
    if target is None:
        return None
    to_field = field.option("to_field")
    referenced = index.field(target, to_field.strip("\"'")) if to_field else index.pk(target)
    if referenced is None:
        return None
    return index.table_name(target), referenced.column


def lookup_name(
    known: Iterable[KnownConstraint], name: str, backend: Backend, table: str | None = None
) -> list[KnownConstraint]:
    """The constraints `name` can mean on `backend` (in the table, when the message names it)."""
    wanted = _comparable(name, backend)
    matches = [
        constraint
        for constraint in known
        if backend in constraint.backends
        and _comparable(constraint.name, backend) == wanted
        and (table is None or constraint.table == table)
    ]
    return _unique_by_identity(matches)


def _comparable(name: str, backend: Backend) -> str:
    if backend == "postgresql":
        # PostgreSQL silently cuts identifiers to 63 bytes.
        clipped: str = db_names.clip_utf8(name.encode(), db_names.POSTGRES_MAX_IDENTIFIER_BYTES)
        return clipped
    if backend == "mysql":
        return name.lower()
    return name


def _unique_by_identity(matches: list[KnownConstraint]) -> list[KnownConstraint]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    result = []
    for constraint in matches:
        key = (constraint.model.label, constraint.kind, tuple(f.name for f in constraint.fields))
        if key not in seen:
            seen.add(key)
            result.append(constraint)
    return result
