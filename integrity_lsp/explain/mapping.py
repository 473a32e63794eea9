"""From a `Violation` to the project's models, fields and constraint: the table names the model
(`ProjectIndex.model_for_table`, or Django's shortened table name); a constraint name is looked
up among explicit and generated names (`catalogue`); a column names the field (`db_column`,
`<fk>_id`); a message that names no table lists every model it fits; a migration narrows it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from typing import TYPE_CHECKING

from integrity_lsp.explain.catalogue import KnownConstraint, lookup_name
from integrity_lsp.explain.many_to_many import AutoThrough, through_for_table
from integrity_lsp.explain.messages import Violation
from integrity_lsp.explain.migrating import (
    made_not_null,
    touched_fields,
)
from integrity_lsp.project import db_names
from integrity_lsp.project.records import (
    FieldRecord,
    ModelRecord,
)

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.migrations.graph import MigrationFile


@dataclass
class Mapping:
    """What a violation maps to: one model (or candidates), fields, the constraint, notes."""

    model: ModelRecord | None = None
    table: str | None = None
    fields: list[FieldRecord] = dataclass_field(default_factory=list)
    constraint: KnownConstraint | None = None
    candidates: list[ModelRecord] = dataclass_field(default_factory=list)
    notes: list[str] = dataclass_field(default_factory=list)
    candidate_fields: list[tuple[ModelRecord, FieldRecord]] = dataclass_field(default_factory=list)

    @property
    def models(self) -> list[ModelRecord]:
        return [self.model] if self.model is not None else list(self.candidates)


class Mapper:
    """Maps a violation to the project's models, fields and constraint."""

    def __init__(self, index: ProjectIndex, known: list[KnownConstraint]) -> None:
        self.index = index
        self.known = known

    def map(self, violation: Violation) -> Mapping:
        mapping = Mapping(table=violation.table)
        sharing = self.models_for_table(violation.table) if violation.table else []
        model = sharing[0] if len(sharing) == 1 else None
        if violation.constraint is not None:
            matches = lookup_name(
                self.known, violation.constraint, violation.backend, violation.table
            )
            if violation.columns and len(matches) > 1:
                matches = [m for m in matches if _columns(m.fields) == violation.columns] or matches
            labels = {candidate.label for candidate in sharing}
            matches = [m for m in matches if m.model.label in labels] or matches
            if matches and len({m.model.label for m in matches}) == 1:
                return self._from_constraint(mapping, matches[0], violation)
            if not matches and not sharing:
                prefixed = self._by_prefix(mapping, violation)
                if prefixed is not None:
                    return prefixed
            if matches:
                mapping.candidates = _distinct_models(m.model for m in matches)
                mapping.candidate_fields = [(m.model, f) for m in matches for f in m.fields]
                mapping.notes = [f"{violation.constraint!r} names a constraint in several models"]
                return mapping
        if len(sharing) > 1:
            return self._shared_table(mapping, violation, sharing)
        if model is None and violation.table is not None:
            through = through_for_table(self.index, violation.table)
            if through is not None:
                return self._through(mapping, violation, through)
        if model is None:
            return self._without_table(mapping, violation)
        mapping.model = model
        mapping.table = self.index.table_name(model)
        mapping.fields = self.fields_for_columns(model, violation.columns)
        if violation.kind == "foreign_key" and not mapping.fields:
            mapping.fields = self.foreign_keys(model, violation.referenced_table)
        mapping.constraint = self._constraint_for_fields(model, violation, mapping.fields)
        if violation.columns and not mapping.fields:
            mapping.notes = [f"no field of {model.label} has column {violation.columns!r}"]
        return mapping

    def _by_prefix(self, mapping: Mapping, violation: Violation) -> Mapping | None:
        """A name no rule reproduces (South, Django 1.7's per-process hash, a hand-written
        migration) that starts with a model's table and a column: `<table>_<column>_…`. The
        longest table wins; the constraints of the violated kind whose first column follows
        it settle the fields."""
        name = violation.constraint or ""
        tables = [
            (self.index.table_name(model), model)
            for model in self.project_models()
            if name.startswith(f"{self.index.table_name(model)}_")
        ]
        if not tables:
            return None
        table, model = max(tables, key=lambda pair: len(pair[0]))
        rest = name[len(table) + 1 :]
        kinds = {"unique": ("unique", "primary_key")}.get(violation.kind, (violation.kind,))
        found = [
            constraint
            for constraint in self.known
            if constraint.model.label == model.label
            and constraint.kind in kinds
            and constraint.fields
            and rest.startswith(f"{constraint.fields[0].column}_")
        ]
        by_fields = {tuple(f.name for f in c.fields): c for c in found}
        note = (
            f"no rule of Django's reproduces the name {name!r} (South, Django 1.7 or a hand-made"
            f" migration named it); its table {table!r}"
        )
        if len(by_fields) == 1:
            constraint = next(iter(by_fields.values()))
            narrowed = self._from_constraint(mapping, constraint, violation)
            narrowed.notes = [f"{note} and first column {constraint.fields[0].column!r} fit"]
            return narrowed
        mapping.model = model
        mapping.table = table
        mapping.notes = [f"{note} fits"]
        return mapping

    def _through(self, mapping: Mapping, violation: Violation, through: AutoThrough) -> Mapping:
        """A violation in a many-to-many field's auto-created table: the field on its owner."""
        mapping.model = through.owner
        mapping.table = through.table
        mapping.fields = [through.field]
        if violation.kind == "unique":
            mapping.constraint = next(
                (
                    known
                    for known in self.known
                    if known.table == through.table
                    and known.kind == "unique"
                    and violation.backend in known.backends
                ),
                None,
            )
        mapping.notes = [
            f"{through.table} is the table Django created for {through.owner.label}."
            f"{through.field.name} (ManyToManyField to {through.target.label})"
        ]
        return mapping

    def project_models(self) -> list[ModelRecord]:
        """Concrete models of the project itself (Django's own are left out)."""
        return [
            model
            for model in self.index.models()
            if not model.abstract and not model.proxy and not self.index.is_builtin(model)
        ]

    def children(self, models: Sequence[ModelRecord]) -> list[ModelRecord]:
        """Multi-table children of `models`: creating one inserts into their tables too."""
        labels = {model.label for model in models}
        return [
            model
            for model in self.project_models()
            if model.label not in labels
            and any(parent.label in labels for parent in self.index.parents(model))
        ]

    def narrow(
        self, mapping: Mapping, violation: Violation, model: ModelRecord, note: str
    ) -> Mapping:
        """Settle an ambiguous mapping on `model` (or the parent of it the message is about),
        saying why in `note`."""
        candidates = {candidate.label for candidate in mapping.candidates}
        if model.label not in candidates:
            model = next((p for p in self.index.parents(model) if p.label in candidates), model)
        narrowed = Mapping(table=self.index.table_name(model), model=model)
        narrowed.fields = [f for owner, f in mapping.candidate_fields if owner.label == model.label]
        if not narrowed.fields:
            narrowed.fields = self.fields_for_columns(model, violation.columns)
        if violation.kind == "foreign_key" and not narrowed.fields:
            narrowed.fields = self.foreign_keys(model, violation.referenced_table)
        if mapping.constraint is not None and mapping.constraint.model.label == model.label:
            narrowed.constraint = mapping.constraint
        else:
            narrowed.constraint = self._constraint_for_fields(model, violation, narrowed.fields)
        narrowed.notes = [note]
        return narrowed

    def made_not_null(self, violation: Violation) -> Mapping:
        """A NOT NULL that met NULL rows, with no table or column named (MySQL's 1138): the
        fields a migration made NOT NULL are the candidates."""
        mapping = Mapping()
        mapping.candidate_fields = made_not_null(self.index, self.project_models())
        mapping.candidates = _distinct_models(model for model, _ in mapping.candidate_fields)
        if len(mapping.candidate_fields) == 1:
            model, field = mapping.candidate_fields[0]
            note = (
                "the database names neither table nor column; only "
                f"{model.label}.{field.name} was made NOT NULL by a migration (AlterField)"
            )
            return self.narrow(mapping, violation, model, note)
        mapping.notes = [
            "the database names neither table nor column; listed are the fields an AlterField "
            "made NOT NULL (migrate's output, `Applying app.migration...`, settles it)"
        ]
        return mapping

    def narrow_to_migration(
        self, mapping: Mapping, violation: Violation, migration: MigrationFile
    ) -> Mapping:
        """Settle an open mapping on what the migration being applied alters, when that is one
        model (and, among its candidate fields, on the ones the migration alters)."""
        touched = touched_fields(self.index, migration)
        altered = {(model.label, name) for model, name in touched}
        pairs = [
            (model, field)
            for model, field in mapping.candidate_fields
            if (model.label, field.name) in altered or (model.label, None) in altered
        ]
        labels = {model.label for model, _ in touched}
        models = _distinct_models(model for model, _ in pairs) or [
            model for model in mapping.candidates if model.label in labels
        ]
        if not mapping.candidates and violation.table is None and len(labels) == 1:
            models = [touched[0][0]]  # nothing else to go by: the one model the migration alters
        if len(models) != 1:
            return mapping
        narrowing = replace(mapping, candidate_fields=pairs or mapping.candidate_fields)
        note = f"the migration being applied, {migration.app_label}.{migration.name}, alters it"
        return self.narrow(narrowing, violation, models[0], note)

    def _from_constraint(
        self, mapping: Mapping, constraint: KnownConstraint, violation: Violation
    ) -> Mapping:
        mapping.model = constraint.model
        mapping.table = constraint.table
        mapping.constraint = constraint
        mapping.fields = list(constraint.fields) or self.fields_for_columns(
            constraint.model, violation.columns
        )
        return mapping

    def _without_table(self, mapping: Mapping, violation: Violation) -> Mapping:
        """No table in the message (or an unknown one): list what it can be about."""
        if violation.table is not None:
            mapping.notes = [f"no model of this project has the table {violation.table!r}"]
            return mapping
        for model in self.project_models():
            if violation.kind == "foreign_key":
                fields = self.foreign_keys(model, violation.referenced_table)
            else:
                fields = self.fields_for_columns(model, violation.columns)
                if violation.kind == "not_null":
                    fields = [field for field in fields if not field.null]
            if fields:
                mapping.candidates.append(model)
                mapping.candidate_fields.extend((model, field) for field in fields)
        if len(mapping.candidates) == 1:
            model = mapping.candidates[0]
            return self.narrow(mapping, violation, model, f"only {model.label} fits the message")
        if violation.kind == "foreign_key":
            mapping.notes = [
                "the database does not say which table; every model with a foreign key can "
                "raise it (a pasted traceback narrows it down)"
            ]
        elif mapping.candidates:
            mapping.notes = ["the message names no table; every model it fits is listed"]
        return mapping

    def models_for_table(self, table: str) -> list[ModelRecord]:
        """Every concrete model whose table is `table`: usually one, but two may share a
        table (an unmanaged model over another's), and then the message cannot tell which."""
        concrete = [
            model for model in self.index.models() if not model.abstract and not model.proxy
        ]
        tables = [(model, self.index.table_name(model)) for model in concrete]
        for same in (
            lambda name: name == table,
            lambda name: name.lower() == table.lower(),
            # Django shortens db_table to the backend's limit
            lambda name: (
                table in (db_names.truncate_name(name, 63), db_names.truncate_name(name, 64))
            ),
        ):
            found = _distinct_models(model for model, name in tables if same(name))
            if found:
                return found
        return []

    def _shared_table(
        self, mapping: Mapping, violation: Violation, models: list[ModelRecord]
    ) -> Mapping:
        """Several models use the violated table: each is listed, with its fields that fit."""
        mapping.candidates = models
        for model in models:
            if violation.kind == "foreign_key":
                fields = self.foreign_keys(model, violation.referenced_table)
            else:
                fields = self.fields_for_columns(model, violation.columns)
            mapping.candidate_fields.extend((model, field) for field in fields)
        labels = ", ".join(model.label for model in models)
        mapping.notes = [f"{len(models)} models use the table {violation.table!r} ({labels})"]
        return mapping

    def fields_for_columns(self, model: ModelRecord, columns: Sequence[str]) -> list[FieldRecord]:
        by_column = {
            field.column: field
            for field in self.index.local_fields(model).values()
            if not field.is_many_to_many
        }
        return [by_column[column] for column in columns if column in by_column]

    def foreign_keys(self, model: ModelRecord, referenced_table: str | None) -> list[FieldRecord]:
        found = []
        for field in self.index.local_fields(model).values():
            if not field.is_foreign_key or field.option("auto_created") == "True":
                continue
            if referenced_table is not None:
                target = self.index.related_model(model, field)
                if target is None or self.index.table_name(target) != referenced_table:
                    continue
            found.append(field)
        return found

    def _constraint_for_fields(
        self, model: ModelRecord, violation: Violation, fields: Sequence[FieldRecord]
    ) -> KnownConstraint | None:
        """The model's constraint of the violated kind on exactly these fields, if any."""
        if not fields:
            return None
        wanted = {field.name for field in fields}
        kinds = {"unique": ("unique", "primary_key"), "foreign_key": ("foreign_key",)}
        found = [
            constraint
            for constraint in self.known
            if constraint.model.label == model.label
            and constraint.kind in kinds.get(violation.kind, (violation.kind,))
            and {field.name for field in constraint.fields} == wanted
        ]
        # The same constraint under this backend's name when it has one (SQLite names none).
        found.sort(key=lambda constraint: violation.backend not in constraint.backends)
        return found[0] if found else None


def _columns(fields: Sequence[FieldRecord]) -> tuple[str, ...]:
    return tuple(field.column for field in fields)


def _distinct_models(models: Iterable[ModelRecord]) -> list[ModelRecord]:
    return list({model.label: model for model in models}.values())
