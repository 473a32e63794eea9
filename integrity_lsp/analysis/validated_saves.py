"""Inserts through a ModelForm or a DRF ModelSerializer after its `is_valid()`, for IL101 outside
request handlers (IL201 judges them in views).

`is_valid()` is a read: Django's `validate_unique()` and DRF's `UniqueValidator` /
`UniqueTogetherValidator` (or the project's own check in `validate()`) look for a row with the
submitted values, and `save()` inserts one afterwards — a check-then-insert. In a task (pulpcore's
upload `commit()`: `ArtifactSerializer(data=…)`, `is_valid(raise_exception=True)`, `save()`), a
signal handler or a model or service method, two runs with the same values both pass validation
and the second insert raises IntegrityError.

A validated save: `name.save()` that `form_saves` reads as an insert of a new row of the form's
model (the name bound in the function to a project ModelForm/ModelSerializer class called without
an instance, or to a parameter defaulting to one), after a `name.is_valid(…)` call following that
binding (a save can only follow a passed validation: DRF asserts it, a ModelForm raises), whose
unique set the insert can repeat (`unique_sets.form_collision`: every column from the submitted
data, a value the code sets that is not fresh, or constant when unset — a relation's callable
default picks an existing row). Silent when the save sits in a `try … except IntegrityError`, a
lock is taken first on its path, the form's class, model or fields are not known, or the save
updates a row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_writes import locked_before
from integrity_lsp.analysis.bindings import last_binding
from integrity_lsp.analysis.exception_handlers import catches_integrity_error
from integrity_lsp.analysis.form_saves import FormSave, form_save
from integrity_lsp.analysis.unique_sets import form_collision
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, chain_parts, normalised, statement_of

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import UniqueSet

_NESTED = frozenset({"funcdef", "classdef", "lambdef", "async_funcdef"})


@dataclass(frozen=True)
class ValidatedSave:
    """An insert through a form or serializer (`saved`) after its validation (`check`, the
    `is_valid()` call), and the unique set a concurrent twin can repeat."""

    saved: FormSave
    check: Node
    unique: UniqueSet


def validated_saves(function: Node, ctx: Context) -> Iterator[ValidatedSave]:
    """The validated saves of `function` (its own body, not nested functions), in order."""
    inner = ctx.replace(function=function)
    for node in _calls(function.children[-1]):
        if not _is_save(node):
            continue
        saved = form_save(node, inner)
        if saved is None or not saved.new_row:
            continue
        count_body_read()  # the finding depends on the form's (and its model's) code
        check = _validation(function, saved.variable, statement_of(node))
        if check is None or _guarded(node, function) or locked_before(node, function):
            continue
        unique = form_collision(saved, function, inner)
        if unique is not None:
            yield ValidatedSave(saved, check, unique)


def _calls(body: Node) -> Iterator[Node]:
    stack = [body]
    while stack:
        current = stack.pop()
        if current.type in CALL_CHAIN_TYPES:
            yield current
        if current.type in _NESTED:
            continue
        stack.extend(reversed(getattr(current, "children", ())))


def _is_save(node: Node) -> bool:
    base, trailers = chain_parts(node)
    return (
        base.type == "name"
        and len(trailers) == 2
        and normalised(trailers[0]) == ".save"
        and trailers[1].children[0].value == "("
    )


def _validation(function: Node, name: str, statement: Node) -> Node | None:
    """The last `name.is_valid(…)` call between the binding of `name` and `statement`."""
    binding = last_binding(function, name, statement)
    start = binding.end_pos if binding is not None else function.start_pos
    found = None
    for node in _calls(function.children[-1]):
        if not start <= node.start_pos < statement.start_pos:
            continue
        base, trailers = chain_parts(node)
        if (
            base.type == "name"
            and base.value == name
            and len(trailers) == 2
            and normalised(trailers[0]) == ".is_valid"
            and trailers[1].children[0].value == "("
        ):
            found = node
    return found


def _guarded(node: Node, function: Node) -> bool:
    """Inside the body of a `try` that catches IntegrityError, within `function`."""
    current = node
    while current is not function and current.parent is not None:
        parent = current.parent
        body = parent.type == "try_stmt" and current is parent.children[2]
        if body and catches_integrity_error(parent):
            return True
        current = parent
    return False
