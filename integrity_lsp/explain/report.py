"""From a parsed violation to an `Explanation`: model, fields, constraint and write sites.

The table names the model (`ProjectIndex.model_for_table`, or Django's shortened table name);
a constraint name is looked up among explicit and generated names (`catalogue`); a column names
the field (`db_column`, `<fk>_id`). Messages that name no table (SQLite's foreign key and check
failures, MySQL's `Column 'c' cannot be null`) are settled by the traceback's innermost project
frame when there is one, else every candidate model is listed. Write sites come riskiest first,
the one the traceback points at before all others. When a migration met rows already in the
table (`migrating`), the migration migrate was applying settles what the message leaves open, and
the notes say which rows are in the way and what to repair before that migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING

from integrity_lsp.explain.catalogue import KnownConstraint, catalogue, lookup_name
from integrity_lsp.explain.introduced import Introduced, introduced_by
from integrity_lsp.explain.messages import (
    Frame,
    MigrationKey,
    ParsedError,
    Violation,
    parse_error,
)
from integrity_lsp.explain.migrating import (
    applying_migration,
    existing_rows_notes,
    made_not_null,
    touched_fields,
)
from integrity_lsp.explain.sites import WriteSite, find_write_sites
from integrity_lsp.findings import Finding
from integrity_lsp.project import db_names
from integrity_lsp.project.records import (
    AUTO_FIELD_CLASSES,
    EMPTY_STRING_FIELD_CLASSES,
    FieldRecord,
    ModelRecord,
    SourceRef,
)
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.migration_graph import MigrationFile

# The rules whose findings are about each kind of violation (IL202 matters to all of them).
RELEVANT_CODES: dict[str, frozenset[str]] = {
    "unique": frozenset({"IL101", "IL102", "IL103", "IL104", "IL201", "IL202"}),
    "not_null": frozenset({"IL202", "IL203"}),
    "foreign_key": frozenset({"IL202", "IL204"}),
    "check": frozenset({"IL202", "IL205"}),
}
_LIBRARY_MARKERS = ("site-packages", "dist-packages", "<frozen", "<string>")


@dataclass(frozen=True)
class Explanation:
    """What an IntegrityError means in this project. `model` is None when it cannot be told."""

    violation: Violation
    frames: tuple[Frame, ...]
    model: ModelRecord | None
    table: str | None
    fields: tuple[FieldRecord, ...]
    constraint: KnownConstraint | None
    candidates: tuple[ModelRecord, ...]  # the models it may be about, when the text can't tell
    write_sites: tuple[WriteSite, ...]
    notes: tuple[str, ...] = ()
    # For each candidate model, the fields the message may be about (its FKs, its column).
    candidate_fields: tuple[tuple[ModelRecord, FieldRecord], ...] = ()
    introduced: Introduced | None = None  # the migration operation that added the constraint
    # Multi-table children of the model: their writes insert into its table too.
    children: tuple[ModelRecord, ...] = ()
    # A migration met rows already in the table (the writes that stored them ran before the
    # constraint existed), and the migration migrate was applying when it failed, if shown.
    existing_rows: bool = False
    applying: MigrationKey | None = None

    def fields_of(self, model: ModelRecord) -> tuple[FieldRecord, ...]:
        """The violated fields as they are on `model` (a write site's model)."""
        if self.model is not None:
            same_table = {self.model.label, *(child.label for child in self.children)}
            return self.fields if model.label in same_table else ()
        return tuple(field for owner, field in self.candidate_fields if owner.label == model.label)

    @property
    def found(self) -> bool:
        return self.model is not None or bool(self.candidates)

    @property
    def locations(self) -> tuple[SourceRef, ...]:
        """Model, fields, constraint, then each write site: for editors' location lists."""
        refs: list[SourceRef] = []
        if self.model is not None:
            refs.append(self.model.ref)
        refs.extend(candidate.ref for candidate in self.candidates)
        refs.extend(field.ref for field in self.fields)
        if self.constraint is not None:
            refs.append(self.constraint.ref)
        if self.introduced is not None:
            refs.append(self.introduced.ref)
        refs.extend(SourceRef(site.path, site.span) for site in self.write_sites)
        return tuple(dict.fromkeys(refs))


def explain_text(
    text: str,
    index: ProjectIndex,
    *,
    resolver: Resolver | None = None,
    settings: Settings | None = None,
) -> Explanation | None:
    """Explain the IntegrityError in `text`; None when no known message is in it."""
    parsed = parse_error(text)
    if parsed is None:
        return None
    return explain_parsed(parsed, index, resolver=resolver, settings=settings)


def explain_parsed(
    parsed: ParsedError,
    index: ProjectIndex,
    *,
    resolver: Resolver | None = None,
    settings: Settings | None = None,
) -> Explanation:
    if resolver is None:
        resolver = Resolver(index)
    violation = parsed.violation
    mapper = _Mapper(index, catalogue(index))
    mapping = mapper.map(violation)
    existing_rows = parsed.existing_rows
    if mapping.model is None and existing_rows:
        # What failed is a schema change of the migration being applied, if migrate's output
        # names it; MySQL's 1138 names no column at all.
        if violation.kind == "not_null" and not violation.columns and violation.table is None:
            mapping = mapper.made_not_null(violation)
        migration = applying_migration(index, parsed.applying)
        if mapping.model is None and migration is not None:
            mapping = mapper.narrow_to_migration(mapping, violation, migration)
    frames = _project_frames(parsed.frames, index.root)
    frame_sites: list[WriteSite] = []
    if frames:
        frame_models = [*mapping.models, *mapper.children(mapping.models)]
        frame_sites = _sites_at_frames(
            index, resolver, frame_models or mapper.project_models(), frames
        )
    if mapping.model is None and frame_sites:
        mapping = mapper.narrow(
            mapping, violation, frame_sites[0].model, "the write in the traceback settles it"
        )
    children = mapper.children(mapping.models)
    introduced = (
        introduced_by(index, mapping.model, violation.kind, mapping.fields, mapping.constraint)
        if mapping.model is not None
        else None
    )
    notes = list(mapping.notes)
    if existing_rows:
        notes.extend(
            existing_rows_notes(
                violation, mapping.table, mapping.fields, mapping.constraint, introduced,
                parsed.applying,
            )
        )  # fmt: skip
    sites = find_write_sites(
        index, [*mapping.models, *children], resolver=resolver, settings=settings
    )
    marked = {(site.path, site.span) for site in frame_sites}
    sites = [
        replace(site, from_traceback=True) if (site.path, site.span) in marked else site
        for site in sites
    ]
    explanation = Explanation(
        violation=violation,
        frames=parsed.frames,
        model=mapping.model,
        table=mapping.table,
        fields=tuple(mapping.fields),
        constraint=mapping.constraint,
        candidates=tuple(mapping.candidates),
        write_sites=(),
        notes=tuple(notes),
        candidate_fields=tuple(mapping.candidate_fields),
        children=tuple(children) if mapping.model is not None else (),
        introduced=introduced,
        existing_rows=existing_rows,
        applying=parsed.applying,
    )
    return with_sites(explanation, sites)


def with_sites(explanation: Explanation, sites: Iterable[WriteSite]) -> Explanation:
    """`explanation` with `sites` ranked riskiest first (relevant ones only)."""
    relevant = [site for site in sites if _relevant(site, explanation)]
    ranked = sorted(relevant, key=lambda site: (_risk(site, explanation), site.path, site.span))
    return replace(explanation, write_sites=tuple(ranked))


def attach_findings(
    explanation: Explanation, findings_for: Callable[[Path], Sequence[Finding]]
) -> Explanation:
    """Attach to each write site the checker's findings about this kind of violation that start
    on its lines, then re-rank (a site with a finding is riskier)."""
    relevant = RELEVANT_CODES[explanation.violation.kind]
    by_path: dict[Path, Sequence[Finding]] = {}
    sites = []
    for site in explanation.write_sites:
        if site.path not in by_path:
            by_path[site.path] = findings_for(site.path)
        found = tuple(
            finding
            for finding in by_path[site.path]
            if finding.code in relevant
            and site.span.start_line <= finding.span.start_line <= site.span.end_line
        )
        sites.append(replace(site, findings=found))
    return with_sites(explanation, sites)


# --- mapping ---------------------------------------------------------------------------------


@dataclass
class _Mapping:
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


class _Mapper:
    def __init__(self, index: ProjectIndex, known: list[KnownConstraint]) -> None:
        self.index = index
        self.known = known

    def map(self, violation: Violation) -> _Mapping:
        mapping = _Mapping(table=violation.table)
        model = self.model_for_table(violation.table) if violation.table else None
        if violation.constraint is not None:
            matches = lookup_name(
                self.known, violation.constraint, violation.backend, violation.table
            )
            if violation.columns and len(matches) > 1:
                matches = [m for m in matches if _columns(m.fields) == violation.columns] or matches
            if model is not None:
                matches = [m for m in matches if m.model.label == model.label] or matches
            if matches and len({m.model.label for m in matches}) == 1:
                return self._from_constraint(mapping, matches[0], violation)
            if matches:
                mapping.candidates = _distinct_models(m.model for m in matches)
                mapping.candidate_fields = [(m.model, f) for m in matches for f in m.fields]
                mapping.notes = [f"{violation.constraint!r} names a constraint in several models"]
                return mapping
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
        self, mapping: _Mapping, violation: Violation, model: ModelRecord, note: str
    ) -> _Mapping:
        """Settle an ambiguous mapping on `model` (or the parent of it the message is about),
        saying why in `note`."""
        candidates = {candidate.label for candidate in mapping.candidates}
        if model.label not in candidates:
            model = next((p for p in self.index.parents(model) if p.label in candidates), model)
        narrowed = _Mapping(table=self.index.table_name(model), model=model)
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

    def made_not_null(self, violation: Violation) -> _Mapping:
        """A NOT NULL that met NULL rows, with no table or column named (MySQL's 1138): the
        fields a migration made NOT NULL are the candidates."""
        mapping = _Mapping()
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
        self, mapping: _Mapping, violation: Violation, migration: MigrationFile
    ) -> _Mapping:
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
        self, mapping: _Mapping, constraint: KnownConstraint, violation: Violation
    ) -> _Mapping:
        mapping.model = constraint.model
        mapping.table = constraint.table
        mapping.constraint = constraint
        mapping.fields = list(constraint.fields) or self.fields_for_columns(
            constraint.model, violation.columns
        )
        return mapping

    def _without_table(self, mapping: _Mapping, violation: Violation) -> _Mapping:
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

    def model_for_table(self, table: str) -> ModelRecord | None:
        model: ModelRecord | None = self.index.model_for_table(table)
        if model is not None:
            return model
        for candidate in self.index.models():
            if candidate.abstract or candidate.proxy:
                continue
            full = self.index.table_name(candidate)
            for length in (63, 64):  # Django shortens db_table to the backend's limit
                if db_names.truncate_name(full, length) == table:
                    return candidate
        return None

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


# --- traceback ---------------------------------------------------------------------------------


def project_path(frame_path: str, root: Path) -> Path | None:
    """The project file a traceback path names, even when the traceback came from elsewhere.

    The path itself when it is under `root`, else the longest tail of at least two parts that
    exists under `root` (`/srv/app/shop/views.py` is `shop/views.py` here); library frames
    (site-packages, frozen modules) are never project.
    """
    normalised = frame_path.replace("\\", "/")
    if any(marker in normalised for marker in _LIBRARY_MARKERS):
        return None
    pure = PureWindowsPath(frame_path) if "\\" in frame_path else PurePosixPath(frame_path)
    if not pure.is_absolute():  # pytest prints paths relative to where it ran
        relative = root.joinpath(*pure.parts)
        if relative.is_file():
            return relative
    elif isinstance(pure, PurePosixPath):
        direct = Path(pure)
        if direct.is_file() and direct.resolve().is_relative_to(root.resolve()):
            return direct
    parts = [part for part in pure.parts if part not in ("/", "\\") and not part.endswith(":\\")]
    for start in range(len(parts) - 1):
        candidate = root.joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
    return None


def _project_frames(frames: Sequence[Frame], root: Path) -> list[tuple[Frame, Path]]:
    """Project frames, innermost first."""
    found = []
    for frame in reversed(frames):
        path = project_path(frame.path, root)
        if path is not None:
            found.append((frame, path))
    return found


def _sites_at_frames(
    index: ProjectIndex,
    resolver: Resolver,
    models: Sequence[ModelRecord],
    frames: Sequence[tuple[Frame, Path]],
) -> list[WriteSite]:
    """The writes of `models` the innermost project frame that has any points at."""
    for frame, path in frames:
        sites = find_write_sites(index, models, resolver=resolver, files=[path])
        at_line = [site for site in sites if site.span.contains_line(frame.line)]
        if at_line:
            return at_line
        block = _with_block_at(sites, frame.line, path)
        if block:
            return block
    return []


def _with_block_at(sites: Sequence[WriteSite], line: int, path: Path) -> list[WriteSite]:
    """Writes inside `with transaction.atomic():` at `line`: where a deferred check fires."""
    text = read_project_text(path, encoding="utf-8-sig")
    if text is None:
        return []
    source = SourceFile(path, text)
    line_text = source.line_text(line)
    if not line_text.strip():
        return []
    indent = len(line_text) - len(line_text.lstrip())
    node = source.tree.get_leaf_for_position((line, indent), include_prefixes=True)
    while node is not None and node.type != "with_stmt":
        node = node.parent
    if node is None or node.start_pos[0] != line:
        return []
    start, end = node.start_pos[0], node.end_pos[0]
    return [site for site in sites if start <= site.span.start_line <= end]


# --- ranking -----------------------------------------------------------------------------------


def fills_itself(field: FieldRecord) -> str | None:
    """Why Django gives a NOT NULL field a value when a write leaves it out, if it does."""
    if field.default is not None:
        return "default"
    if field.db_default is not None:
        return "db_default"
    if field.auto_now or field.auto_now_add:
        return "auto_now_add" if field.auto_now_add else "auto_now"
    if field.field_class in AUTO_FIELD_CLASSES:
        return "the database"
    if field.field_class in EMPTY_STRING_FIELD_CLASSES and not field.null:
        return 'Django\'s ""'  # a null=True CharField is left NULL (Field.get_default)
    return None


def _relevant(site: WriteSite, explanation: Explanation) -> bool:
    """Whether the write can raise this error: an update that visibly leaves the fields alone
    cannot, nor (for a foreign key) any write that visibly never sets it."""
    fields = explanation.fields_of(site.model)
    if site.from_traceback or not fields:
        return True
    if site.sets(fields) is not False:
        return True
    return explanation.violation.kind != "foreign_key" and site.kind not in (
        "update",
        "bulk_update",
    )


def _risk(site: WriteSite, explanation: Explanation) -> int:
    """Lower is riskier."""
    if site.from_traceback:
        return -100
    score = -10 * len(site.findings)
    kind = explanation.violation.kind
    fields = explanation.fields_of(site.model)
    sets = site.sets(fields) if fields else None
    values = {site.value_of(field.name) for field in fields} - {None}
    creates = site.kind in ("create", "constructor", "save", "bulk_create")
    if kind == "unique":
        covered = bool(fields) and {f.name for f in fields} <= set(site.lookup)
        if covered:
            score += 20  # get_or_create on the unique fields is the safe pattern
        elif sets:
            score += 0 if creates or site.kind == "update_or_create" else 2
        else:
            score += 5 if sets is None else 8
    elif kind == "not_null":
        omitted = sets is False and site.kind not in ("update", "bulk_update")
        if "none" in values or (omitted and not any(fills_itself(f) for f in fields)):
            score += 0
        elif sets is None:
            score += 3
        else:
            score += 6
    elif kind == "foreign_key":
        raw_id = any(f.attname in site.keywords and f.attname != f.name for f in fields)
        score += 0 if raw_id else (2 if sets else 5)
    elif sets:
        score += 0 if "literal" in values else 2
    else:
        score += 5
    return score
