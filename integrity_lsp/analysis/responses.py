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
from integrity_lsp.analysis.edits import ensure_import, offset_of
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.analysis.nodes import Node, code, indent_of, indent_unit, walk
from integrity_lsp.analysis.race_fixes import shift_block
from integrity_lsp.analysis.source import SourceFile
from integrity_lsp.findings import Edit, Span

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


def wrap_in_try_atomic(source: SourceFile, statement: Node, handler: tuple[str, ...]) -> list[Edit]:
    """`try: with transaction.atomic(): <statement> except IntegrityError: <handler>`, keeping
    the statement's trailing comment on it, and the `django.db` import(s) it needs."""
    indent = indent_of(statement)
    first = statement.get_first_leaf()
    last = statement.get_last_leaf()
    end = last.start_pos if last.type == "newline" else last.end_pos
    lines = source.lines
    start = offset_of(lines, *first.start_pos)
    text = source.text[start : offset_of(lines, *end)]
    step = indent_unit(source.lines)
    inner = shift_block(text, indent, indent + step * 2)
    transaction, transaction_edit = ensure_import(source, "django.db", "transaction")
    integrity, integrity_edit = ensure_import(source, "django.db", "IntegrityError")
    width = len(indent) + len(step)
    body = "\n".join(
        f"{indent}{step}{part}" if part else ""
        for line in handler
        for part in _fit(line, width).split("\n")
    )
    content = (
        f"try:\n{indent}{step}with {transaction}.atomic():\n{inner}\n"
        f"{indent}except {integrity}:\n{body}"
    )
    span = Span(first.start_pos[0], first.start_pos[1], end[0], end[1])
    edits = [Edit(source.path, span, content)]
    imports = [edit for edit in (transaction_edit, integrity_edit) if edit is not None]
    if len(imports) == 2 and imports[0].span == imports[1].span:
        merged = imports[0].content.replace(
            "import transaction", "import IntegrityError, transaction"
        )
        imports = [Edit(source.path, imports[0].span, merged)]
    return edits + imports


def _fit(line: str, indent: int, limit: int = 100) -> str:
    """`return Response(…)` too long for one line, split as a formatter would: the arguments
    on one line of their own, else one per line with a trailing comma."""
    if indent + len(line) <= limit or not line.endswith(")") or "(" not in line:
        return line
    opening = line.index("(") + 1
    head, inner = line[:opening], line[opening:-1]
    if indent + 4 + len(inner) <= limit:
        return f"{head}\n    {inner}\n)"
    parts = "".join(f"\n    {part}," for part in _top_level_split(inner))
    return f"{head}{parts}\n)"


def _top_level_split(text: str) -> list[str]:
    """Split call arguments at commas outside brackets and string literals."""
    parts: list[str] = []
    depth, start, quote, escaped = 0, 0, "", False
    for position, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]


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
