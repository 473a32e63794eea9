"""The `Meta` of a ModelForm / ModelSerializer class, read statically: which model, which
fields (`fields`, `exclude`, `read_only_fields`, `extra_kwargs` read-only), merged with what a
project base's `Meta` says. A literal is read as it is; `Base.Meta.fields + (…)` follows the
project base; anything else computed marks the Meta unknown."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Literal

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import class_definition
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.declarations import literal_text
from integrity_lsp.syntax.nodes import Node, assignment_target, code, expression_of, normalised
from integrity_lsp.syntax.source import SourceFile

MAX_DEPTH = 8  # project base classes followed this far


@dataclass(frozen=True)
class FormMeta:
    model: ModelRecord | None = None
    fields: tuple[str, ...] | Literal["__all__"] | None = None
    exclude: tuple[str, ...] | None = None
    read_only: tuple[str, ...] = ()
    unknown: bool = False  # a non-literal option: give up


def class_body(classdef: Node) -> list[Node]:
    """The statements of a class's suite."""
    suite = classdef.children[-1]
    return [child for child in suite.children if child.type not in ("newline", "endmarker")]


def own_meta(body: list[Node], source: SourceFile, ctx: Context) -> FormMeta | None:
    for statement in body:
        if statement.type == "classdef" and statement.children[1].value == "Meta":
            return _parse_meta(statement, source, ctx)
    return None


def merge_meta(own: FormMeta | None, inherited: FormMeta) -> FormMeta:
    if own is None:
        return inherited
    return FormMeta(
        model=own.model or inherited.model,
        fields=own.fields if own.fields is not None else inherited.fields,
        exclude=own.exclude if own.exclude is not None else inherited.exclude,
        read_only=own.read_only or inherited.read_only,
        unknown=own.unknown or inherited.unknown,
    )


def _parse_meta(meta: Node, source: SourceFile, ctx: Context) -> FormMeta:
    model: ModelRecord | None = None
    fields: tuple[str, ...] | Literal["__all__"] | None = None
    exclude: tuple[str, ...] | None = None
    read_only: tuple[str, ...] = ()
    unknown = False
    for statement in class_body(meta):
        target = assignment_target(statement) if statement.type == "simple_stmt" else None
        if target is None or target.type != "name":
            continue
        value = expression_of(statement)
        option = target.value
        if option == "model":
            model = ctx.env.resolver.resolve_model(source, value)
            unknown = unknown or model is None
        elif option in ("fields", "exclude", "read_only_fields"):
            names = _names_of(value, option, source, ctx, 0)
            if names is None:
                unknown = True
            elif option == "fields":
                fields = "__all__" if names == ("__all__",) else names
            elif option == "exclude":
                exclude = names
            else:
                read_only = names
        elif option == "extra_kwargs":
            read_only += _extra_read_only(value)
    return FormMeta(model, fields, exclude, read_only, unknown)


def _names_of(
    value: Node, option: str, source: SourceFile, ctx: Context, depth: int
) -> tuple[str, ...] | None:
    """`_names`, or a sum of them with a project base's option: pulpcore's `fields =
    ModelSerializer.Meta.fields + ("file", "size")`; None for anything else computed."""
    if value.type != "arith_expr":
        return _names(value)
    names: list[str] = []
    for position, operand in enumerate(value.children):
        if position % 2:
            if operand.value != "+":
                return None
            continue
        found = _names(operand) if literal_text(code(operand).strip()) else None
        if found is None:
            found = _base_option(operand, option, source, ctx, depth)
        if found is None or found == ("__all__",):
            return None
        names.extend(found)
    return tuple(names)


def _base_option(
    operand: Node, option: str, source: SourceFile, ctx: Context, depth: int
) -> tuple[str, ...] | None:
    """`Base.Meta.<option>` of a project class, as names."""
    parts = normalised(operand).split(".")
    if len(parts) < 3 or parts[-2:] != ["Meta", option] or depth > MAX_DEPTH:
        return None
    definition = class_definition(".".join(parts[:-2]), source, ctx)
    if definition is None:
        return None
    classdef, base_source = definition
    meta = next((c for c in classdef.iter_classdefs() if c.name.value == "Meta"), None)
    if meta is None:
        return None
    for statement in class_body(meta):
        target = assignment_target(statement) if statement.type == "simple_stmt" else None
        if target is not None and target.type == "name" and target.value == option:
            return _names_of(expression_of(statement), option, base_source, ctx, depth + 1)
    return None


def _names(value: Node) -> tuple[str, ...] | None:
    """`("a", "b")`, `["a"]` or `"__all__"` as names; None for anything computed."""
    text = code(value).strip()
    if not literal_text(text):
        return None
    parsed = ast.literal_eval(text)
    if isinstance(parsed, str):
        return (parsed,)
    if isinstance(parsed, (list, tuple)) and all(isinstance(item, str) for item in parsed):
        return tuple(parsed)
    return None


def _extra_read_only(value: Node) -> tuple[str, ...]:
    text = code(value).strip()
    if not literal_text(text):
        return ()
    parsed = ast.literal_eval(text)
    if not isinstance(parsed, dict):
        return ()
    return tuple(
        name
        for name, options in parsed.items()
        if isinstance(name, str) and isinstance(options, dict) and options.get("read_only")
    )
