"""What `form.is_valid()` leaves the code that calls it: on its true branch, every row the
form's validation rejects where present is absent. That is the form's own `clean_<field>()`,
`clean()`, `validate_<field>()` / `validate()` and, for a ModelForm, its model's `clean()`
(Django's `_post_clean()` runs `instance.full_clean()`, which calls it): oscar's
`VoteForm(review, request.user, request.POST)` whose `Vote.clean()` raises when
`self.review.votes.filter(user=self.user)` has a row.

The form is a name bound once in the function to a project class called with arguments
(`form = VoteForm(review, request.user, data)`), or to a parameter defaulting to one
(`def register(request, registration_form=RegistrationForm)`). A key of the check is carried
into the caller's terms where it is known what it stands for: an attribute of the form
(`self.user = user`) or of its instance (`self.instance.review = review`) that `__init__` sets
from one of its parameters becomes the caller's argument for that parameter; a submitted field
(`self.cleaned_data["email"]`, `self.email` in the model's `clean()`) becomes each way the
caller spells it (`absence_submitted`); literals stay. Anything else (a value computed in
`clean()`) drops the absence: unsure, silent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence
from integrity_lsp.analysis.absence_arguments import parameters
from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.absence_submitted import MAX_SPELLINGS, submitted
from integrity_lsp.analysis.absence_validation import (
    NOT_FIELD_VALIDATION,
    VALIDATION,
    ExitAbsences,
    _field_of,
    _methods,
    _rejects,
    _single_assignment,
)
from integrity_lsp.analysis.bindings import called_class, parameter_default
from integrity_lsp.analysis.class_methods import model_class
from integrity_lsp.analysis.django import model_of
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Argument,
    Node,
    chain_parts,
    code,
    normalised,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence_reads import Lookup
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.records import ModelRecord
    from integrity_lsp.syntax.source import SourceFile

Attributes = Mapping[str, Node]  # attribute of the form / its instance -> the caller's value


def is_valid_absences(
    test: Node, function: Node, ctx: Context, exit_absences: ExitAbsences
) -> tuple[Absence, ...]:
    """The absences that hold where `test` (`form.is_valid()`) is true, in `function`'s terms."""
    form = _validated_name(test)
    if form is None or function.type != "funcdef":
        return ()
    value = _single_assignment(function, str(form.value))
    if value is None or value.type not in CALL_CHAIN_TYPES:
        return ()
    base, trailers = chain_parts(value)
    if base.type != "name" or len(trailers) != 1 or trailers[0].children[0].value != "(":
        return ()
    callee = str(base.value)
    if not callee[:1].isupper() and parameter_default(function, callee) is None:
        return ()
    found = called_class(callee, function, ctx.file, ctx)
    if found is None:
        return ()
    classdef, source = found
    count_body_read()  # the finding depends on the form's (and its model's) code
    on_form, on_instance = _init_attributes(classdef, trailers[0], form)
    form_ctx = _context(ctx, source, classdef)
    absences: list[Absence] = []
    for method in _methods(classdef):
        name = str(method.name.value)
        if VALIDATION.match(name) and name not in NOT_FIELD_VALIDATION:
            terms = _Terms(on_form, function, str(form.value), instance=False)
            absences.extend(_carried(method, form_ctx, terms, exit_absences))
    clean = _model_clean(classdef, source, ctx)
    if clean is not None:
        terms = _Terms(on_instance, function, str(form.value), instance=True)
        absences.extend(_carried(clean[0], clean[1], terms, exit_absences))
    return tuple(dict.fromkeys(absences))


def _validated_name(test: Node) -> Node | None:
    if test.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(test)
    if base.type != "name" or len(trailers) != 2:
        return None
    if normalised(trailers[0]) != ".is_valid" or normalised(trailers[1]) != "()":
        return None
    return base


def _context(ctx: Context, source: SourceFile, classdef: Node) -> Context:
    return ctx.replace(
        file=source, function=None, class_node=classdef, integrity_guard=None, facts=None,
        inner_atomic=(),
    )  # fmt: skip


def _init_attributes(classdef: Node, call: Node, form: Node) -> tuple[Attributes, Attributes]:
    """(form attributes, instance attributes) that `__init__` sets from its parameters, as
    the caller's arguments: `self.user = user`, `self.instance.review = review`."""
    init = next((m for m in _methods(classdef) if m.name.value == "__init__"), None)
    if init is None:
        return {}, {}
    mapping = parameters(init, call, form) or {}
    on_form: dict[str, Node] = {}
    on_instance: dict[str, Node] = {}
    for node in walk(init.children[-1]):
        if node.type != "expr_stmt" or len(node.children) != 3 or node.children[1].value != "=":
            continue
        target, value = node.children[0], node.children[2]
        if value.type != "name" or value.value not in mapping or value.value == "self":
            continue
        text = normalised(target)
        parts = text.split(".")
        if len(parts) == 2 and parts[0] == "self":
            on_form[parts[1]] = mapping[value.value]
        elif len(parts) == 3 and parts[:2] == ["self", "instance"]:
            on_instance[parts[2]] = mapping[value.value]
    return _once(on_form, init), _once(on_instance, init)


def _once(attributes: dict[str, Node], init: Node) -> dict[str, Node]:
    """Only attributes `__init__` assigns once (a second assignment may change them)."""
    text = code(init.children[-1])
    return {
        name: value
        for name, value in attributes.items()
        if text.count(f".{name} =") + text.count(f".{name}=") == 1
    }


def _model_clean(classdef: Node, source: SourceFile, ctx: Context) -> tuple[Node, Context] | None:
    """The `clean()` of a ModelForm's model (its own or a project base's), and its context."""
    model = _form_model(classdef, source, ctx)
    if model is None:
        return None
    index = ctx.env.index
    for record in (model, *index.ancestors(model)):
        found = model_class(record, ctx)
        if found is None:
            continue
        classdef_of_model, model_source = found
        clean = next((m for m in _methods(classdef_of_model) if m.name.value == "clean"), None)
        if clean is not None:
            return clean, _context(ctx, model_source, classdef_of_model)
    return None


def _form_model(classdef: Node, source: SourceFile, ctx: Context) -> ModelRecord | None:
    """`class Meta: model = M` of the form's own body."""
    meta = next((c for c in classdef.iter_classdefs() if c.name.value == "Meta"), None)
    if meta is None:
        return None
    for node in walk(meta):
        if node.type != "expr_stmt" or len(node.children) != 3:
            continue
        target = node.children[0]
        if target.type == "name" and target.value == "model":
            leaf = node.children[2].get_last_leaf()
            try:
                return ctx.env.resolver.resolve_model(source, leaf)
            except Exception:  # resolution is best effort
                return None
    return None


@dataclass(frozen=True)
class _Terms:
    """How the caller spells what a validation method reads: attributes `__init__` set from
    its parameters, and the submitted fields of `form` (in `caller`). `instance`: the method
    is the model's `clean()`, whose `self.email` is the submitted `email`."""

    attributes: Attributes
    caller: Node
    form: str
    instance: bool


def _carried(
    method: Node, method_ctx: Context, terms: _Terms, exit_absences: ExitAbsences
) -> Iterator[Absence]:
    """The absences `method` leaves where it returns, rejected where present, with their keys
    in the caller's terms."""
    for absence in exit_absences(method, method_ctx):
        if _rejects(absence.origin):
            yield from _in_caller_terms(absence, method, terms, method_ctx.replace(function=method))


def _in_caller_terms(
    absence: Absence, method: Node, terms: _Terms, ctx: Context
) -> Iterator[Absence]:
    lookup = absence.lookup
    attributes = terms.attributes
    receiver = _receiver(lookup.receiver, attributes)
    if receiver is None:
        return
    choices: list[list[Node]] = []
    kept: list[str] = []
    for key in lookup.keys:
        value = _value(key.value, attributes)
        if value is not None:
            choices.append([value])
            continue
        field = _submitted_field(key.value, method, terms)
        spellings, names = submitted(terms.caller, terms.form, field) if field else ([], ())
        if not spellings:
            return
        choices.append(spellings)
        kept.extend(names)
    model, owner_field = lookup.model, None
    if model is None:
        model, owner_field = _model(lookup, ctx)
    parts = "".join(lookup.receiver.split()).split(".")
    extra: list[Argument] = []
    if owner_field is not None and len(parts) == 3 and parts[0] == "self":
        # `self.review.votes.filter(user=…)` also selects `review=self.review`: one more key.
        owner = attributes[parts[1]]
        extra.append(Argument(owner_field, owner, "", owner))
    for values in itertools.islice(itertools.product(*choices), MAX_SPELLINGS):
        keys = [replace(key, value=v) for key, v in zip(lookup.keys, values, strict=True)]
        # The query's nodes belong to another file: what they resolve to is known already.
        moved = replace(lookup, keys=(*keys, *extra), receiver=receiver, model=model, orm=None)
        yield replace(absence, lookup=moved, kept=tuple(dict.fromkeys(kept)))


def _submitted_field(value: Node, method: Node, terms: _Terms) -> str | None:
    """The submitted field a key stands for: `self.cleaned_data["email"]` (and the other
    spellings `absence_validation` reads) in the form's validation, `self.email` in its
    model's `clean()`."""
    if not terms.instance:
        return _field_of(value, method)
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != "self" or len(trailers) != 1:
        return None
    trailer = trailers[0]
    return str(trailer.children[1].value) if trailer.children[0].value == "." else None


def _model(lookup: Lookup, ctx: Context) -> tuple[ModelRecord | None, str | None]:
    """The model the read selects, asked where it is written, and the foreign key a related
    manager fills in (`self.review.votes` reads `Vote` rows of `review`)."""
    orm = lookup.orm
    if orm is None:
        return None, None
    found = model_of(orm, ctx)
    if found is not None or not orm.methods:
        return found, None
    trailer = orm.methods[0].name_leaf.parent
    try:
        target = ctx.env.resolver.resolve_manager_call(ctx.file, trailer)
    except Exception:  # resolution is best effort
        return None, None
    if target is None:
        return None, None
    fixed = target.fixed_fields if target.kind == "related" else ()
    return target.model, fixed[0] if len(fixed) == 1 else None


def _receiver(text: str, attributes: Attributes) -> str | None:
    """`self.review.votes` -> `review.votes`; a receiver not built on `self` stays."""
    parts = "".join(text.split()).split(".")
    if parts[0] != "self":
        return None if parts[0][:1].islower() else text  # a local of the method: unknown
    if len(parts) < 3 or parts[1] not in attributes:
        return None
    return ".".join([normalised(attributes[parts[1]]), *parts[2:]])


def _value(value: Node, attributes: Attributes) -> Node | None:
    if not any(leaf.type == "name" for leaf in walk(value)):
        return value  # a literal
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != "self" or not trailers:
        return None
    if any(trailer.children[0].value != "." for trailer in trailers):
        return None
    attribute = str(trailers[0].children[1].value)
    rest = [str(trailer.children[1].value) for trailer in trailers[1:]]
    if attribute not in attributes or rest not in ([], ["pk"], ["id"]):
        return None
    return attributes[attribute]
