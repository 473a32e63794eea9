"""A callee's names in its caller's terms, for following calls (`absence_calls`,
`absence_callers`, `absence_is_valid`): each parameter is the call's argument (the first one
what the method is bound to), a `**kwargs` parameter hands on the keyword arguments no named
parameter takes, and a value built from anything else is unknown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from integrity_lsp.analysis.write_values import string_literal
from integrity_lsp.syntax.nodes import Argument, Node, arguments, chain_parts, code, enclosing, walk


def parameters(callee: Node, call: Node, bound: Node | None) -> dict[str, Node] | None:
    """Parameter name -> the caller's argument node (`self` -> the caller's `self`)."""
    params = callee.get_params()
    names = [param.name.value for param in params]
    mapping: dict[str, Node] = {}
    extras: dict[str, Node] = {}  # keyword arguments no named parameter takes
    positional = names
    if bound is not None:
        if not names:
            return None
        mapping[names[0]] = bound
        positional = names[1:]
    position = 0
    for argument in arguments(call):
        if argument.star:
            return None  # *args / **kwargs: which parameter gets what is unknown
        if argument.keyword is None:
            if position >= len(positional):
                return None
            mapping[positional[position]] = argument.value
            position += 1
        elif argument.keyword in names:
            mapping[argument.keyword] = argument.value
        else:
            extras[argument.keyword] = argument.value
    star = next((param.name.value for param in params if param.star_count == 2), None)
    if star is not None and extras:
        mapping.update(_keyword_locals(callee, star, extras))
    return mapping


def _keyword_locals(callee: Node, star: str, extras: dict[str, Node]) -> dict[str, Node]:
    """What a `**kwargs` parameter hands on (`def add_to_group(cls, **kwargs)` called with
    `member=user`): `kwargs["member"]` / `kwargs.get("member")`, and a local bound once to
    it (`member = kwargs["member"]`), are the caller's argument."""
    found: dict[str, Node] = {f"{star}[{key!r}]": value for key, value in extras.items()}
    counts: dict[str, int] = {}
    bound: dict[str, Node] = {}
    for node in walk(callee.children[-1]):
        if (
            node.type != "expr_stmt"
            or len(node.children) != 3
            or enclosing(node, "funcdef") is not callee
        ):
            continue
        target = node.children[0]
        if target.type == "name":
            counts[target.value] = counts.get(target.value, 0) + 1
            key = _keyword_of(node.children[2], star)
            if key is not None and key in extras:
                bound[target.value] = extras[key]
    found.update({name: value for name, value in bound.items() if counts[name] == 1})
    return found


def _keyword_of(value: Node, star: str) -> str | None:
    """`kwargs["member"]` / `kwargs.get("member"[, default])` -> "member"."""
    base, trailers = chain_parts(value)
    if base.type != "name" or base.value != star:
        return None
    if (
        len(trailers) == 2
        and code(trailers[0]).strip() == ".get"
        and trailers[1].children[0].value == "("
    ):
        given = arguments(trailers[1])
        index = given[0].value if given and given[0].keyword is None else None
    elif len(trailers) == 1 and trailers[0].children[0].value == "[":
        index = trailers[0].children[1]
    else:
        return None
    return None if index is None else string_literal(index)


def mapped(
    keys: tuple[Argument, ...], mapping: Mapping[str, Node], *, strict: bool
) -> tuple[Argument, ...] | None:
    """The keys in the caller's terms: a parameter becomes the caller's argument (`param.pk`
    too), literals stay. A key built from anything else fails the whole lookup (`strict`: a
    read that says less than it seems) or is dropped (an insert's value, then never matched)."""
    result = []
    for arg in keys:
        value = _in_caller_terms(arg.value, mapping)
        if value is None:
            if strict:
                return None
            continue
        result.append(replace(arg, value=value))
    return tuple(result) or None


def _in_caller_terms(value: Node, mapping: Mapping[str, Node]) -> Node | None:
    if not any(leaf.type == "name" for leaf in walk(value)):
        return value  # a literal
    base, trailers = chain_parts(value)
    if base.type == "name" and (key := _keyword_of(value, base.value)) is not None:
        return mapping.get(f"{base.value}[{key!r}]")  # `kwargs["member"]`
    if base.type != "name" or base.value not in mapping:
        return None
    if any(trailer.children[0].value != "." for trailer in trailers):
        return None
    argument = mapping[base.value]
    if argument.type == "name" and argument.value == base.value:
        return value  # `self.project` with the caller's own `self`: the same expression
    if not trailers:
        return argument
    if len(trailers) == 1 and trailers[0].children[1].value in ("pk", "id"):
        return argument  # `param.pk` is the argument once normalised
    return None
