"""Edits to a model's class in models.py: add a `UniqueConstraint` to its `Meta`.

The models file is read through the environment (so an editor's unsaved text is used) and
parsed here; the edit extends `Meta.constraints`, adds `constraints` to `Meta`, or adds `Meta`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.edits import ensure_import
from integrity_lsp.findings import Edit, Span
from integrity_lsp.syntax.nodes import Node, indent_of
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.records import ModelRecord

MAX_NAME_LENGTH = 63  # PostgreSQL's identifier limit, the strictest of the backends


def constraint_name(model: ModelRecord, fields: tuple[str, ...]) -> str:
    name = f"{model.app_label}_{model.name}_{'_'.join(fields)}_uniq".lower()
    return name[:MAX_NAME_LENGTH]


def add_unique_constraint(ctx: Context, model: ModelRecord, fields: tuple[str, ...]) -> list[Edit]:
    path = model.ref.path
    text = ctx.env.read_text(path)
    if text is None:
        return []
    source = SourceFile(path, text)
    classdef = _classdef_at(source.tree, model.ref.span.start_line, model.name)
    if classdef is None:
        return []
    reference, import_edit = ensure_import(source, "django.db.models", "UniqueConstraint")
    field_list = ", ".join(f'"{name}"' for name in fields)
    constraint = f'{reference}(fields=[{field_list}], name="{constraint_name(model, fields)}")'
    edit = _constraint_edit(source, classdef, constraint)
    if edit is None:
        return []
    return [edit] if import_edit is None else [import_edit, edit]


def _classdef_at(tree: Node, line: int, name: str) -> Node | None:
    for node in tree.iter_classdefs():
        if node.name.value == name and node.start_pos[0] <= line <= node.end_pos[0]:
            return node
    return None


def _body_statements(classdef: Node) -> list[Node]:
    suite = classdef.children[-1]
    if suite.type != "suite":
        return []
    return [child for child in suite.children if child.type not in ("newline",)]


def _constraint_edit(source: SourceFile, classdef: Node, constraint: str) -> Edit | None:
    body = _body_statements(classdef)
    if not body:
        return None
    indent = indent_of(body[0])
    meta = next((n for n in body if n.type == "classdef" and n.name.value == "Meta"), None)
    if meta is None:
        last = body[-1]
        line = last.end_pos[0] if last.end_pos[1] == 0 else last.end_pos[0] + 1
        content = f"\n{indent}class Meta:\n{indent}    constraints = [{constraint}]\n"
        return _insert_line(source, line, content)
    meta_body = _body_statements(meta)
    if not meta_body:
        return None
    meta_indent = indent_of(meta_body[0])
    for statement in meta_body:
        expression = statement.children[0] if statement.type == "simple_stmt" else statement
        if (
            expression.type != "expr_stmt"
            or expression.children[0].get_code().strip() != "constraints"
        ):
            continue
        value = expression.children[-1]
        if value.type != "atom" or value.children[0].value not in "[(":
            return None  # constraints built some other way: leave it to the user
        closing = value.children[-1]
        inner = value.children[1] if len(value.children) == 3 else None
        if inner is None:
            return Edit(source.path, Span.point(*closing.start_pos), constraint)
        if closing.start_pos[0] > value.start_pos[0]:  # one item per line: add a line
            item_indent = (
                indent_of(inner)
                if inner.start_pos[0] > value.start_pos[0]
                else meta_indent + "    "
            )
            last_leaf = closing.get_previous_leaf()
            separator = "" if last_leaf.value == "," else ","
            return Edit(
                source.path,
                Span.point(*last_leaf.end_pos),
                f"{separator}\n{item_indent}{constraint},",
            )
        separator = " " if closing.get_previous_leaf().value == "," else ", "
        return Edit(source.path, Span.point(*closing.start_pos), f"{separator}{constraint}")
    last = meta_body[-1]
    line = last.end_pos[0] if last.end_pos[1] == 0 else last.end_pos[0] + 1
    return _insert_line(source, line, f"{meta_indent}constraints = [{constraint}]\n")


def _insert_line(source: SourceFile, line: int, content: str) -> Edit:
    if line > len(source.lines):
        ending = "" if source.text.endswith("\n") or not source.text else "\n"
        last_line = len(source.lines)
        column = len(source.lines[-1]) if source.lines else 0
        return Edit(source.path, Span.point(last_line, column), ending + content)
    return Edit(source.path, Span.point(line, 0), content)
