"""A form's or serializer's validation runs before its other methods: a row that
`clean_<field>()`, `clean()`, `validate_<field>()` or `validate()` found absent (and rejected
where present: `raise ValidationError`, `self.add_error(…)`) is still "absent" when `save()`,
`create()`, `update()` or a method reading `self.cleaned_data` inserts it.

The lookup's keys are carried over by what they stand for: a submitted field (`self.cleaned_data
["email"]`, `.get("email")`, a name bound to it, `email.lower()`, the `value` of
`validate_email(self, value)`, `attrs["email"]` in `validate(self, attrs)`, `validated_data
["email"]` in `create(self, validated_data)`), an attribute of the instance (`self.request.user`)
or a literal; in the method that inserts, a key becomes each way that method spells the same
field. A key that is anything else (a local computed value) drops the absence: unsure, silent.
Only classes that look like forms or serializers (their name or a base names `Form` or
`Serializer`) are read; a model's `clean()` does not run before its `save()`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from integrity_lsp.analysis.absence import Absence
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    arguments,
    chain_parts,
    code,
    normalised,
    walk,
)

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context

ExitAbsences = Callable[[Node, "Context"], tuple[Absence, ...]]

VALIDATION = re.compile(r"^(clean|validate)(_\w+)?$")
# Django's own validation steps, not a field's: they do not reject a submitted value by name.
NOT_FIELD_VALIDATION = frozenset({"clean_fields", "validate_unique", "validate_constraints"})
AFTER_VALIDATION = frozenset({"save", "create", "update"})
CONTAINERS = ("cleaned_data", "validated_data")
NORMALISERS = frozenset({"lower", "upper", "casefold", "strip", "lstrip", "rstrip"})
_DEFINITIONS = ("funcdef", "classdef", "lambdef")
_MAX_SPELLINGS = 4


def validated_absences(
    function: Node, ctx: Context, exit_absences: ExitAbsences
) -> tuple[Absence, ...]:
    """The absences the class's validation leaves for `function`, in `function`'s terms."""
    classdef = _owner_class(function)
    if classdef is None or not looks_validated(classdef):
        return ()
    name = function.name.value
    if VALIDATION.match(name) or name.startswith("__") or not _runs_after_validation(function):
        return ()
    found: list[Absence] = []
    for method in _methods(classdef):
        if not VALIDATION.match(method.name.value) or method.name.value in NOT_FIELD_VALIDATION:
            continue
        for absence in exit_absences(method, ctx):
            if not _rejects(absence.origin):
                continue
            for carried in _carried(absence, method, function):
                if carried not in found:
                    found.append(carried)
    return tuple(found)


def _owner_class(function: Node) -> Node | None:
    parent = function.parent
    if parent is not None and parent.type in ("async_stmt", "async_funcdef"):
        parent = parent.parent
    if parent is not None and parent.type == "decorated":
        parent = parent.parent
    if parent is None or parent.type != "suite" or parent.parent.type != "classdef":
        return None
    return parent.parent


def looks_validated(classdef: Node) -> bool:
    """A form or a serializer, by its name or its bases' names."""
    children = classdef.children
    bases = code(children[3]) if len(children) > 4 and children[2].value == "(" else ""
    return any(word in f"{classdef.name.value} {bases}" for word in ("Form", "Serializer"))


def _methods(classdef: Node) -> Iterator[Node]:
    for child in classdef.children[-1].children:
        definition = child.children[-1] if child.type == "decorated" else child
        if definition.type == "async_stmt":
            definition = definition.children[-1]
        if definition.type == "funcdef":
            yield definition


def _runs_after_validation(function: Node) -> bool:
    """`save`/`create`/`update`, or a method reading the validated data (which exists only
    once validation has passed)."""
    if function.name.value in AFTER_VALIDATION:
        return True
    text = code(function.children[-1])
    return any(f"self.{container}" in text for container in CONTAINERS)


def _rejects(origin: Node) -> bool:
    """The check's statement turns the request away on some branch (else it checks nothing)."""
    for node in walk(origin):
        if node.type == "raise_stmt":
            return True
        if node.type == "name" and node.value == "add_error":
            return True
    return False


# --- keys: from the validation method's terms to the inserting method's ---------------------


def _carried(absence: Absence, method: Node, function: Node) -> list[Absence]:
    """The absence with each key spelt as `function` spells it (one absence per spelling)."""
    spellings: list[list[Node]] = []
    for key in absence.lookup.keys:
        if _kept_as_is(key.value):
            spellings.append([key.value])
            continue
        field = _field_of(key.value, method)
        if field is None:
            return []
        found = _spellings(function, field)
        if not found:
            return []
        spellings.append(found)
    carried = []
    for values in itertools.islice(itertools.product(*spellings), _MAX_SPELLINGS):
        keys = tuple(
            replace(key, value=value)
            for key, value in zip(absence.lookup.keys, values, strict=True)
        )
        bound = {leaf.value for value in values for leaf in _bound_once(value, function)}
        lookup = replace(absence.lookup, keys=keys)
        carried.append(replace(absence, lookup=lookup, kept=tuple(sorted(bound))))
    return carried


def _bound_once(value: Node, function: Node) -> Iterator[Node]:
    """The names in `value` that `function` binds exactly once (to the field or its data)."""
    for leaf in walk(value):
        if leaf.type == "name" and _single_assignment(function, leaf.value) is not None:
            yield leaf


def _kept_as_is(value: Node) -> bool:
    """A literal, or an attribute of the instance (`self.request.user`, `self.context["team"]`):
    the same in every method of the class."""
    names = [leaf for leaf in walk(value) if leaf.type == "name"]
    if not names:
        return True
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != "self" or not trailers:
        return False
    for trailer in trailers:
        if trailer.children[0].value == "[" and _string(trailer.children[1]) is not None:
            continue  # `self.context["team"]`
        if trailer.children[0].value != ".":
            return False
    first = trailers[0]
    return first.children[0].value == "." and first.children[1].value not in (
        *CONTAINERS, "data", "initial_data",
    )  # fmt: skip


def _field_of(value: Node, method: Node, depth: int = 0) -> str | None:
    """The submitted field `value` stands for in `method`, if any."""
    base, trailers = chain_parts(value)
    trailers = _without_normalisers(trailers)
    if not trailers:
        if base.type != "name":
            return None
        parameter = _parameter_field(method, base.value)
        if parameter is not None:
            return parameter
        assigned = _single_assignment(method, base.value)
        if assigned is None or depth > 3:
            return None
        return _field_of(assigned, method, depth + 1)
    last = trailers[-1]
    if last.children[0].value == "[" and _is_container(base, trailers[:-1], method):
        return _string(last.children[1])
    if (
        len(trailers) >= 2
        and last.children[0].value == "("
        and code(trailers[-2]).strip() == ".get"
        and _is_container(base, trailers[:-2], method)
    ):
        given = arguments(last)
        return _string(given[0].value) if given and given[0].keyword is None else None
    return None


def _without_normalisers(trailers: list[Node]) -> list[Node]:
    """`email.lower()`, `value.strip()`: the same submitted value, normalised."""
    while (
        len(trailers) >= 2
        and trailers[-1].children[0].value == "("
        and len(trailers[-1].children) == 2
        and trailers[-2].children[0].value == "."
        and trailers[-2].children[1].value in NORMALISERS
    ):
        trailers = trailers[:-2]
    return trailers


def _is_container(base: Node, trailers: list[Node], method: Node, depth: int = 0) -> bool:
    """`self.cleaned_data`, `validated_data`/`attrs` parameters, a name bound to one of them
    or to `super().clean()` (which returns `cleaned_data`)."""
    text = normalised(base) + "".join(normalised(t) for t in trailers)
    if text in {f"self.{container}" for container in CONTAINERS}:
        return True
    if trailers or base.type != "name":
        return False
    if base.value in _data_parameters(method):
        return True
    assigned = _single_assignment(method, base.value)
    if assigned is None or depth > 3:
        return False
    if re.fullmatch(r"super\([^()]*\)\.clean\(\)", normalised(assigned)):
        return True
    inner_base, inner_trailers = chain_parts(assigned)
    return _is_container(inner_base, inner_trailers, method, depth + 1)


def _data_parameters(method: Node) -> set[str]:
    """`attrs` of `validate(self, attrs)`, `validated_data` of `create`/`update`."""
    names = [param.name.value for param in method.get_params()]
    found = {name for name in names if name in CONTAINERS}
    if method.name.value == "validate" and len(names) == 2:
        found.add(names[1])
    return found


def _parameter_field(method: Node, name: str) -> str | None:
    """`value` in `validate_email(self, value)`: the `email` field."""
    match = re.fullmatch(r"validate_(\w+)", method.name.value)
    names = [param.name.value for param in method.get_params()]
    if match is not None and len(names) == 2 and names[1] == name:
        return match.group(1)
    return None


def _single_assignment(method: Node, name: str) -> Node | None:
    """The value of the one `name = value` in the method's own body (None if bound twice,
    or in another way: loops, `with … as`, augmented assignments)."""
    values = []
    for node in _own_nodes(method):
        if node.type == "name" and node.value == name and node.is_definition():
            parent = node.parent
            if parent.type != "expr_stmt" or parent.children[0] is not node:
                return None
            if len(parent.children) != 3 or parent.children[1].value != "=":
                return None
            values.append(parent.children[2])
    return values[0] if len(values) == 1 else None


def _own_nodes(method: Node) -> Iterator[Node]:
    stack = list(reversed(method.children[-1].children))
    while stack:
        node = stack.pop()
        if node.type in _DEFINITIONS:
            continue
        yield node
        stack.extend(reversed(getattr(node, "children", ())))


def _string(node: Node) -> str | None:
    if node.type != "string":
        return None
    text = node.value
    if text[:1] not in "\"'":
        return None  # f-strings, byte strings
    return text.strip("\"'") or None


def _spellings(function: Node, field: str) -> list[Node]:
    """Each way `function` spells the submitted `field` (a name bound to it, the container
    access itself, a normalised form), one node per distinct text."""
    found: dict[str, Node] = {}
    for node in _own_nodes(function):
        if node.type not in ("name", *CALL_CHAIN_TYPES) or len(found) >= _MAX_SPELLINGS:
            continue
        if node.type == "name" and (
            node.parent.type == "trailer" or node.parent.type in ("funcdef", "param")
        ):
            continue
        if _field_of(node, function) == field:
            found.setdefault(normalised(node), node)
    return list(found.values())
