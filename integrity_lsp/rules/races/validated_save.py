"""IL101 for a ModelForm's / ModelSerializer's `is_valid()` then `save()` outside request
handlers (`analysis.validated_saves`): a task, a signal handler, a model or service method. In a
view IL201 reports the same save (its answer is an HTTP response); a function taking `request`,
or a method of a view class, is left to it. Command code and RunPython helpers run alone."""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.absence_validation import looks_validated
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import detect_handler, view_kind
from integrity_lsp.analysis.unique_sets import column_of
from integrity_lsp.analysis.validated_saves import ValidatedSave, validated_saves
from integrity_lsp.findings import Finding, Location, Span
from integrity_lsp.rules.races.uncontended_lookup import command_only, in_run_python
from integrity_lsp.syntax.nodes import Node, code


def validated_save_findings(
    function: Node, ctx: Context, code_: str, name: str
) -> Iterator[Finding]:
    if function.type != "funcdef" or ctx.integrity_guard is not None:
        return
    if _in_views(function, ctx) or _in_own_save(ctx):
        return
    inner = ctx.replace(function=function)
    if "is_valid" not in code(function) or command_only(inner) or in_run_python(inner):
        return
    for found in validated_saves(function, ctx):
        yield _finding(found, function, inner, code_, name)


def _in_views(function: Node, ctx: Context) -> bool:
    """A request handler, a function taking `request`, or a method of a view class: IL201's."""
    if detect_handler(function, ctx) is not None:
        return True
    if any(param.name.value == "request" for param in function.get_params()):
        return True
    classdef = ctx.class_node
    return classdef is not None and view_kind(classdef, ctx.file, ctx) is not None


def _in_own_save(ctx: Context) -> bool:
    """A method of a form or serializer: a nested save inside the outer one's `create()` /
    `update()` races only as its outer save does (pulpcore's ACS paths: keyed on the source
    `create()` inserted just before, or updated under the task's exclusive reservation)."""
    return ctx.class_node is not None and looks_validated(ctx.class_node)


def _finding(found: ValidatedSave, function: Node, ctx: Context, code_: str, name: str) -> Finding:
    saved, unique = found.saved, found.unique
    form, index = saved.form, ctx.env.index
    model = form.model
    fields = list(unique.columns_order)
    columns = ", ".join(column_of(index, model, field) for field in fields)
    named = ", ".join(f"`{field}`" for field in fields)
    what = "ModelForm" if form.kind == "form" else "ModelSerializer"
    article = "an" if model.name[:1] in "AEIOU" else "a"
    validator = "`validate_unique()`" if form.kind == "form" else "DRF's validators, `validate()`"
    check = code(found.check).split("(", 1)[0].strip()
    message = (
        f"Race: `{saved.call}` in `{function.name.value}()` inserts {article} `{model.name}` "
        f"through the {what} `{form.name}` after `{check}()`: its validation ({validator}) runs "
        f"before the insert, not with it, so two concurrent runs with the same {named} both "
        f"pass and the second raises `IntegrityError: UNIQUE constraint failed: {columns}`"
    )
    return Finding(
        code=code_,
        name=name,
        message=message,
        path=ctx.file.path,
        span=Span.of(saved.node),
        related=(
            Location(unique.ref.path, unique.ref.span, unique.description),
            Location(ctx.file.path, Span.of(found.check), f"`{check}()` checks here"),
        ),
        fixes=(),
    )
