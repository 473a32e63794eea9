"""A submitted field as the function that built the form spells it, for `absence_is_valid`:
`form.cleaned_data["email"]`, `form.cleaned_data.get("email")` (normalised or not:
`….lower()`), or a name the function binds once to one of them. A key of the form's
validation that stands for a submitted field (`self.cleaned_data["email"]` in
`clean_email()`, `self.email` in its model's `clean()`) is carried into the caller as each of
these spellings, at most a few."""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.absence_validation import (
    _own_nodes,
    _single_assignment,
    _string,
    _without_normalisers,
)
from integrity_lsp.syntax.nodes import CALL_CHAIN_TYPES, Node, arguments, chain_parts, normalised

MAX_SPELLINGS = 4


def submitted(function: Node, form: str, field: str) -> tuple[list[Node], tuple[str, ...]]:
    """The spellings of `form`'s submitted `field` in `function`, one node per distinct text,
    and the names among them (bound once: binding them keeps what the key means)."""
    found: dict[str, Node] = {}
    names: list[str] = []
    for node, name in _spellings(function, form, field):
        if len(found) >= MAX_SPELLINGS:
            break
        found.setdefault(normalised(node), node)
        if name is not None and name not in names:
            names.append(name)
    return list(found.values()), tuple(names)


def _spellings(function: Node, form: str, field: str) -> Iterator[tuple[Node, str | None]]:
    for node in _own_nodes(function):
        if node.type in CALL_CHAIN_TYPES and cleaned_field(node, form) == field:
            yield node, None
        elif node.type == "name" and node.is_definition():
            value = _single_assignment(function, str(node.value))
            if value is not None and cleaned_field(value, form) == field:
                yield node, str(node.value)


def cleaned_field(node: Node, form: str) -> str | None:
    """The field `node` reads from `form.cleaned_data`, if it is such a read."""
    if node.type not in CALL_CHAIN_TYPES:
        return None
    base, trailers = chain_parts(node)
    trailers = _without_normalisers(trailers)
    if base.type != "name" or base.value != form or len(trailers) < 2:
        return None
    if normalised(trailers[0]) != ".cleaned_data":
        return None
    rest = trailers[1:]
    if len(rest) == 1 and rest[0].children[0].value == "[":
        return _string(rest[0].children[1])
    if len(rest) == 2 and normalised(rest[0]) == ".get" and rest[1].children[0].value == "(":
        given = arguments(rest[1])
        return _string(given[0].value) if given and given[0].keyword is None else None
    return None
