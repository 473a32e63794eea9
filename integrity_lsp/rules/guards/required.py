"""Which NOT NULL columns an insert leaves without a value, as Django 5.2 decides it.

`Model.__init__` fills every field the call does not name with `Field.get_default()`: the
`default` (a callable is called), else a `DatabaseDefault` for `db_default`, else `""` when the
class allows empty strings and the field is not null (`empty_strings_allowed`: CharField and
its subclasses, TextField, FilePathField, the file fields, BinaryField as `b""`), else None.
`auto_now`/`auto_now_add` are set by `pre_save`, auto fields by the database. A None in a NOT
NULL column is the IntegrityError. A field the model's own methods assign (`self.slug = …` in an
overridden `save()`, or `setattr(self, "slug", …)`) is taken as filled; a `save()` that assigns
an attribute it names at run time (django-ordered-model's `setattr(self, self.order_field_name,
…)`) may fill any of them: nothing is reported for that model.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.generic_foreign_keys import generic_foreign_keys
from integrity_lsp.project.records import (
    FieldRecord,
)
from integrity_lsp.syntax.declarations import source
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, walk
from integrity_lsp.syntax.source import SourceFile, content_hash, cpython_tree

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord

_ASSIGNED_CACHE: dict[tuple[str, str], dict[str, frozenset[str]]] = {}
ANY_ATTRIBUTE = "*"  # what a `save()` assigns with `setattr(self, <computed name>, …)`


def missing_fields(ctx: Context, model: ModelRecord, given: set[str]) -> list[FieldRecord]:
    """NOT NULL fields (own, abstract-inherited and multi-table parents') without a value."""
    index = ctx.env.index
    assigned: set[str] = set()
    for record in (model, *index.ancestors(model)):
        assigned |= assigned_by_methods(ctx, record)
    fields = index.all_fields(model)
    assigned |= _image_dimensions(fields.values(), given | assigned)
    lineage = (model, *index.ancestors(model))
    for record in lineage:
        for attribute, columns in generic_foreign_keys(ctx, record).items():
            if attribute in given:
                assigned |= set(columns)
    assigned |= index.pre_save_fills.attributes_for(record.name for record in lineage)
    if ANY_ATTRIBUTE in assigned:
        return []
    missing = []
    for field in fields.values():
        if field.is_many_to_many or field.null or field.filled_when_omitted() is not None:
            continue
        names = {field.name, field.attname} | ({"pk"} if field.primary_key else set())
        if not names & (given | assigned):
            missing.append(field)
    return missing


def _image_dimensions(fields: Iterable[FieldRecord], given: set[str]) -> frozenset[str]:
    """The `width_field` / `height_field` of the image fields given a value: Django sets them
    from the image when the file is assigned."""
    found: set[str] = set()
    for field in fields:
        if field.name in given:
            for option, value in field.options:
                if option in ("width_field", "height_field"):
                    found.add(value.strip("\"'"))
    return frozenset(found)


def assigned_by_methods(ctx: Context, model: ModelRecord) -> frozenset[str]:
    """Attributes the model class assigns on `self` in any of its methods."""
    path = model.ref.path
    text = ctx.file.text if path == ctx.file.path else ctx.env.read_text(Path(path))
    if text is None or "self." not in text:
        return frozenset()
    key = (str(path), content_hash(text))
    by_class = _ASSIGNED_CACHE.get(key)
    if by_class is None:
        # Once per file version for all its classes: a models module defines many models.
        by_class = _self_assignments_read_by_cpython(text)
        if by_class is None:
            source = ctx.file if path == ctx.file.path else SourceFile(Path(path), text)
            by_class = _self_assignments(source)
        if len(_ASSIGNED_CACHE) > 1024:
            _ASSIGNED_CACHE.clear()
        _ASSIGNED_CACHE[key] = by_class
    return by_class.get(model.name, frozenset())


def _self_assignments(source: SourceFile) -> dict[str, frozenset[str]]:
    """Per top-level class: the attributes its body assigns on `self`."""
    found: dict[str, set[str]] = {}
    for classdef in source.tree.iter_classdefs():
        names = found.setdefault(classdef.children[1].value, set())
        for node in walk(classdef.children[-1]):
            if node.type == "expr_stmt" and node.children[1].type == "operator":
                names.update(_self_attribute(target) for target in node.children[:-1:2])
        for func in classdef.iter_funcdefs():
            names.update(_setattr_names(func, in_save=func.name.value == "save"))
        names.discard("")
    return {name: frozenset(names) for name, names in found.items()}


def _self_assignments_read_by_cpython(text: str) -> dict[str, frozenset[str]] | None:
    """`_self_assignments` without a parso tree (the models module is not otherwise parsed
    here); None when CPython does not accept the text."""
    module = cpython_tree(text)
    if module is None:
        return None
    found: dict[str, set[str]] = {}
    pending: list[ast.AST] = list(module.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.ClassDef):
            names = found.setdefault(statement.name, set())
            for node in ast.walk(statement):
                targets = (
                    node.targets
                    if isinstance(node, ast.Assign)
                    else [node.target]
                    if isinstance(node, ast.AugAssign)
                    else []
                )
                names.update(_self_target(target) for target in targets)
            for func in statement.body:
                if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                    in_save = func.name == "save"
                    names.update(_setattr_name(node, in_save) for node in ast.walk(func))
            names.discard("")
        elif not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.expr):
            pending.extend(ast.iter_child_nodes(statement))  # classes inside if/try/with
    return {name: frozenset(names) for name, names in found.items()}


def _self_target(target: ast.expr) -> str:
    if (
        isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    ):
        return target.attr
    return ""


def _self_attribute(target: Node) -> str:
    if target.type not in CALL_CHAIN_TYPES:
        return ""
    base, trailers = chain_parts(target)
    if base.type != "name" or base.value != "self" or len(trailers) != 1:
        return ""
    first = trailers[0].children
    return str(first[1].value) if first[0].value == "." else ""


def _setattr_name(node: ast.AST, in_save: bool) -> str:
    """`setattr(self, "slug", …)` -> "slug"; a computed name -> ANY_ATTRIBUTE in `save()`."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) == 3
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "self"
    ):
        return ""
    name = node.args[1]
    if isinstance(name, ast.Constant):
        return name.value if isinstance(name.value, str) else ""
    return ANY_ATTRIBUTE if in_save else ""


def _setattr_names(func: Node, *, in_save: bool) -> set[str]:
    """`_setattr_name` for each call of one method, read from the parso tree."""
    found: set[str] = set()
    for node in walk(func):
        if node.type not in CALL_CHAIN_TYPES or source(node.children[0]) != "setattr":
            continue
        module = cpython_tree(source(node))
        if module is not None and isinstance(expr := module.body[0], ast.Expr):
            found.add(_setattr_name(expr.value, in_save))
    return found
