"""IL201's reading of an insert through a ModelForm or a DRF ModelSerializer: whether two such
saves can collide on a unique constraint (the fields the request fills, the values the code
sets, minus fresh values and rows inserted just before), and the message that says so — for a
form the handler itself names, and for a generic base's save read for each project subclass
that sets its form class (`form_saves.generic_form_saves`), naming the first colliding one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_writes import locked_before
from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.form_saves import FormSave, generic_form_saves
from integrity_lsp.analysis.guarded_locks import form_data_skip_outside
from integrity_lsp.analysis.handlers import handler_title
from integrity_lsp.analysis.lock_helpers import calls_lock_helper
from integrity_lsp.analysis.unique_sets import column_of, form_collision
from integrity_lsp.findings import Location, Span
from integrity_lsp.rules.guards.judging import unique_phrase
from integrity_lsp.rules.guards.responses import Conflict
from integrity_lsp.syntax.nodes import Node

if TYPE_CHECKING:
    from integrity_lsp.project.records import UniqueSet
    from integrity_lsp.syntax.source import SourceFile


@dataclass(frozen=True)
class FormReport:
    """What IL201 reports about one form or serializer save, or about an insert a handler's
    call reaches (`reached_reports`)."""

    node: Node  # where it is reported: the save, or the handler's call
    message: str
    related: tuple[Location, ...]
    conflict: Conflict  # how the fix answers


def form_report(saved: FormSave, ctx: Context) -> FormReport | None:
    """The insert through a form or serializer, when two of them can collide (and no lock
    every competitor takes comes first in the handler)."""
    collision = _form_collision(saved, ctx)
    if collision is None or _locked(saved, collision[0], ctx):
        return None
    unique, fields = collision
    form = saved.form
    exposed = fields[0] if len(fields) == 1 and fields[0] in form.inputs else None
    in_view_function = ctx.handler is not None and ctx.handler.class_node is None
    conflict = Conflict(
        field=exposed, form=saved.variable if in_view_function and form.kind == "form" else None
    )
    return FormReport(
        saved.node,
        _form_message(saved, fields, ctx),
        (Location(unique.ref.path, unique.ref.span, unique.description),),
        conflict,
    )


def _locked(saved: FormSave, unique: UniqueSet, ctx: Context) -> bool:
    """A lock every competitor takes comes first in the handler: one taken on every path, or
    one a helper skips only for rows no colliding constraint covers (`guarded_locks`)."""
    handler = ctx.handler
    if handler is None:
        return False
    function = handler.function
    if locked_before(saved.node, function, lambda statement: calls_lock_helper(statement, ctx)):
        return True
    passed: list[UniqueSet] = []
    current: UniqueSet | None = unique
    while current is not None:
        if not _guarded_lock_before(saved, current, function, ctx):
            return False
        passed.append(current)  # every other set the save can repeat must be locked too
        current = form_collision(saved, function, ctx, passed)
    return True


def _guarded_lock_before(saved: FormSave, unique: UniqueSet, function: Node, ctx: Context) -> bool:
    index = ctx.env.index

    def skipped_outside(argument: Node, key: str) -> bool:
        return form_data_skip_outside(saved, unique, index, argument, key)

    return locked_before(
        saved.node, function, lambda statement: calls_lock_helper(statement, ctx, skipped_outside)
    )


def generic_report(node: Node, ctx: Context) -> FormReport | None:
    """A generic base's save (`serializer.save()` in `perform_create` of a base whose
    `serializer_class` each subclass sets), reported when a project subclass it runs for
    inserts through a form or serializer that can collide; the message names the first such
    subclass and how many others there are."""
    found: list[tuple[Node, SourceFile, FormSave, UniqueSet, list[str]]] = []
    for subclass, source, saved in generic_form_saves(node, ctx):
        collision = _form_collision(saved, ctx)
        if collision is not None:
            found.append((subclass, source, saved, *collision))
    if not found:
        return None
    count_body_read()  # the finding depends on the subclasses' code
    subclass, source, saved, unique, fields = found[0]
    view = f"`{subclass.children[1].value}`"
    others = len(found) - 1
    if others:
        view += f" (and {others} other subclass{'es' if others > 1 else ''} of the project)"
    message = _form_message(saved, fields, ctx, view)
    related = (
        Location(
            source.path,
            Span.of(subclass.children[1]),
            f"`{subclass.children[1].value}` sets `{saved.form.name}`",
        ),
        Location(unique.ref.path, unique.ref.span, unique.description),
    )
    return FormReport(saved.node, message, related, Conflict())


def _form_collision(saved: FormSave, ctx: Context) -> tuple[UniqueSet, list[str]] | None:
    """The unique constraint two saves of the form can both pass validation for, and its
    fields in index order."""
    handler = ctx.handler
    assert handler is not None
    unique = form_collision(saved, handler.function, ctx)
    if unique is None:
        return None
    return unique, list(unique.columns_order)


def _form_message(saved: FormSave, fields: list[str], ctx: Context, view: str = "") -> str:
    handler = ctx.handler
    assert handler is not None
    form, model, index = saved.form, saved.form.model, ctx.env.index
    columns = ", ".join(column_of(index, model, name) for name in fields)
    what = "ModelForm" if form.kind == "form" else "ModelSerializer"
    from_input = [name for name in fields if name in form.inputs]
    # A read-only serializer field with a default is validated like a submitted one.
    by_code = [name for name in fields if name not in form.inputs | form.validated_defaults]
    if by_code:
        named = ", ".join(f"`{name}`" for name in by_code)
        why = (
            f"{named} {'is' if len(by_code) == 1 else 'are'} set by the code, outside the "
            f"{'form' if form.kind == 'form' else 'serializer'}'s validation: two submits at once "
            "raise"
        )
    else:
        validator = "validate_unique looks" if form.kind == "form" else "DRF's validators look"
        why = (
            "two requests with the same value both pass `is_valid()` "
            f"({validator} before the insert, not with it): the second raises"
        )
    run_for = f", run for its subclass {view}," if view else ""
    return (
        f"`{saved.call}` in {handler_title(handler)}{run_for} inserts a `{model.name}` through "
        f"the {what} `{form.name}` with {unique_phrase(fields, None)}"
        f"{' from the submitted data' if from_input else ''} and nothing catches IntegrityError: "
        f"{why} `IntegrityError: UNIQUE constraint failed: {columns}` and the user gets "
        "HTTP 500"
    )
