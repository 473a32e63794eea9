"""Models whose `save()` gives every row the same primary key: at most one row exists.

django-solo's `SingletonModel` (and the hand-written singletons it stands for) does

    class SingletonModel(models.Model):
        singleton_instance_id = 1

        def save(self, *args, **kwargs):
            self.pk = self.singleton_instance_id
            super().save(*args, **kwargs)

so every insert writes the same primary key: a second concurrent insert fails on the primary
key, and `get_or_create()` recovers by reading the winner's row. Whatever such a call looks up,
it cannot store a duplicate.

`save_fixes_the_pk` answers for a model: some class of its MRO (the model or an ancestor, read
from the project or an installed package) defines a `save()` whose first-level statements assign
`self.pk` (or `self.id`) a literal or a class attribute bound to a literal in one of those
classes, and every nearer `save()` override calls `super().save(…)` (one that does not may
never run the assignment). Anything else — a computed value, an assignment under an `if`, a
class that cannot be read — is not a fixed key.
"""

from __future__ import annotations

from integrity_lsp.analysis.class_methods import model_class, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node, code, statements

_PK_TARGETS = ("self.pk", "self.id")
_CLASS_ATTRIBUTE = ("self.", "cls.", "type(self).", "self.__class__.")


def save_fixes_the_pk(model: ModelRecord, ctx: Context) -> bool:
    """Every row of `model` gets the same primary key from a `save()` of its MRO."""
    found = [model_class(record, ctx) for record in (model, *ctx.env.index.ancestors(model))]
    classes = [classdef for classdef, _ in filter(None, found)]
    if len(classes) != len(found):
        return False
    constants = {name for classdef in classes for name in _literal_attributes(classdef)}
    for classdef in classes:
        save = own_method(classdef, "save")
        if save is None:
            continue
        if _assigns_fixed_pk(save, constants):
            return True
        if "super(" not in code(save):
            return False  # an override that may skip the ancestors' save()
    return False


def _literal_attributes(classdef: Node) -> set[str]:
    """Names the class body binds to a number or string literal (`singleton_instance_id = 1`),
    or to a module-level name bound to one (`= DEFAULT_SINGLETON_INSTANCE_ID`, `… = 1`)."""
    module_literals = _literal_names(classdef.get_root_node().children, set())
    return _literal_names(statements(classdef.children[-1]), module_literals)


def _literal_names(block: list[Node], names: set[str]) -> set[str]:
    """Names bound by `name = <literal>` (or `name = <one of names>`) statements of a block."""
    found: set[str] = set()
    for statement in block:
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type != "expr_stmt" or len(node.children) != 3:
            continue
        target, operator, value = node.children
        if target.type != "name" or operator.type != "operator" or operator.value != "=":
            continue
        if value.type in ("number", "string") or (value.type == "name" and value.value in names):
            found.add(target.value)
    return found


def _assigns_fixed_pk(save: Node, constants: set[str]) -> bool:
    for statement in statements(save.children[-1]):
        node = statement.children[0] if statement.type == "simple_stmt" else statement
        if node.type != "expr_stmt" or len(node.children) != 3:
            continue
        target = "".join(code(node.children[0]).split())
        value = node.children[2]
        if target not in _PK_TARGETS:
            continue
        if value.type in ("number", "string"):
            return True
        text = "".join(code(value).split())
        for prefix in _CLASS_ATTRIBUTE:
            if text.startswith(prefix) and text[len(prefix) :] in constants:
                return True
    return False
