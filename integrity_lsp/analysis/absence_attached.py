"""Functions attached to a model with `Model.add_to_class("name", function)` — Django's way
to add a method to a model from another app (in `AppConfig.ready()`: mayan attaches
`is_checked_out` to `Document`). The function is that model's method: its first parameter
is the instance, callers call it by the attached name (`document.is_checked_out()`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from integrity_lsp.analysis.called_names import calls_of, files_calling
from integrity_lsp.analysis.handlers import project_source
from integrity_lsp.syntax.nodes import Node, arguments, chain_parts

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord
    from integrity_lsp.syntax.source import SourceFile

SourceOf = Callable[[str, "Context"], "SourceFile | None"]


# Per file with `.add_to_class(` calls: (its digest, (model label, attached name, the name
# of the function in that file)); the functions themselves are found again on each use, so
# an edit of their module is seen.
_ATTACHED: dict[Path, tuple[str, tuple[tuple[str, str, str], ...]]] = {}
Attached = tuple[str, str, Node, "SourceFile"]  # model label, attached name, funcdef, its file


def attached_method(
    model: ModelRecord, name: str, ctx: Context, source_of: SourceOf
) -> tuple[Node, SourceFile, None] | None:
    """The function attached to `model` (or to a model base) as `name` by `add_to_class`."""
    labels = {record.label for record in (model, *ctx.env.index.ancestors(model))}
    for label, attached_name, function, source in attachments(ctx, source_of):
        if attached_name == name and label in labels:
            return function, source, None
    return None


# A batch run's attachments, found once per environment, each with the file that calls
# `add_to_class`. The file being checked is always read again from its text (a test or an
# editor checks new texts of one file with the same environment).
_RUN: list[tuple[object, list[tuple[Path, Attached]]]] = []


def attachments(ctx: Context, source_of: SourceOf) -> list[Attached]:
    """Every `Model.add_to_class("name", function)` of the project's code whose model and
    function (of that module, or imported from a project module) are known. A batch run
    (no open documents: no other file changes under it) looks the other files up once; the
    server each time, reading only the files whose content changed."""
    here = ctx.file.path
    if ctx.env.open_documents is not None:
        return [found for _, found in _attachments(ctx, source_of)]
    if not _RUN or _RUN[0][0] is not ctx.env:
        _RUN[:] = [(ctx.env, _attachments(ctx, source_of))]
    found: list[Attached] = []
    for caller, (label, name, function, source) in _RUN[0][1]:
        if caller == here:
            continue  # read again below, from the text being checked
        if source.path == here:  # a function of the text being checked: find it there again
            current = top_level(ctx.file.tree, "funcdef", str(function.name.value))
            if current is None or not current.get_params():
                continue
            function, source = current, ctx.file
        found.append((label, name, function, source))
    if "add_to_class" in ctx.file.text:
        found.extend(entry for _, entry in _attached_from(ctx.file, ctx, source_of))
    return found


def _attachments(ctx: Context, source_of: SourceOf) -> list[tuple[Path, Attached]]:
    found: list[tuple[Path, Attached]] = []
    for path in files_calling("add_to_class", ctx):
        source = ctx.file if path == ctx.file.path else project_source(path, ctx)
        if source is not None:
            found.extend(_attached_from(source, ctx, source_of))
    return found


def _attached_from(
    source: SourceFile, ctx: Context, source_of: SourceOf
) -> list[tuple[Path, Attached]]:
    path = source.path
    cached = _ATTACHED.get(path)
    if cached is None or cached[0] != source.digest:
        cached = _ATTACHED[path] = (source.digest, tuple(_attached_in(source, ctx)))
    found: list[tuple[Path, Attached]] = []
    for label, name, local in cached[1]:
        function = defined_or_imported(source, "funcdef", local, ctx, source_of)
        if function is not None and function[0].get_params():
            found.append((path, (label, name, *function)))
    return found


def _attached_in(source: SourceFile, ctx: Context) -> list[tuple[str, str, str]]:
    found = []
    for call in calls_of(source, "add_to_class"):
        base, trailers = chain_parts(call)
        given = arguments(trailers[-1])
        named = {arg.keyword: arg.value for arg in given if arg.keyword}
        positional = [arg.value for arg in given if arg.keyword is None and not arg.star]
        name_node = named.get("name") or (positional[0] if positional else None)
        value = named.get("value") or (positional[1] if len(positional) > 1 else None)
        if name_node is None or value is None or value.type != "name":
            continue
        if name_node.type != "string" or name_node.value[:1] not in ("'", '"'):
            continue
        try:
            model = ctx.env.resolver.resolve_model(source, base, use_jedi=False)
        except Exception:  # resolution is best effort
            continue
        if model is not None:
            found.append((model.label, name_node.value[1:-1], str(value.value)))
    return found


def defined_or_imported(
    source: SourceFile, kind: str, name: str, ctx: Context, source_of: SourceOf
) -> tuple[Node, SourceFile] | None:
    """A top-level `kind` ("funcdef", "classdef") named `name` of `source`, or one `source`
    imports by that name from a project module."""
    definition = top_level(source.tree, kind, name)
    if definition is not None:
        return definition, source
    imported = ctx.env.resolver.import_table(source).lookup(name)
    if imported is None or imported[1] is None:
        return None
    other = source_of(imported[0], ctx)
    if other is None:
        return None
    definition = top_level(other.tree, kind, imported[1])
    return None if definition is None else (definition, other)


def module_source(module: str, ctx: Context) -> SourceFile | None:
    """A project module's file, parsed once per content."""
    path = ctx.env.index.path_for_module(module)
    return None if path is None else project_source(path, ctx)


def attached_to(function: Node, ctx: Context) -> tuple[ModelRecord, str] | None:
    """The model a module-level function is attached to by `add_to_class`, and the name its
    callers call it by (`doc.is_checked_out()` for `method_is_checked_out`)."""
    if function.type != "funcdef" or function.parent is None:
        return None
    if function.parent.type not in ("file_input", "decorated"):
        return None
    name = str(function.name.value)
    for label, attached_name, funcdef, source in attachments(ctx, module_source):
        if funcdef.name.value == name and source.path == ctx.file.path:
            model = ctx.env.index.get_model(label)
            return None if model is None else (model, attached_name)
    return None


def top_level(tree: Node, kind: str, name: str) -> Node | None:
    """The definition of `kind` named `name` among `tree`'s children (a module, or a class
    body), decorated or `async` ones included."""
    for child in getattr(tree, "children", ()):
        definition = child.children[-1] if child.type == "decorated" else child
        if definition.type in ("async_stmt", "async_funcdef"):
            definition = definition.children[-1]
        if definition.type == kind and definition.name.value == name:
            return definition
    return None
