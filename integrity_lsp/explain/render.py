"""An `Explanation` as text for people and as JSON for tools.

Positions are shown as `path:line:col` with 1-based lines and columns (parso columns + 1), as
`integrity-lsp check` shows them; paths are relative to the project root when inside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrity_lsp.explain.catalogue import KnownConstraint
from integrity_lsp.explain.messages import UNDERSTOOD_FORMATS, Violation
from integrity_lsp.explain.report import Explanation
from integrity_lsp.explain.sites import WriteSite
from integrity_lsp.findings import Finding
from integrity_lsp.project.records import FieldRecord, ModelRecord, SourceRef

_KIND_TITLES = {
    "unique": "unique constraint",
    "not_null": "NOT NULL constraint",
    "foreign_key": "foreign key constraint",
    "check": "check constraint",
}
_BACKEND_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB"}


def unrecognised_text() -> str:
    """What `explain` says when it finds no IntegrityError message it knows."""
    lines = ["No IntegrityError message that integrity-lsp understands was found. It reads:"]
    lines.extend(f"  {line}" for line in UNDERSTOOD_FORMATS)
    return "\n".join(lines) + "\n"


# How many write sites are listed unless everything is asked for (`--all`).
SHOWN_SITES = 10


def render_text(
    explanation: Explanation, root: Path | None = None, *, show_all: bool = False
) -> str:
    violation = explanation.violation
    by = " by rows already in the table (a migration)" if explanation.existing_rows else ""
    lines = [
        violation.raw.splitlines()[0],
        f"  {_BACKEND_TITLES[violation.backend]}, {_KIND_TITLES[violation.kind]} violated{by}",
        "",
    ]
    model = explanation.model
    if model is not None:
        table = explanation.table or ""
        lines.append(f"Model:       {model.label} (table {table})  {_where(model.ref, root)}")
    elif explanation.candidates:
        lines.append("Model:       one of (the message cannot tell which):")
        lines.extend(
            f"               {candidate.label}  {_where(candidate.ref, root)}"
            for candidate in explanation.candidates
        )
    else:
        lines.append("Model:       not found in this project")
    for field in explanation.fields:
        lines.append(f"Field:       {_field_text(field)}  {_where(field.ref, root)}")
    constraint = explanation.constraint
    if constraint is not None:
        lines.append(f"Constraint:  {constraint.description}  {_where(constraint.ref, root)}")
        reported = violation.constraint
        if reported is not None and reported.lower() != constraint.name.lower():
            # Never show our computed name as if it were the one the database reported.
            lines.append(f"             the database calls it {reported!r}")
        elif violation.backend in constraint.backends:
            lines.append(f"             name {constraint.name!r}: {constraint.origin}")
        if constraint.condition:
            label = "check" if constraint.kind == "check" else "only where"
            lines.append(f"             {label} {constraint.condition}")
    elif (
        violation.kind == "not_null"
        and explanation.fields
        and not any(field.null for field in explanation.fields)
    ):
        lines.append("Constraint:  NOT NULL (the field has null=False, the default)")
    if explanation.applying is not None:
        app_label, name = explanation.applying
        lines.append(f"Applying:    {app_label}.{name} (where migrate failed)")
    introduced = explanation.introduced
    if introduced is not None:
        lines.append(
            f"Migration:   {introduced.operation} in {introduced.migration}"
            f"  {_where(introduced.ref, root)}"
        )
    lines.extend(f"Note:        {note}" for note in explanation.notes)
    lines.append("")
    if not explanation.write_sites:
        lines.append("No write site found in the project.")
    elif explanation.existing_rows:
        lines.append("Write sites, riskiest first (once the migration is applied, they can raise")
        lines.append("it themselves):")
    else:
        lines.append("Write sites that can raise it, riskiest first:")
    shown = explanation.write_sites if show_all else explanation.write_sites[:SHOWN_SITES]
    for site in shown:
        lines.extend(_site_lines(site, explanation, root))
    hidden = len(explanation.write_sites) - len(shown)
    if hidden:
        lines.append(
            f"  … and {hidden} more write site{'s' if hidden > 1 else ''} (--all lists them)"
        )
    return "\n".join(lines) + "\n"


def _field_text(field: FieldRecord) -> str:
    column = f" (column {field.column})" if field.column != field.name else ""
    options = ", ".join(f"{key}={value}" for key, value in field.options)
    return f"{field.name} = {field.field_class}({options}){column}"


def _site_lines(site: WriteSite, explanation: Explanation, root: Path | None) -> list[str]:
    tags: list[str] = [site.kind]
    if site.traceback == "frame":
        tags.append("from the traceback")
    elif site.traceback == "helper":
        tags.append("called from the traceback's line")
    if site.test:
        tags.append("test code")
    setting = _setting(site, explanation.fields_of(site.model))
    if setting:
        tags.append(setting)
    where = _where(SourceRef(site.path, site.span), root, column=True)
    lines = [f"  {where}  {site.code}", f"      {'; '.join(tags)}"]
    lines.extend(f"      {finding.code} {finding.message}" for finding in site.findings)
    return lines


def _setting(site: WriteSite, fields: tuple[FieldRecord, ...]) -> str:
    if not fields:
        return ""
    names = ", ".join(field.name for field in fields)
    sets = site.sets(fields)
    if sets is None:
        return f"may set {names} (not all its values are visible)"
    if not sets:
        filled = [
            f"{f.name} by {how}" for f in fields if (how := f.filled_when_omitted()) is not None
        ]
        return f"leaves {names} unset" + (f" (filled: {', '.join(filled)})" if filled else "")
    described = []
    for field in fields:
        value = site.value_of(field.name)
        if value is not None:
            how = {"none": "to None", "literal": "to a literal", "data": "from data"}[value]
            raw = field.attname in site.keywords and field.attname != field.name
            described.append(f"{field.attname if raw else field.name} {how}")
    return "sets " + ", ".join(described)


def _where(ref: SourceRef, root: Path | None, *, column: bool = False) -> str:
    path = _display_path(ref.path, root)
    if column:
        return f"{path}:{ref.span.start_line}:{ref.span.start_column + 1}"
    return f"{path}:{ref.span.start_line}"


def _display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


# --- JSON --------------------------------------------------------------------------------------


def to_json(
    explanation: Explanation, root: Path | None = None, *, show_all: bool = False
) -> dict[str, Any]:
    sites = explanation.write_sites if show_all else explanation.write_sites[:SHOWN_SITES]
    return {
        "violation": _violation_json(explanation.violation),
        "model": _model_json(explanation.model, explanation.table, root),
        "candidates": [_model_json(m, None, root) for m in explanation.candidates],
        "fields": [_field_json(field, root) for field in explanation.fields],
        "constraint": _constraint_json(
            explanation.constraint,
            explanation.violation.backend,
            root,
            explanation.violation.constraint,
        ),
        "migration": (
            {
                "name": explanation.introduced.migration,
                "operation": explanation.introduced.operation,
                **_location(explanation.introduced.ref, root),
            }
            if explanation.introduced is not None
            else None
        ),
        "existing_rows": explanation.existing_rows,
        "applying_migration": (
            ".".join(explanation.applying) if explanation.applying is not None else None
        ),
        "notes": list(explanation.notes),
        "write_sites": [_site_json(site, explanation, root) for site in sites],
        "write_sites_not_shown": len(explanation.write_sites) - len(sites),
        "frames": [
            {"path": frame.path, "line": frame.line, "function": frame.function}
            for frame in explanation.frames
        ],
    }


def _location(ref: SourceRef, root: Path | None) -> dict[str, Any]:
    return {
        "filename": _display_path(ref.path, root),
        "location": {"row": ref.span.start_line, "column": ref.span.start_column + 1},
        "end_location": {"row": ref.span.end_line, "column": ref.span.end_column + 1},
    }


def _violation_json(violation: Violation) -> dict[str, Any]:
    return {
        "kind": violation.kind,
        "backend": violation.backend,
        "table": violation.table,
        "columns": list(violation.columns),
        "constraint": violation.constraint,
        "values": list(violation.values),
        "referenced_table": violation.referenced_table,
        "referenced_columns": list(violation.referenced_columns),
        "existing_rows": violation.existing_rows,
        "rebuilt_table": violation.rebuilt_table,
        "message": violation.raw,
    }


def _model_json(
    model: ModelRecord | None, table: str | None, root: Path | None
) -> dict[str, Any] | None:
    if model is None:
        return None
    return {"label": model.label, "table": table, **_location(model.ref, root)}


def _field_json(field: FieldRecord, root: Path | None) -> dict[str, Any]:
    return {
        "name": field.name,
        "column": field.column,
        "field_class": field.field_class,
        **_location(field.ref, root),
    }


def _constraint_json(
    constraint: KnownConstraint | None, backend: str, root: Path | None, reported: str | None
) -> dict[str, Any] | None:
    if constraint is None:
        return None
    return {
        "name": constraint.name if backend in constraint.backends else None,
        "reported_name": reported,
        "kind": constraint.kind,
        "description": constraint.description,
        "origin": constraint.origin,
        "generated": constraint.generated,
        "model": constraint.model.label,
        "fields": [field.name for field in constraint.fields],
        "condition": constraint.condition,
        **_location(constraint.ref, root),
    }


def _site_json(site: WriteSite, explanation: Explanation, root: Path | None) -> dict[str, Any]:
    fields = explanation.fields_of(site.model)
    return {
        "kind": site.kind,
        "model": site.model.label,
        "code": site.code,
        "function": site.function,
        "from_traceback": site.from_traceback,
        "traceback": site.traceback or None,
        "test": site.test,
        "sets_fields": site.sets(fields) if fields else None,
        "values": dict(site.values),
        "complete": site.complete,
        "findings": [_finding_json(finding, root) for finding in site.findings],
        **_location(SourceRef(site.path, site.span), root),
    }


def _finding_json(finding: Finding, root: Path | None) -> dict[str, Any]:
    return {
        "code": finding.code,
        "message": finding.message,
        **_location(SourceRef(finding.path, finding.span), root),
    }
