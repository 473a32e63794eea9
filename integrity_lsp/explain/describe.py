"""A model and its fields as Markdown: what the database enforces on each field (NOT NULL,
unique, foreign keys, defaults, checks) and the model's unique sets and check constraints. The
editor's hover shows it on a model name or on a field keyword of an ORM call.
"""

from __future__ import annotations

import re
from pathlib import Path

from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import POSITIVE_FIELD_CLASSES, FieldRecord, ModelRecord


def _where(root: Path, path: Path, line: int) -> str:
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return f"`{shown}:{line}`"


def field_facts(index: ProjectIndex, model: ModelRecord, field: FieldRecord) -> list[str]:
    """What the database enforces on one field, in words."""
    facts: list[str] = []
    if field.primary_key:
        facts.append("primary key")
    elif field.is_unique:
        facts.append("unique" + (" (OneToOneField)" if not field.unique else ""))
    if field.is_foreign_key or field.is_many_to_many:
        facts.append(f"→ `{field.related_model}`")
    if not field.is_many_to_many:
        facts.append("NULL allowed" if field.null else "NOT NULL")
    if field.default is not None:
        facts.append(f"default `{field.default}`")
    if field.db_default is not None:
        facts.append(f"db_default `{field.db_default}`")
    if field.auto_now or field.auto_now_add:
        facts.append("auto_now" if field.auto_now else "auto_now_add")
    if field.field_class in POSITIVE_FIELD_CLASSES:
        facts.append("CHECK ≥ 0")
    for unique in index.unique_sets(model):
        if len(unique.fields) > 1 and field.name in unique.fields:
            others = ", ".join(sorted(unique.fields - {field.name}))
            facts.append(f"unique together with {others} ({unique.description})")
    for constraint in index.constraints(model):
        condition = constraint.condition or ""
        mentions = re.search(rf"\b{re.escape(field.name)}(__|\b)", condition)
        if constraint.kind == "check" and mentions:
            facts.append(f"CHECK `{constraint.name}`: `{condition}`")
    return facts


def field_markdown(index: ProjectIndex, root: Path, model: ModelRecord, field: FieldRecord) -> str:
    table = index.table_name(model)
    lines = [
        f"**{model.name}.{field.name}** — `{field.field_class}`, column `{table}.{field.column}`",
        "",
    ]
    lines.extend(f"- {fact}" for fact in field_facts(index, model, field))
    lines += ["", f"Defined in {_where(root, field.ref.path, field.ref.span.start_line)}"]
    return "\n".join(lines)


def model_markdown(index: ProjectIndex, root: Path, model: ModelRecord) -> str:
    lines = [
        f"**{model.label}** — table `{index.table_name(model)}`",
        "",
        f"Defined in {_where(root, model.ref.path, model.ref.span.start_line)}",
        "",
        "| field | type | constraints |",
        "|---|---|---|",
    ]
    for field in index.all_fields(model).values():
        facts = "; ".join(field_facts(index, model, field)).replace("|", "\\|")
        lines.append(f"| `{field.name}` | {field.field_class} | {facts} |")
    constraints = [
        f"- {unique.description}" + (f" where `{unique.condition}`" if unique.condition else "")
        for unique in index.unique_sets(model)
        if len(unique.fields) > 1
    ]
    constraints += [
        f"- CHECK `{constraint.name}`: `{constraint.condition}`"
        for constraint in index.constraints(model)
        if constraint.kind == "check"
    ]
    if constraints:
        lines += ["", "**Constraints**", *constraints]
    return "\n".join(lines)
