"""Fields a model's `save()` computes from other fields of the row before the insert.

wagtail-localize's `TranslationContext` is unique on `(object, path_id)`, and its `save()` fills
`path_id` from `path`:

    def save(self, *args, **kwargs):
        if self.path and self.path_id is None:
            self.path_id = self._get_path_id(self.path)  # uuid5 of the path
        return super().save(*args, **kwargs)

so `get_or_create(object_id=…, path=…)` inserts a `path_id` that depends only on the looked-up
`path`: two concurrent calls write the same `(object, path_id)`, the second insert fails on the
constraint and `get_or_create` reads the winner's row — the lookup is covered.

`save_derived_fields` answers for a model and the fields a lookup pins: the fields a `save()` of
the model's MRO (the model or an ancestor, read from the project or an installed package) assigns
`self.<field> = <expression>` before it calls `super().save(…)` — at the top of the method, or
under an `if` that only fills an empty field (`if self.path_id is None`, `if not self.slug`,
optionally `and`-ed with a pinned field's truthiness) — where the expression reads at least one
pinned field of `self`, and otherwise only imported names, builtins, literals and methods of the
MRO's classes or functions of their module, none of which names a source of fresh values
(`uuid4`, `random`, `secrets`, `now`, `time`, …: two calls would then write different values).
Every nearer `save()` override must call `super().save(…)`, and every class of the MRO must be
readable; otherwise nothing is derived.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Iterator

from integrity_lsp.analysis.class_methods import model_class, own_method
from integrity_lsp.analysis.context import Context
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.nodes import Node, code, normalised, statements, walk
from integrity_lsp.syntax.source import SourceFile

_FRESH = re.compile(
    r"\b(uuid1|uuid4|random\w*|secrets|token_\w+|urandom|get_random_string|now|utcnow|today"
    r"|time|time_ns|monotonic|perf_counter|counter|next)\b"
)
_BUILTINS = frozenset(dir(builtins))


def save_derived_fields(model: ModelRecord, pinned: set[str], ctx: Context) -> dict[str, Node]:
    """Field name -> the expression a `save()` of the model's MRO computes it with, from the
    `pinned` fields alone, before the insert (see the module docstring)."""
    index = ctx.env.index
    found = [model_class(record, ctx) for record in (model, *index.ancestors(model))]
    classes = [item for item in found if item is not None]
    if len(classes) != len(found) or not pinned:
        return {}
    derived: dict[str, Node] = {}
    for classdef, source in classes:
        save = own_method(classdef, "save")
        if save is None:
            continue
        for target, value in _assignments_before_insert(save):
            field = index.field(model, target)
            if field is None or field.name in pinned or field.name in derived:
                continue
            if _reads_only_pinned(value, pinned, model, classes, source, ctx):
                derived[field.name] = value
        if "super(" not in code(save):
            break  # an override that may skip the ancestors' save()
    return derived


def _assignments_before_insert(save: Node) -> Iterator[tuple[str, Node]]:
    """`self.<name> = <value>` statements of the method before the one that saves, at the top
    level or under an `if` that fills the assigned field only while it is empty."""
    for statement in statements(save.children[-1]):
        text = code(statement)
        if "super(" in text or ".save(" in text:
            return
        if statement.type == "if_stmt":
            if len(statement.children) != 4:
                continue  # elif / else: which branch runs on insert is not known
            test, body = statement.children[1], statement.children[3]
            for inner in statements(body):
                assigned = _self_assignment(inner)
                if assigned is not None and _fills_empty(test, assigned[0]):
                    yield assigned
            continue
        assigned = _self_assignment(statement)
        if assigned is not None:
            yield assigned


def _self_assignment(statement: Node) -> tuple[str, Node] | None:
    node = statement.children[0] if statement.type == "simple_stmt" else statement
    if node.type != "expr_stmt" or len(node.children) != 3 or node.children[1].value != "=":
        return None
    target = normalised(node.children[0])
    if not re.fullmatch(r"self\.\w+", target):
        return None
    return target.removeprefix("self."), node.children[2]


def _fills_empty(test: Node, target: str) -> bool:
    """`self.t is None` / `not self.t` (the assigned field), `and`-ed with truthiness tests of
    other fields of `self` (`self.path and self.path_id is None`)."""
    terms = [child for child in test.children if child.type != "keyword"]
    if test.type != "and_test":
        terms = [test]
    empty = {f"self.{target}isNone", f"notself.{target}"}
    texts = [normalised(term) for term in terms]
    if not any(text in empty for text in texts):
        return False
    return all(
        text in empty or re.fullmatch(r"self\.\w+(isnotNone)?", text) is not None for text in texts
    )


def _reads_only_pinned(
    value: Node,
    pinned: set[str],
    model: ModelRecord,
    classes: list[tuple[Node, SourceFile]],
    source: SourceFile,
    ctx: Context,
) -> bool:
    """The expression reads a pinned field, and nothing but pinned fields, imported names,
    builtins and fresh-value-free helpers of the MRO's classes or of their module."""
    if _FRESH.search(code(value)):
        return False
    index = ctx.env.index
    imports = ctx.env.resolver.import_table(source)
    module_functions = {f.children[1].value: f for f in source.tree.iter_funcdefs()}
    reads_pinned = False
    for leaf in walk(value):
        if leaf.type != "name" or _is_attribute_or_keyword(leaf):
            continue
        if leaf.value in ("self", "cls"):
            attribute = _attribute_after(leaf)
            field = index.field(model, attribute) if attribute else None
            if field is not None:
                if field.name not in pinned:
                    return False
                reads_pinned = True
                continue
            method = _method(classes, attribute)
            if method is None or _FRESH.search(code(method)):
                return False
            continue
        if leaf.value in module_functions:
            if _FRESH.search(code(module_functions[leaf.value])):
                return False
            continue
        if imports.lookup(leaf.value) is None and leaf.value not in _BUILTINS:
            return False  # a local name or a module global: unknown value
    return reads_pinned


def _is_attribute_or_keyword(leaf: Node) -> bool:
    previous, following = leaf.get_previous_leaf(), leaf.get_next_leaf()
    if previous is not None and previous.value == ".":
        return True
    return (
        following is not None
        and following.value == "="
        and leaf.parent is not None
        and leaf.parent.type == "argument"
    )


def _attribute_after(leaf: Node) -> str | None:
    dot = leaf.get_next_leaf()
    if dot is None or dot.value != ".":
        return None
    name = dot.get_next_leaf()
    return name.value if name is not None and name.type == "name" else None


def _method(classes: list[tuple[Node, SourceFile]], name: str | None) -> Node | None:
    for classdef, _ in classes:
        method = own_method(classdef, name) if name else None
        if method is not None:
            return method
    return None
