"""`GenericForeignKey`s of a model, read from its class body: which attribute fills which two
columns (`content_object = GenericForeignKey("content_type", "object_id")`). Assigning the
attribute an object writes its content type and its primary key; IL203 counts both columns as
given, the race analysis matches them against a lookup's keys (`absence_deletes`)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.syntax.source import content_hash, cpython_tree

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord


def generic_foreign_keys(ctx: Context, model: ModelRecord) -> dict[str, tuple[str, str]]:
    """`content_object = GenericForeignKey("content_type", "object_id")` in the class body:
    attribute -> (ct_field, fk_field). Assigning it fills both columns."""
    path = model.ref.path
    text = ctx.file.text if path == ctx.file.path else ctx.env.read_text(Path(path))
    if text is None or "GenericForeignKey" not in text:
        return {}
    key = (str(path), content_hash(text))
    by_class = _GENERIC_CACHE.get(key)
    if by_class is None:
        by_class = _generic_foreign_keys(text)
        if len(_GENERIC_CACHE) > 1024:
            _GENERIC_CACHE.clear()
        _GENERIC_CACHE[key] = by_class
    return by_class.get(model.name, {})


_GENERIC_CACHE: dict[tuple[str, str], dict[str, dict[str, tuple[str, str]]]] = {}


def _generic_foreign_keys(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    module = cpython_tree(text)
    if module is None:
        return {}
    found: dict[str, dict[str, tuple[str, str]]] = {}
    # `GenericForeignKey` under another name: `import … GenericForeignKey as GFK`, or a class of
    # this module deriving from it
    names = {"GenericForeignKey"}
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom):
            names.update(a.asname for a in node.names if a.name in names and a.asname)
        elif isinstance(node, ast.ClassDef) and any(
            (base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")) in names
            for base in node.bases
        ):
            names.add(node.name)
    for node in ast.walk(module):
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if not (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)
            ):
                continue
            call = statement.value
            callee = call.func.attr if isinstance(call.func, ast.Attribute) else None
            callee = call.func.id if isinstance(call.func, ast.Name) else callee
            if callee not in names:
                continue
            given = {k.arg: k.value for k in call.keywords if k.arg}
            columns = []
            for position, (keyword, default) in enumerate(
                (("ct_field", "content_type"), ("fk_field", "object_id"))
            ):
                value = call.args[position] if len(call.args) > position else given.get(keyword)
                if value is None:
                    columns.append(default)
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    columns.append(value.value)
            if len(columns) == 2:
                found.setdefault(node.name, {})[statement.targets[0].id] = (columns[0], columns[1])
    return found
