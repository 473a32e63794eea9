"""Saves through a ModelForm or the admin: sites of the shared write-site model (kind `save`).

Read statically: a class with `class Meta: model = M` (a ModelForm, or a ModelSerializer) names
M (`model_forms_in`); its saves are `form.save()` on a name bound in the same function to
`TheForm(…)`, and `form.save()` inside a class that declares `form_class = TheForm` (a view) or
`form = TheForm` (a ModelAdmin). A ModelAdmin registered for M (`@admin.register(M)`) saves M
from its add form: its `save_model` override's `.save()` calls, or, when it has none, the
registration itself (`form_saves_in`). `explain` lists these; IL201 judges the saves of forms
in request handlers with its own reading of the form's fields (`rules/guards/form_saves.py`).
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
    chain_parts,
    code,
    enclosing,
    walk,
)
from integrity_lsp.syntax.source import SourceFile

_ADMIN_SAVES = ("save_model", "save_formset", "save_related")


def model_forms_in(
    source: SourceFile, resolver: Resolver, wanted: dict[str, ModelRecord]
) -> Iterator[tuple[str, ModelRecord]]:
    for node in walk(source.tree):
        if node.type != "classdef" or node.name.value == "Meta":
            continue
        for meta in node.iter_classdefs():
            if meta.name.value != "Meta":
                continue
            for statement in walk(meta):
                if statement.type != "expr_stmt":
                    continue
                target = assignment_target(statement)
                if target is None or target.type != "name" or target.value != "model":
                    continue
                model = _resolve(resolver, source, statement.children[-1])
                if model is not None and model.label in wanted:
                    yield node.name.value, model


def _resolve(resolver: Resolver, source: SourceFile, node: Node) -> ModelRecord | None:
    leaf = node.get_last_leaf() if hasattr(node, "get_last_leaf") else node
    try:
        model: ModelRecord | None = resolver.resolve_model(source, leaf)
    except Exception:  # resolution is best effort
        return None
    return model


def form_saves_in(
    source: SourceFile,
    resolver: Resolver,
    forms: dict[str, ModelRecord],
    wanted: dict[str, ModelRecord],
) -> Iterator[WriteSite]:
    for node in walk(source.tree):
        if node.type == "classdef":
            yield from _admin_registration(source, resolver, node, wanted)
        if node.type not in CALL_CHAIN_TYPES:
            continue
        base, trailers = chain_parts(node)
        if len(trailers) != 2 or base.type != "name" or trailers[-1].children[0].value != "(":
            continue
        if trailers[0].children[0].value != "." or trailers[0].children[1].value != "save":
            continue
        model = _bound_form(node, base.value, forms) or _class_form(node, base.value, forms)
        if model is not None:
            yield _site(source, node, model)


def _bound_form(node: Node, name: str, forms: dict[str, ModelRecord]) -> ModelRecord | None:
    """`name = TheForm(…)` earlier in the same function."""
    function = enclosing(node, "funcdef")
    if function is None:
        return None
    found = None
    for statement in walk(function):
        if statement.type != "expr_stmt" or statement.start_pos >= node.start_pos:
            continue
        target = assignment_target(statement)
        if target is not None and target.type == "name" and target.value == name:
            value = statement.children[-1]
            callee = value.children[0] if value.type in CALL_CHAIN_TYPES else None
            found = (
                forms.get(callee.value) if callee is not None and callee.type == "name" else None
            )
    return found


def _class_form(node: Node, name: str, forms: dict[str, ModelRecord]) -> ModelRecord | None:
    """`form.save()` in a class declaring `form_class = TheForm` / `form = TheForm`."""
    if name != "form":
        return None
    cls = enclosing(node, "classdef")
    if cls is None:
        return None
    for statement in cls.children[-1].children:
        inner = statement.children[0] if statement.type == "simple_stmt" else statement
        if inner.type != "expr_stmt":
            continue
        target = assignment_target(inner)
        value = inner.children[-1]
        declared = target.value if target is not None and target.type == "name" else None
        if declared in ("form_class", "form") and value.type == "name":
            return forms.get(value.value)
    return None


def _admin_registration(
    source: SourceFile,
    resolver: Resolver,
    cls: Node,
    wanted: dict[str, ModelRecord],
) -> Iterator[WriteSite]:
    """A ModelAdmin registered for a wanted model with `@admin.register(M)`."""
    decorated = cls.parent if cls.parent.type == "decorated" else None
    if decorated is None:
        return
    decorators = decorated.children[0]
    for decorator in decorators.children if decorators.type == "decorators" else [decorators]:
        text = code(decorator)
        if "register(" not in text:
            continue
        for leaf in walk(decorator):
            if leaf.type != "name" or leaf.value in ("admin", "register", "site"):
                continue
            model = _resolve(resolver, source, leaf)
            if model is None or model.label not in wanted:
                continue
            overrides = [f for f in cls.iter_funcdefs() if f.name.value in _ADMIN_SAVES]
            saves = [
                call
                for function in overrides
                for call in walk(function)
                if call.type in CALL_CHAIN_TYPES and code(call).rstrip().endswith(".save()")
            ]
            for call in saves or [decorator]:
                yield _site(source, call, model)
            return


def _site(source: SourceFile, node: Node, model: ModelRecord) -> WriteSite:
    call = node.children[-1] if node.type in CALL_CHAIN_TYPES else node
    return WriteSite(
        node, "save", "save", model.name, None, call, {},
        complete=False,  # the form's fields come from the request
        model=model, path=source.path,
    )  # fmt: skip
