"""What a request handler answers when its insert loses to a concurrent or repeated one, in its
framework's style, without leaking model or column names.

- A value the code chose itself (an internal race: two requests creating the same "Triage"
  state) is not the client's fault: the except branch re-fetches the row the other request
  inserted and carries on.
- A value the client sent is a conflict: 409, or the form's own error.
  - Django HTML views: `form.add_error` + `form_invalid(form)` in `form_valid`; in a function
    view, `form.add_error` and the view's own re-render of the form (the `if form.is_valid():`
    branch falls through to it, or the `if not form.is_valid(): return …` answer is reused);
    without a form, `messages.error` and a redirect to the same page (`HttpResponse(…,
    status=409)` when django.contrib.messages is not installed).
  - Django JSON views: `JsonResponse({"error": …}, status=409)`.
  - DRF: `Response({…}, status=status.HTTP_409_CONFLICT)`; where the return value is ignored
    (`perform_create`/`perform_update`) a `ValidationError` raised with status 409.
  - django-ninja: `return 409, {"detail": …}`.

The body is neutral ("This already exists."); it names a field only when the form or
serializer already exposes that field to the client (`{"email": ["This value is already
taken."]}`), as its own validation error would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.edits import ensure_imports
from integrity_lsp.analysis.handlers import decorators_of
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.findings import Edit
from integrity_lsp.syntax.nodes import (
    Argument,
    Node,
    assignment_target,
    code,
    expression_of,
    normalised,
    statements,
    walk,
)

HTML_RESPONSES = ("HttpResponse(", "render(", "redirect(", "TemplateResponse(")
RETURN_IGNORED = frozenset({"perform_create", "perform_update"})
NEUTRAL = "This already exists."
TAKEN = "This value is already taken."
MESSAGES_APP = "django.contrib.messages"


@dataclass(frozen=True)
class Conflict:
    """The collision a fix answers. `field`: the one form/serializer field holding the value
    (the error may name it); `form`: the handler's form variable; `refetch`: the lines that
    re-fetch the winner's row when the code, not the client, chose the values."""

    field: str | None = None
    form: str | None = None
    refetch: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ConflictResponse:
    lines: tuple[str, ...]  # the `except IntegrityError:` body
    imports: tuple[Edit, ...]
    safe: bool
    summary: str  # how the fix title names it
    else_until: Node | None = None  # statements moved into `else:` (see wrap_in_try_atomic)


def conflict_response(ctx: Context, conflict: Conflict, statement: Node) -> ConflictResponse:
    handler = ctx.handler
    function = ctx.function
    if handler is None or function is None:
        return ConflictResponse(("raise",), (), False, "re-raise")
    if conflict.refetch is not None:
        return ConflictResponse(conflict.refetch, (), True, "re-fetch the row that won")
    name = function.children[1].value
    detail = _detail(conflict)
    if handler.kind == "ninja":
        declared = any("409" in code(d) for d in decorators_of(function))
        return ConflictResponse((f"return 409, {detail}",), (), declared, "return 409, {…}")
    if handler.kind == "drf":
        return _drf(ctx, function, name, detail)
    params = {str(p.name.value) for p in function.get_params()}
    error = _json(TAKEN if conflict.field else NEUTRAL)
    field = _json(conflict.field) if conflict.field else "None"
    if name == "form_valid" and "form" in params:
        lines = (f"form.add_error({field}, {error})", "return self.form_invalid(form)")
        return ConflictResponse(lines, (), True, "form.add_error(…) + form_invalid(form)")
    if conflict.form is not None:
        found = _form_rerender(
            conflict.form, statement, f"{conflict.form}.add_error({field}, {error})"
        )
        if found is not None:
            return found
    body = code(function)
    if "JsonResponse" not in body and any(call in body for call in HTML_RESPONSES):
        return _html(ctx, params)
    references, edit = ensure_imports(ctx.file, "django.http", ("JsonResponse",))
    line = f'return {references["JsonResponse"]}({{"error": {_json(NEUTRAL)}}}, status=409)'
    if conflict.field:
        line = f"return {references['JsonResponse']}({detail}, status=409)"
    return ConflictResponse((line,), _edits(edit), True, "JsonResponse(…, status=409)")


def _json(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _detail(conflict: Conflict) -> str:
    """`{"email": ["This value is already taken."]}` or `{"detail": "This already exists."}`."""
    if conflict.field:
        return f"{{{_json(conflict.field)}: [{_json(TAKEN)}]}}"
    return f'{{"detail": {_json(NEUTRAL)}}}'


def _form_rerender(form: str, statement: Node, add_error: str) -> ConflictResponse | None:
    """The function view's own answer for an invalid form, reused for the conflict."""
    suite = statement.parent
    # `if not form.is_valid(): return render(…)` earlier in the same block: answer the same
    for earlier in statements(suite) if suite is not None and suite.type == "suite" else []:
        if earlier is statement:
            break
        answer = _invalid_branch_return(earlier, form)
        if answer is not None:
            lines = (add_error, answer)
            return ConflictResponse(
                lines, (), True, "form.add_error(…) + the view's invalid-form answer"
            )
    # `if form.is_valid(): … save … return redirect(…)` falling through to the form's render
    branch = suite.parent if suite is not None else None
    if (
        branch is None
        or branch.type != "if_stmt"
        or len(branch.children) != 4  # `if`, test, `:`, suite: no elif / else
        or normalised(branch.children[1]) != f"{form}.is_valid()"
        or not _later_use(branch, form)
    ):
        return None
    body = statements(suite)
    last = body[-1] if body else None
    else_until = last if last is not None and last is not statement else None
    return ConflictResponse(
        (add_error,), (), True, "form.add_error(…) and the view's render of the form", else_until
    )


def _later_use(branch: Node, form: str) -> bool:
    """Do the statements after the `if form.is_valid():` use the form (its render, its
    errors)? Otherwise falling through would drop the error."""
    following = branch.get_next_sibling()
    while following is not None:
        if any(leaf.type == "name" and leaf.value == form for leaf in walk(following)):
            return True
        following = following.get_next_sibling()
    return False


def _invalid_branch_return(node: Node, form: str) -> str | None:
    if node.type != "if_stmt" or len(node.children) != 4:
        return None
    if normalised(node.children[1]) != f"not{form}.is_valid()":
        return None
    body = statements(node.children[3])
    if len(body) != 1 or body[0].type != "simple_stmt":
        return None
    returned = body[0].children[0]
    if returned.type != "return_stmt" or form not in code(returned):
        return None
    text = code(returned).strip()
    return text if "\n" not in text else None


def _html(ctx: Context, params: set[str]) -> ConflictResponse:
    installed = ctx.env.index.project_settings.installed_apps
    if "request" in params and any(app.startswith(MESSAGES_APP) for app in installed):
        references, messages_edit = ensure_imports(ctx.file, "django.contrib", ("messages",))
        shortcuts, redirect_edit = ensure_imports(ctx.file, "django.shortcuts", ("redirect",))
        lines = (
            f"{references['messages']}.error(request, {_json(NEUTRAL)})",
            f"return {shortcuts['redirect']}(request.get_full_path())",
        )
        edits = _edits(messages_edit) + _edits(redirect_edit)
        return ConflictResponse(lines, edits, True, "messages.error(…) + redirect to the page")
    references, edit = ensure_imports(ctx.file, "django.http", ("HttpResponse",))
    line = f"return {references['HttpResponse']}({_json(NEUTRAL)}, status=409)"
    return ConflictResponse((line,), _edits(edit), True, "HttpResponse(…, status=409)")


def _drf(ctx: Context, function: Node, name: str, detail: str) -> ConflictResponse:
    wanted = ["status"] if not _binds(function, "status") else []
    if name in RETURN_IGNORED:
        wanted.append("serializers")
    references, edit = ensure_imports(ctx.file, "rest_framework", wanted)
    edits = _edits(edit)
    # a local `status` hides the module
    status = f"{references['status']}.HTTP_409_CONFLICT" if "status" in references else "409"
    if name in RETURN_IGNORED:
        # the serializer's own errors: `{"email": […]}`, or non_field_errors for a unique set
        if detail.startswith('{"detail"'):
            detail = f'{{"non_field_errors": [{_json(NEUTRAL)}]}}'
        error = "conflict" if not _binds(function, "conflict") else "conflict_error"
        lines = (
            f"{error} = {references['serializers']}.ValidationError({detail})",
            f"{error}.status_code = {status}",
            f"raise {error}",
        )
        return ConflictResponse(lines, edits, True, "raise ValidationError(…) with status 409")
    response, response_edit = ensure_imports(ctx.file, "rest_framework.response", ("Response",))
    edits += _edits(response_edit)
    line = f"return {response['Response']}({detail}, status={status})"
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


def refetch_lines(
    site: WriteSite, fields: list[str], written: dict[str, Argument] | None
) -> tuple[str, ...] | None:
    """`obj = Model.objects.get(<the unique values>)` for `obj = Model.objects.create(…)` whose
    unique values are plain expressions (names, attributes, constants: evaluating them again
    has no effect); `pass` for a create whose result is not kept. None: cannot re-fetch."""
    if site.kind != "create" or written is None or not all(name in written for name in fields):
        return None
    statement = site.statement
    target = assignment_target(statement)
    if target is None:
        # a bare `M.objects.create(…)`: the row exists either way
        return ("pass",) if expression_of(statement) is site.node else None
    if target.type != "name" or expression_of(statement) is not site.node or not site.receiver:
        return None
    lookups = []
    for name in sorted(fields, key=lambda field: written[field].value.start_pos):  # call order
        argument = written[name]
        if any(
            part.type == "trailer" and part.children[0].value == "("
            for part in walk(argument.value)
        ):
            return None  # a call: evaluating it again may give another value
        lookups.append(f"{argument.keyword}={code(argument.value).strip()}")
    return (f"{target.value} = {site.receiver}.get({', '.join(lookups)})",)
