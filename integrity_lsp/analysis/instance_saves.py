"""A form's instance saved in the view: `obj = form.save(commit=False)` builds it unsaved,
`obj.save()` inserts it, and any later save of the form (`super().form_valid(form)` runs
`form.save()`) updates that row (django-ledger's create views insert the instance themselves,
then call `super().form_valid(form)`)."""

from __future__ import annotations

from integrity_lsp.analysis.writes import simple_statements
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    chain_parts,
    code,
    keyword_arguments,
    normalised,
)


def commit_false_save(value: Node) -> str | None:
    """`form` for `form.save(commit=False)`."""
    if value.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(value)
    if base.type != "name" or len(trailers) != 2 or code(trailers[0]).strip() != ".save":
        return None
    commit = keyword_arguments(trailers[1]).get("commit")
    if commit is None or code(commit.value).strip() != "False":
        return None
    return str(base.value)


def instance_saved_before(function: Node, form: str, node: Node) -> bool:
    """The function saved the instance of its form `form` before `node`: `obj =
    form.save(commit=False)` (annotated or not) then `obj.save()`, `form.instance.save()`, or
    a plain `form.save()`."""
    names = {f"{form}.instance"}
    for statement in simple_statements(function):
        if statement.start_pos >= node.start_pos:
            break
        target, value = _assigned(statement)
        if target is not None and value is not None and commit_false_save(value) == form:
            names.add(target)
            continue
        text = normalised(statement)
        if f"{form}.save(" in text and "commit=False" not in text:
            return True
        if any(f"{name}.save(" in text for name in names):
            return True
    return False


def _assigned(statement: Node) -> tuple[str | None, Node | None]:
    """(`x`, value) of `x = value` or `x: T = value`."""
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    if node.type != "expr_stmt" or node.children[0].type != "name":
        return None, None
    last = node.children[-1]
    if len(node.children) == 3 and node.children[1].value == "=":
        return str(node.children[0].value), last
    if len(node.children) == 2 and last.type == "annassign" and len(last.children) == 4:
        return str(node.children[0].value), last.children[-1]
    return None, None
