"""The 409 Conflict a request handler should answer instead of a 500, in its framework's style.

Django: `JsonResponse({"error": …}, status=409)` (or `HttpResponse(…, status=409)` in a view that
renders HTML; `form.add_error` + `form_invalid` in `form_valid`). DRF: `Response({"detail": …},
status=status.HTTP_409_CONFLICT)`, or `raise serializers.ValidationError` where a return value
is ignored (`perform_create`/`perform_update`). django-ninja: `return 409, {"detail": …}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.edits import ensure_import
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.findings import Edit
from integrity_lsp.syntax.nodes import Node, code, walk

HTML_RESPONSES = ("HttpResponse(", "render(", "redirect(", "TemplateResponse(")
RETURN_IGNORED = frozenset({"perform_create", "perform_update"})


@dataclass(frozen=True)
class ConflictResponse:
    lines: tuple[str, ...]  # the `except IntegrityError:` body
    imports: tuple[Edit, ...]
    safe: bool
    summary: str  # how the fix title names it


def conflict_response(ctx: Context, message: str) -> ConflictResponse:
    handler = ctx.handler
    function = ctx.function
    text = json.dumps(message, ensure_ascii=False)
    if handler is None or function is None:
        return ConflictResponse(("raise",), (), False, "re-raise")
    name = function.children[1].value
    if handler.kind == "ninja":
        declared = any("409" in code(d) for d in decorators_of(function))
        return ConflictResponse(
            (f'return 409, {{"detail": {text}}}',), (), declared, "return 409, {…}"
        )
    if handler.kind == "drf":
        return _drf(ctx, function, name, text)
    params = {str(p.name.value) for p in function.get_params()}
    if name == "form_valid" and "form" in params:
        lines = (f"form.add_error(None, {text})", "return self.form_invalid(form)")
        return ConflictResponse(lines, (), True, "form.add_error(…) + form_invalid(form)")
    body = code(function)
    if "JsonResponse" not in body and any(call in body for call in HTML_RESPONSES):
        reference, edit = ensure_import(ctx.file, "django.http", "HttpResponse")
        line = f"return {reference}({text}, status=409)"
        return ConflictResponse((line,), _edits(edit), True, "HttpResponse(…, status=409)")
    reference, edit = ensure_import(ctx.file, "django.http", "JsonResponse")
    line = f'return {reference}({{"error": {text}}}, status=409)'
    return ConflictResponse((line,), _edits(edit), True, "JsonResponse(…, status=409)")


def _drf(ctx: Context, function: Node, name: str, text: str) -> ConflictResponse:
    if name in RETURN_IGNORED:
        reference, edit = ensure_import(ctx.file, "rest_framework", "serializers")
        line = f"raise {reference}.ValidationError({text})"
        return ConflictResponse((line,), _edits(edit), True, "raise ValidationError(…)")
    response, response_edit = ensure_import(ctx.file, "rest_framework.response", "Response")
    edits = _edits(response_edit)
    if _binds(function, "status"):
        status = "409"  # a local `status` hides the module
    else:
        module, status_edit = ensure_import(ctx.file, "rest_framework", "status")
        status = f"{module}.HTTP_409_CONFLICT"
        edits += _edits(status_edit)
    line = f'return {response}({{"detail": {text}}}, status={status})'
    return ConflictResponse((line,), edits, True, "Response(…, status=HTTP_409_CONFLICT)")


def _edits(edit: Edit | None) -> tuple[Edit, ...]:
    return (edit,) if edit is not None else ()


def _binds(function: Node, name: str) -> bool:
    """Does the function bind `name` (a parameter or an assignment target)?"""
    if any(param.name.value == name for param in function.get_params()):
        return True
    for node in walk(function.children[-1]):
        if node.type == "expr_stmt" and node.children[1].type == "operator":
            target = node.children[0]
            if target.type == "name" and target.value == name:
                return True
    return False
