"""Foreign-key ids and their parents: `obj.team_id = …` on a model instance, the field a
foreign key points at, and the fix that fetches the parent with `get_object_or_404`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from integrity_lsp.analysis.edits import ensure_import, replace_node
from integrity_lsp.findings import Applicability, Edit, Fix
from integrity_lsp.syntax.nodes import Argument, Node, chain_parts, code
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord


def assigned_id(statement: Node, ctx: Context) -> tuple[ModelRecord, Argument] | None:
    """`obj.team_id = value` where `obj` is a model instance."""
    target = statement.children[0]
    if len(statement.children) != 3 or statement.children[1].value != "=":
        return None
    base, trailers = chain_parts(target)
    if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != ".":
        return None
    name = trailers[0].children[1].value
    if not name.endswith("_id"):
        return None
    try:
        model = ctx.env.resolver.resolve_instance(ctx.file, base)
    except Exception:  # resolution is best effort
        return None
    if model is None:
        return None
    return model, Argument(name, statement.children[2], "", statement)


def target_field(to_field: str | None) -> str:
    if to_field and to_field[:1] in "\"'":
        return to_field.strip("\"'")
    return "pk"


def fetch_parent_fix(
    source: SourceFile, argument: Argument, name: str, parent: str, module: str, target: str
) -> list[Fix]:
    if argument.node.type != "argument":
        return []
    shortcut, shortcut_edit = ensure_import(source, "django.shortcuts", "get_object_or_404")
    model, model_edit = _model_reference(source, parent, module)
    value = code(argument.value)
    call = f"{name}={shortcut}({model}, {target}={value})"
    edits: list[Edit] = [replace_node(source.path, argument.node, call)]
    edits += [edit for edit in (shortcut_edit, model_edit) if edit is not None]
    title = f"Fetch the {parent} with `get_object_or_404` and pass `{name}=`"
    return [Fix(title, Applicability.UNSAFE, tuple(edits))]


def _model_reference(source: SourceFile, name: str, module: str) -> tuple[str, Edit | None]:
    """The name the file already imports the model under, else an import of it."""
    for imported in source.tree.iter_imports():
        for defined in imported.get_defined_names():
            if defined.value == name:
                return name, None
    return ensure_import(source, module, name)
