"""From a parsed violation to an `Explanation`: model, fields, constraint and write sites.

The model, fields and constraint come from `mapping`. Messages that name no table (SQLite's
foreign key and check failures, MySQL's `Column 'c' cannot be null`) are settled by the
traceback's innermost project frame when there is one, else every candidate model is listed.
Write sites come riskiest first, the one the traceback points at before all others. When a
migration met rows already in the table (`migrating`), the migration migrate was applying
settles what the message leaves open, and the notes say which rows are in the way and what to
repair before that migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.related_writes import unprepared_children
from integrity_lsp.explain.catalogue import KnownConstraint, catalogue
from integrity_lsp.explain.deletes import delete_sites
from integrity_lsp.explain.form_sites import form_sites
from integrity_lsp.explain.frame_sites import (
    helper_sites,
    project_frames,
    sites_at_frames,
)
from integrity_lsp.explain.introduced import Introduced, introduced_by
from integrity_lsp.explain.many_to_many import link_sites, through_for_table
from integrity_lsp.explain.mapping import Mapper
from integrity_lsp.explain.messages import ParsedError, Violation, parse_error
from integrity_lsp.explain.migrating import (
    applying_migration,
    existing_rows_notes,
)
from integrity_lsp.explain.ranking import rank_key
from integrity_lsp.explain.ranking import relevant as is_relevant
from integrity_lsp.explain.sites import FileMemo, WriteSite, find_write_sites, project_files
from integrity_lsp.explain.tracebacks import Frame, MigrationKey
from integrity_lsp.findings import Finding, Span
from integrity_lsp.project.records import FieldRecord, ModelRecord, SourceRef
from integrity_lsp.project.resolve import Resolver

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex

# The rules whose findings are about each kind of violation (IL202 matters to all of them).
RELEVANT_CODES: dict[str, frozenset[str]] = {
    "unique": frozenset({"IL101", "IL102", "IL103", "IL104", "IL201", "IL202"}),
    "not_null": frozenset({"IL202", "IL203"}),
    "foreign_key": frozenset({"IL202", "IL204"}),
    "check": frozenset({"IL202", "IL205"}),
}
# The message says NOT NULL where the model says null=True: the code and the schema disagree.
SCHEMA_DIFFERS = (
    "the model allows NULL here ({fields} has null=True): the database schema differs from this"
    " code — a migration not applied, or applied from another branch"
)


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
    memo: FileMemo | None = None,
) -> Explanation:
    """`parsed` explained against `index`; with `memo`, what each file holds is read from it
    once for as long as the file does not change (`cache.snapshot`)."""
    if resolver is None:
        resolver = Resolver(index)
    violation = parsed.violation
    mapper = Mapper(index, catalogue(index))
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
    frames = project_frames(parsed.frames, index.root)
    files = list(project_files(index.root, settings))  # walked once for every scan below
    frame_sites: list[WriteSite] = []
    if frames:
        frame_models = [*mapping.models, *mapper.children(mapping.models)]
        frame_sites = sites_at_frames(
            index, resolver, frame_models or mapper.project_models(), frames, files, memo
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
    nullable = [f.name for f in mapping.fields if f.null]
    if violation.kind == "not_null" and nullable:
        notes.append(SCHEMA_DIFFERS.format(fields=", ".join(nullable)))
    if existing_rows:
        notes.extend(
            existing_rows_notes(
                violation, mapping.table, mapping.fields, mapping.constraint, introduced,
                parsed.applying,
            )
        )  # fmt: skip
    sites = find_write_sites(
        index,
        [*mapping.models, *children],
        resolver=resolver,
        files=files,
        settings=settings,
        memo=memo,
    )
    known = {(site.path, site.span) for site in sites}
    sites.extend(
        site
        for site in form_sites(
            index, [*mapping.models, *children], resolver, files, settings=settings, memo=memo
        )
        if (site.path, site.span) not in known
    )
    through = through_for_table(index, mapping.table) if mapping.table is not None else None
    if through is not None:  # a many-to-many table: its rows come from .add() / .set()
        sites = link_sites(index, through, resolver, files, settings=settings, memo=memo)
    parents = mapper.models_for_table(violation.referenced_table or "")
    if violation.parent_delete and len(parents) == 1:  # the parent's deletes raise it
        sites = delete_sites(index, parents[0], resolver, files, settings=settings, memo=memo)
        notes.append(deleted_parent_note(index, parents[0]))
    marked = {(site.path, site.span) for site in frame_sites}
    if frames and not marked:
        marked_helpers = helper_sites(sites, frames)
        sites = [
            replace(site, traceback="helper") if (site.path, site.span) in marked_helpers else site
            for site in sites
        ]
    sites = [
        replace(site, traceback="frame") if (site.path, site.span) in marked else site
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


def deleted_parent_note(index: ProjectIndex, parent: ModelRecord) -> str:
    unprepared = unprepared_children(index, parent)
    why = (
        f"on_delete=DO_NOTHING on {', '.join(unprepared)}"
        if unprepared
        else "a _raw_delete() or raw SQL, or a child row inserted concurrently after Django"
        " collected the children"
    )
    return (
        f"a row of {parent.label} still referenced was deleted; Django's collector applies"
        f" on_delete in Python, so the database refuses only what it did not prepare: {why}"
    )


def with_sites(explanation: Explanation, sites: Iterable[WriteSite]) -> Explanation:
    """`explanation` with `sites` ranked riskiest first (relevant ones only)."""
    kind = explanation.violation.kind

    def key(site: WriteSite) -> tuple[tuple[int, ...], Path, Span]:
        return rank_key(site, kind, explanation.fields_of(site.model)), site.path, site.span

    relevant = [s for s in sites if is_relevant(s, kind, explanation.fields_of(s.model))]
    ranked = sorted(relevant, key=key)
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
