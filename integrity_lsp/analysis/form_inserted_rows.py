"""Fields a ModelForm's own code fills with a row it has just inserted.

tendenci's staff "add user" form creates the account itself and hands it to the profile it saves:

    def save(self, request, user_edit, *args, **kwargs):
        if not self.user_this:
            new_user = User.objects.create_user(username, email, password)
            self.instance.user = new_user
        ...
        return super().save(*args, **kwargs)

`Profile.user` is a OneToOneField, but the value is a row only this call inserted: no other
request can hold it, so two saves cannot collide on it. `inserted_row_sets` names such fields:
every assignment to the field in the class and its project bases (`self.instance.f =`, `obj.f
=`, `validated_data["f"] =`; not `self.f =`, an attribute of the form) is `self.instance.f =
name`, where `name` is bound once in that method, before the assignment, to a `create…(…)` call
(`objects.create(…)`, `create_user(…)`; not `get_or_create` / `update_or_create`, which may
return an existing row). A base that cannot be read (a library mixin, `with_metaclass(…)`) is
passed over, as `model_forms` passes it over when it lists the fields the class sets.
"""

from __future__ import annotations

import re

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.handlers import class_bases, class_definition
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    chain_parts,
    enclosing,
    normalised,
    walk,
)
from integrity_lsp.syntax.source import SourceFile

_CREATE = re.compile(r"create(?!\w*_or_)\w*")
_DJANGO_BASES = frozenset({"ModelForm", "BaseModelForm", "Form", "BaseForm"})
MAX_DEPTH = 8


def inserted_row_sets(classdef: Node, source: SourceFile, ctx: Context) -> frozenset[str]:
    """The fields the form class (with its project bases) sets only to rows it inserted."""
    found = _class_sets(classdef, source, ctx, 0)
    if found is None:
        return frozenset()
    new, other = found
    return frozenset(new - other)


def _class_sets(
    classdef: Node, source: SourceFile, ctx: Context, depth: int
) -> tuple[set[str], set[str]] | None:
    """(fields assigned a just-inserted row, fields assigned anything else) in the class and
    its project bases; None when the bases nest deeper than `MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        return None
    new, other = _own_sets(classdef)
    for base in class_bases(classdef):
        if base.rsplit(".", 1)[-1] in _DJANGO_BASES:
            continue
        definition = class_definition(base, source, ctx)
        if definition is None:
            continue  # not readable: `model_forms` does not see what it sets either
        parent = _class_sets(*definition, ctx, depth + 1)
        if parent is None:
            return None
        new |= parent[0]
        other |= parent[1]
    return new, other


def _own_sets(classdef: Node) -> tuple[set[str], set[str]]:
    new: set[str] = set()
    other: set[str] = set()
    for node in walk(classdef.children[-1]):
        if node.type != "expr_stmt" or node.children[1].type == "annassign":
            continue
        for target in node.children[:-1:2]:
            field = _assigned_field(target)
            if field is None:
                continue
            value = node.children[-1]
            inserted = normalised(target) == f"self.instance.{field}" and _inserted(value, node)
            (new if inserted else other).add(field)
    return new, other


def _assigned_field(target: Node) -> str | None:
    """`f` of a target `x.f` / `x.y.f` or `x["f"]`; not `self.f`, an attribute of the form."""
    text = normalised(target)
    if re.fullmatch(r"self\.\w+", text):
        return None
    attribute = re.fullmatch(r"[\w.]+\.(\w+)", text)
    if attribute is not None:
        return attribute.group(1)
    key = re.fullmatch(r"[\w.]+\[(['\"])(\w+)\1\]", text)
    return key.group(2) if key is not None else None


def _inserted(value: Node, statement: Node) -> bool:
    """`value` is a name bound once in the method, before `statement`, to a `create…(…)`."""
    method = enclosing(statement, "funcdef")
    if value.type != "name" or method is None:
        return False
    bindings = [
        leaf
        for leaf in walk(method)
        if leaf.type == "name"
        and leaf.value == value.value
        and leaf.is_definition()
        and leaf.get_previous_leaf().value != "."  # `x.team = …` binds an attribute
    ]
    if len(bindings) != 1:
        return False  # a parameter, or bound more than once: not provably the new row
    binding = bindings[0].parent
    return (
        binding.type == "expr_stmt"
        and len(binding.children) == 3
        and binding.children[0] is bindings[0]
        and binding.start_pos < statement.start_pos
        and _creates(binding.children[2])
    )


def _creates(value: Node) -> bool:
    """`M.objects.create(…)`, `User.objects.create_user(…)`: the call's method is `create…`."""
    if value.type not in CALL_CHAIN_TYPES:
        return False
    _, trailers = chain_parts(value)
    if len(trailers) < 2 or trailers[-1].children[0].value != "(":
        return False
    method = trailers[-2]
    return method.children[0].value == "." and bool(
        _CREATE.fullmatch(str(method.children[1].value))
    )
