"""What a ModelForm's or ModelSerializer's class body says about its fields, beyond `Meta`:
serializer fields declared read-only (and those with a default, which DRF's unique-together
validator still checks), fields `__init__` drops or disables, and fields the class's methods
set on the instance or in `validated_data` (`analysis.model_forms` reads them)."""

from __future__ import annotations

import re

from integrity_lsp.analysis.write_values import dict_entries
from integrity_lsp.syntax.declarations import literal_text
from integrity_lsp.syntax.nodes import (
    Node,
    arguments,
    assignment_target,
    code,
    expression_of,
    normalised,
    walk,
)


def declared_read_only(body: list[Node]) -> set[str]:
    """Serializer fields declared `read_only=True` in the class body (never written)."""
    return {
        name
        for name, text in _declarations(body)
        if "read_only=True" in text or "SerializerMethodField(" in text
    }


def declared_defaults(body: list[Node]) -> set[str]:
    """Serializer fields the class body declares `read_only=True` with a `default=` (wger's
    `user = PrimaryKeyRelatedField(read_only=True, default=CurrentUserDefault())`)."""
    return {
        name
        for name, text in _declarations(body)
        if "read_only=True" in text and "default=" in text
    }


def _declarations(body: list[Node]) -> list[tuple[str, str]]:
    """(name, value without whitespace) of each `name = …` statement of a class body."""
    found = []
    for statement in body:
        target = assignment_target(statement) if statement.type == "simple_stmt" else None
        if target is not None and target.type == "name":
            found.append((str(target.value), "".join(code(expression_of(statement)).split())))
    return found


REMOVED_FIELD = re.compile(
    r"""del self\.fields\[(['"])(\w+)\1\]|self\.fields\.pop\((['"])(\w+)\3"""
    r"""|self\.fields\[(['"])(\w+)\5\]\.disabled=True"""
)


def removed_fields(classdef: Node) -> set[str]:
    """Fields the form drops or disables somewhere (`del self.fields["client_id"]`): their value
    may not come from the request, so they are not counted as input (even when conditional)."""
    text = normalised(classdef.children[-1]).replace("delself.", "del self.")
    found: set[str] = set()
    for match in REMOVED_FIELD.finditer(text):
        found.add(match.group(2) or match.group(4) or match.group(6))
    return found


def instance_sets(classdef: Node) -> set[str]:
    """`self.instance.<field> = …` and `validated_data["<field>"] = …` in the class's methods,
    and the literal keys of `validated_data.update({"<field>": …})` / `.update(<field>=…)`."""
    found: set[str] = set()
    for node in walk(classdef.children[-1]):
        if node.type in ("atom_expr", "power"):
            found |= _updated_keys(node)
            continue
        if node.type != "expr_stmt" or len(node.children) != 3 or node.children[1].value != "=":
            continue
        target = "".join(code(node.children[0]).split())
        if target.startswith("self.instance.") and target.count(".") == 2:
            found.add(target.rsplit(".", 1)[1])
        elif target.startswith("validated_data[") and target.endswith("]"):
            key = target[len("validated_data[") : -1]
            if literal_text(key) and key[:1] in "\"'":
                found.add(key[1:-1])
    return found


def _updated_keys(chain: Node) -> set[str]:
    """The literal keys `validated_data.update(…)` sets: a dict literal's string keys, or the
    keywords (a key that is not a literal adds nothing)."""
    children = chain.children
    if len(children) != 3 or code(children[0]).strip() != "validated_data":
        return set()
    if code(children[1]).strip() != ".update" or children[2].children[0].value != "(":
        return set()
    found: set[str] = set()
    for argument in arguments(children[2]):
        if argument.keyword is not None:
            found.add(str(argument.keyword))
        elif not argument.star:
            entries = dict_entries(argument.value) or []
            found |= {str(entry.keyword) for entry in entries}
    return found
