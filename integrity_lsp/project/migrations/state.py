"""The per-model state an app's migrations build, replayed statically in plan order.

`replay` applies the operations SPEC lists (CreateModel, DeleteModel, RenameModel, AddField,
RemoveField, AlterField, RenameField, AlterUniqueTogether, AddConstraint, RemoveConstraint,
AlterModelOptions, AlterModelTable) to immutable `ModelState`s, and records, for every operation,
the state of its model just before it (what IL301–IL303 judge it against). What it cannot follow
(RunSQL, SeparateDatabaseAndState, custom operations) marks the models it may touch `unknown`:
their columns and constraints are no longer claimed. RunPython and RunSQL are also remembered as
data steps of the models they reach (a dedupe or a backfill).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from integrity_lsp.project.migrations.cascades import cascaded_deletes
from integrity_lsp.project.migrations.data_steps import AT_MOST_ONE_ROW, EVERY_ROW, every_row_of
from integrity_lsp.project.migrations.graph import (
    HARMLESS_OPERATIONS,
    MigrationFile,
    MigrationKey,
    Operation,
)
from integrity_lsp.project.records import ConstraintRecord, FieldRecord, SourceRef

APP_WIDE = "*"  # the model key of "every model of the app" for unknown-marking


@dataclass(frozen=True)
class FieldState:
    record: FieldRecord
    ref: SourceRef  # the last operation that set it
    added_at: int  # sequence number of the operation that created the column
    former_names: tuple[str, ...] = ()  # before RenameField: a backfill may use them


@dataclass(frozen=True)
class ConstraintState:
    record: ConstraintRecord
    ref: SourceRef


@dataclass(frozen=True)
class ModelState:
    app_label: str
    name: str  # as CreateModel / RenameModel wrote it
    fields: Mapping[str, FieldState]
    created_by: MigrationKey
    created_at: int
    ref: SourceRef  # the last operation that touched this model
    unique_together: tuple[tuple[str, ...], ...] = ()
    together_ref: SourceRef | None = None
    constraints: tuple[ConstraintState, ...] = ()
    db_table: str | None = None
    db_table_ref: SourceRef | None = None
    bases: tuple[str, ...] = ()
    proxy: bool = False
    managed: bool = True
    unknown: str | None = None  # why the state cannot be trusted, with where
    # RunPython/RunSQL that may touch rows: (sequence number, the names its code mentions)
    data_steps: tuple[tuple[int, frozenset[str] | None], ...] = ()
    # (sequence, words) of data steps that delete rows of a model this one CASCADEs from
    cascade_deletes: tuple[tuple[int, frozenset[str]], ...] = ()

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def has_table(self) -> bool:
        return self.managed and not self.proxy

    def field(self, name: str) -> FieldState | None:
        return self.fields.get(name)

    def table(self) -> str:
        return self.db_table or f"{self.app_label}_{self.key}"

    def unique_sets(self) -> list[frozenset[str]]:
        """Column sets the database keeps unique (unconditional ones only)."""
        sets = [frozenset({name}) for name, f in self.fields.items() if f.record.is_unique]
        sets.extend(frozenset(entry) for entry in self.unique_together)
        sets.extend(
            frozenset(c.record.fields)
            for c in self.constraints
            if c.record.kind == "unique"
            and c.record.fields
            and c.record.condition is None
            and not c.record.has_expressions
        )
        return sets

    def emptied_before(self, end: int) -> bool:
        """The last data step on this model before `end` deletes every row of it (nothing
        after it can have put rows back: it is the last)."""
        steps = [names for step, names in self.data_steps if step < end]
        if not steps or steps[-1] is None:
            return False
        return bool(steps[-1] & {EVERY_ROW, every_row_of(self.table())})

    def unread_step_between(self, start: int, end: int) -> bool:
        """A data step on this model after `start` and before `end` whose code cannot be read
        (a function imported from another module, raw SQL built at run time): it may have
        emptied the table or filled the column, nobody here can say."""
        return any(start <= step < end and names is None for step, names in self.data_steps)

    def data_step_between(self, start: int, end: int, fields: Iterable[str]) -> bool:
        """A data step after `start` and before `end` whose code may touch these fields (it
        mentions one of them, its column or attname, or cannot be read)."""
        words: set[str] = {EVERY_ROW, AT_MOST_ONE_ROW, every_row_of(self.table())}
        for name in fields:
            words.add(name.lower())
            state = self.field(name)
            if state is not None:
                words.update((state.record.attname.lower(), state.record.column.lower()))
                for former in state.former_names:  # filled under its old name, then renamed
                    words.update((former.lower(), f"{former.lower()}_id"))
        return any(
            start < step < end and (names is None or names & words)
            for step, names in self.data_steps
        )


@dataclass(frozen=True)
class Before:
    """An operation's position in the replay and its model just before it ran."""

    sequence: int
    model: ModelState | None


@dataclass
class AppState:
    label: str
    migrations: list[MigrationKey]  # the app's migrations, in plan order
    models: dict[str, ModelState] = field(default_factory=dict)  # lower-case name -> final
    before: dict[tuple[str, int], Before] = field(default_factory=dict)  # (migration, op index)
    # An operation that may have touched any model of the app, ones it may have created too.
    unknown: str | None = None
    # Models an operation nobody can read named while the state held no model of that name
    # (kolibri's `CreateModelIfNotExists(name="Job", …)`, a project subclass of CreateModel):
    # it may have created them, so their absence from `models` says nothing.
    maybe_created: set[str] = field(default_factory=set)

    def model(self, name: str) -> ModelState | None:
        return self.models.get(name.lower())


def replay(label: str, migrations: Iterable[MigrationFile]) -> AppState:
    """Apply the app's migrations (already in plan order) to an empty state."""
    files = list(migrations)
    state = AppState(label, [m.key for m in files])
    sequence = 0
    for migration in files:
        for operation in migration.operations:
            sequence += 1
            target = operation.model
            state.before[(migration.name, operation.index)] = Before(
                sequence, state.models.get(target) if target else None
            )
            _apply(state, migration, operation, sequence)
    return state


def _ref(migration: MigrationFile, operation: Operation) -> SourceRef:
    return SourceRef(migration.path, operation.callee_span)


def _apply(state: AppState, migration: MigrationFile, op: Operation, sequence: int) -> None:
    models = state.models
    ref = _ref(migration, op)
    kind = op.kind
    current = models.get(op.model) if op.model else None
    if kind == "CreateModel" and op.model and op.understood:
        options = op.options
        models[op.model] = ModelState(
            app_label=state.label,
            name=op.name or op.model,
            fields={f.name: FieldState(f, ref, sequence) for f in op.fields},
            created_by=migration.key,
            created_at=sequence,
            ref=ref,
            unique_together=op.unique_together or (),
            together_ref=ref if op.unique_together else None,
            constraints=tuple(ConstraintState(c, ref) for c in op.constraints),
            db_table=op.db_table,
            db_table_ref=ref if op.db_table_given else None,
            bases=op.bases,
            proxy=options.get("proxy") is True,
            managed=options.get("managed") is not False,
            unknown=None if op.fields_complete else "CreateModel with fields it cannot read",
        )
        return
    if kind in ("RunPython", "RunSQL"):
        _data_step(state, op, sequence)
    if kind in ("RunSQL", "SeparateDatabaseAndState"):
        for nested in op.nested:
            _apply(state, migration, nested, sequence)
        if kind == "RunSQL":
            affected = _sql_models(state, op)
        else:
            touched = {nested.model for nested in op.nested} | set(op.touches)
            affected = {APP_WIDE} if None in touched else {m for m in touched if m}
        _mark_unknown(state, affected, f"{kind} in {migration.name}")
        return
    if kind == "RunPython":
        return
    if kind in HARMLESS_OPERATIONS:
        return
    if current is None:
        if not op.understood or kind not in _HANDLERS:
            _mark_unknown(state, {op.model or APP_WIDE}, f"{kind} in {migration.name}")
            if op.model:
                state.maybe_created.add(op.model)
        return
    handler = _HANDLERS.get(kind) if op.understood else None
    if handler is None:
        _mark_unknown(state, {current.key}, f"{kind} in {migration.name}")
        return
    updated = handler(current, op, ref, sequence)
    if kind == "DeleteModel":
        del models[current.key]
        return
    if kind == "RenameModel":
        del models[current.key]
    if updated is not None:
        models[updated.key] = replace(updated, ref=ref)
    if kind == "RenameModel" and updated is not None:
        _repoint_relations(state, f"{state.label}.{current.name}", f"{state.label}.{updated.name}")


def _repoint_relations(state: AppState, old_label: str, new_label: str) -> None:
    """RenameModel's state_forwards re-points the relations to the renamed model: wagtail's
    `Comment.revision_created` (to "wagtailcore.PageRevision") follows 0070's rename to
    Revision. Only this app's models: other apps' states are replayed on their own."""
    old = old_label.lower()
    for key, model in list(state.models.items()):
        fields = {
            name: replace(field, record=replace(field.record, related_model=new_label))
            if (field.record.related_model or "").lower() == old
            else field
            for name, field in model.fields.items()
        }
        if any(fields[name] is not field for name, field in model.fields.items()):
            state.models[key] = replace(model, fields=fields)


def _add_field(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState | None:
    if op.field is None or op.name is None:
        return replace(model, unknown=f"{op.kind} not understood")
    record = op.field if op.preserve_default else replace(op.field, default=None)
    previous = model.fields.get(op.name)
    added_at, former = seq, tuple[str, ...]()
    if previous is not None and op.kind == "AlterField":
        added_at, former = previous.added_at, previous.former_names
    fields = {**model.fields, op.name: FieldState(record, ref, added_at, former)}
    return replace(model, fields=fields)


def _remove_field(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    fields = {name: f for name, f in model.fields.items() if name != op.name}
    together = tuple(t for t in model.unique_together if op.name not in t)
    return replace(model, fields=fields, unique_together=together)


def _rename_field(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    old, new = op.name, op.new_name
    if old is None or new is None or old not in model.fields:
        return replace(model, unknown=f"RenameField of unknown field {old}")
    fields: dict[str, FieldState] = {}
    for name, f in model.fields.items():
        if name == old:
            renamed = replace(f.record, name=new)
            fields[new] = FieldState(renamed, ref, f.added_at, (*f.former_names, old))
        else:
            fields[name] = f
    together = tuple(tuple(new if n == old else n for n in t) for t in model.unique_together)
    constraints = tuple(
        ConstraintState(
            replace(c.record, fields=tuple(new if n == old else n for n in c.record.fields)),
            c.ref,
        )
        for c in model.constraints
    )
    return replace(model, fields=fields, unique_together=together, constraints=constraints)


def _together(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    return replace(model, unique_together=op.unique_together or (), together_ref=ref)


def _add_constraint(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    added = tuple(ConstraintState(c, ref) for c in op.constraints)
    kept = tuple(c for c in model.constraints if c.record.name != op.constraint_name)
    return replace(model, constraints=kept + added)


def _remove_constraint(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    kept = tuple(c for c in model.constraints if c.record.name != op.constraint_name)
    return replace(model, constraints=kept)


def _options(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    managed = op.options.get("managed", True) is not False
    return replace(model, managed=managed)


def _table(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    return replace(model, db_table=op.db_table, db_table_ref=ref)


def _rename_model(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState:
    return replace(model, name=op.new_name or model.name)


def _delete(model: ModelState, op: Operation, ref: SourceRef, seq: int) -> ModelState | None:
    return None


_HANDLERS = {
    "AddField": _add_field,
    "AlterField": _add_field,
    "RemoveField": _remove_field,
    "RenameField": _rename_field,
    "AlterUniqueTogether": _together,
    "AddConstraint": _add_constraint,
    "AddConstraintNotValid": _add_constraint,
    "RemoveConstraint": _remove_constraint,
    "AlterModelOptions": _options,
    "AlterModelTable": _table,
    "RenameModel": _rename_model,
    "DeleteModel": _delete,
}


def _data_step(state: AppState, op: Operation, sequence: int) -> None:
    if op.kind == "RunSQL":
        touched: set[str] | None = _sql_models(state, op)
    elif op.data_models is None:
        touched = {APP_WIDE}
    else:
        touched = {model for app, model in op.data_models if app == state.label}
    if touched is not None and APP_WIDE not in touched and op.data_names:
        touched |= _reached_backwards(state, touched, op.data_names)
    cascaded: dict[str, frozenset[str]] = {}
    if touched is not None and APP_WIDE not in touched and op.data_names:
        cascaded = cascaded_deletes(state.models, touched, op.data_names)
    for key in list(state.models):
        model = state.models[key]
        if APP_WIDE in (touched or ()) or key in (touched or ()):
            step = (sequence, op.data_names)
            state.models[key] = replace(model, data_steps=(*model.data_steps, step))
        elif key in cascaded:  # rows its parents' deletes remove with them
            deletes = (*model.cascade_deletes, (sequence, cascaded[key]))
            state.models[key] = replace(model, cascade_deletes=deletes)


def _reached_backwards(state: AppState, reached: set[str], names: frozenset[str]) -> set[str]:
    """Models the code reaches through a reverse relation of a model it got: `author.book_set`
    or the ForeignKey's `related_name`."""
    found = set()
    for key, model in state.models.items():
        for field_state in model.fields.values():
            record = field_state.record
            target = (record.related_model or "").lower().rpartition(".")[2]
            if not record.is_foreign_key or target not in reached:
                continue
            related = dict(record.options).get("related_name", "").strip("\"'").lower()
            if f"{key}_set" in names or (related and related in names):
                found.add(key)
    return found


def _sql_models(state: AppState, op: Operation) -> set[str]:
    """The models whose table a RunSQL names (every model when the SQL is not literal)."""
    if op.sql is None:
        return {APP_WIDE}
    text = op.sql.lower()
    found = {
        key
        for key, model in state.models.items()
        if re.search(rf"\b{re.escape(model.table().lower())}\b", text)
    }
    found.update(nested.model for nested in op.nested if nested.model)
    return found


def _mark_unknown(state: AppState, keys: set[str], reason: str) -> None:
    if APP_WIDE in keys:
        state.unknown = state.unknown or reason
    for key, model in list(state.models.items()):
        if APP_WIDE in keys or key in keys:
            state.models[key] = replace(model, unknown=model.unknown or reason)
