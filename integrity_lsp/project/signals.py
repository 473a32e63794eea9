"""Fields a `pre_save` receiver of the project fills before Django inserts the row.

wagtail's `TranslatableMixin` has a NOT NULL `locale` that no `create()` passes: a receiver
sets it.

    @receiver(pre_save)
    def set_locale_on_new_instance(sender, instance, **kwargs):
        ...
        instance.locale = instance.get_default_locale()

Read with CPython's parser, only in files that mention `pre_save`: functions decorated with
`@receiver(pre_save, …)` (or a list holding `pre_save`) and functions passed to
`pre_save.connect(…)`, and the attributes they assign on their `instance` parameter. With
`sender=Model` a receiver fills them for that model (by its simple name) and its subclasses;
without a sender, for every model — Django calls it for every save, and whatever `isinstance`
test it makes inside is not followed.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from integrity_lsp.syntax.source import cpython_tree

ANY_SENDER = "*"


@dataclass(frozen=True)
class PreSaveFills:
    """(sender class simple name or ANY_SENDER, attribute) pairs."""

    pairs: frozenset[tuple[str, str]] = frozenset()

    def attributes_for(self, senders: Iterable[str]) -> frozenset[str]:
        """What receivers fill on an instance of a model whose class or ancestors are named
        `senders`."""
        wanted = {ANY_SENDER, *senders}
        return frozenset(attribute for sender, attribute in self.pairs if sender in wanted)


def may_connect_pre_save(text: str) -> bool:
    return "pre_save" in text


def read_pre_save_fills(texts: Iterable[str]) -> PreSaveFills:
    pairs: set[tuple[str, str]] = set()
    for text in texts:
        pairs.update(_fills_in(text))
    return PreSaveFills(frozenset(pairs))


@functools.lru_cache(maxsize=256)
def _fills_in(text: str) -> frozenset[tuple[str, str]]:
    """One file's (sender, attribute) pairs (per text: an editor re-reads on every change)."""
    pairs: set[tuple[str, str]] = set()
    module = cpython_tree(text)
    if module is not None:
        functions = {
            node.name: node
            for node in ast.walk(module)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for function in functions.values():
            for decorator in function.decorator_list:
                sender = _receiver_sender(decorator)
                if sender is not None:
                    pairs.update((sender, attribute) for attribute in _instance_writes(function))
        for node in ast.walk(module):
            connected = _connected(node)
            if connected is not None and connected[0] in functions:
                function = functions[connected[0]]
                pairs.update((connected[1], attribute) for attribute in _instance_writes(function))
    return frozenset(pairs)


def _is_pre_save(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id == "pre_save"
    if isinstance(node, ast.Attribute):
        return node.attr == "pre_save"
    if isinstance(node, ast.List | ast.Tuple):
        return any(_is_pre_save(item) for item in node.elts)
    return False


def _sender(call: ast.Call) -> str:
    for keyword in call.keywords:
        if keyword.arg == "sender":
            value = keyword.value
            if isinstance(value, ast.Name):
                return value.id
            if isinstance(value, ast.Attribute):
                return value.attr
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value.rsplit(".", 1)[-1]  # "app_label.Model"
            return ANY_SENDER  # an expression: who it is cannot be told
    return ANY_SENDER


def _receiver_sender(decorator: ast.expr) -> str | None:
    """`@receiver(pre_save, sender=M)` -> "M"; None for any other decorator."""
    if not (isinstance(decorator, ast.Call) and decorator.args):
        return None
    function = decorator.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")
    if name != "receiver" or not _is_pre_save(decorator.args[0]):
        return None
    return _sender(decorator)


def _connected(node: ast.AST) -> tuple[str, str] | None:
    """`pre_save.connect(handler, sender=M)` -> ("handler", "M")."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "connect"
        and _is_pre_save(node.func.value)
        and node.args
        and isinstance(node.args[0], ast.Name)
    ):
        return None
    return node.args[0].id, _sender(node)


def _instance_writes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Attributes assigned on the receiver's `instance` argument (Django passes it by name)."""
    found: set[str] = set()
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "instance"
            ):
                found.add(target.attr)
    return found
