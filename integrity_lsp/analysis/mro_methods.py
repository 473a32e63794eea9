"""Which `save()`, `delete()` or other method an instance of a model runs: the definitions the
classes of the model's MRO give themselves, read in MRO order from the project and the
installed packages, up to Django's own `Model` (its methods are Django's, which the rules
know). One walk for every question of that kind: does a `save()` override take its own
savepoint (IL202), does a `delete()` override write more than deletes, does any class
override `save()` at all, is a classmethod a factory of the model, does a model method return
fresh values.

A class that cannot be read may define the method: the walk then yields `None` and stops, and
so it does after `MAX_CLASSES` classes without reaching `Model` (an unknown answer is silence).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from integrity_lsp.analysis.absence_calls import count_body_read
from integrity_lsp.analysis.class_methods import class_at, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node
from integrity_lsp.syntax.source import SourceFile

MAX_CLASSES = 16  # classes of an MRO read for a method before Django's Model


@dataclass(frozen=True)
class Definition:
    """A method one class of the model's MRO defines in its own body."""

    position: int  # of the class in the MRO: 0 is the model itself
    method: Node
    source: SourceFile


def mro_definitions(model: ModelRecord, name: str, ctx: Context) -> Iterator[Definition | None]:
    """The definitions of method `name` in the model's MRO before Django's `Model`, in MRO
    order; `None` (and nothing after it) where a class cannot be read or the MRO is unknown."""
    classes = ctx.env.index.mro_classes(model)
    if not classes:
        yield None
        return
    for position, (class_name, ref) in enumerate(classes):
        if class_name == "Model" and "django/db/models" in ref.path.as_posix():
            return
        if position >= MAX_CLASSES:
            yield None
            return
        found = class_at(class_name, ref, ctx)
        if found is None:
            yield None
            return
        count_body_read()  # the finding now depends on another class's body (analysis.walker)
        method = own_method(found[0], name)
        if method is not None:
            yield Definition(position, method, found[1])
