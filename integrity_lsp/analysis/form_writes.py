"""Saves through a ModelForm or the admin: sites of the shared write-site model (kind `save`).

What a `form.save()` writes is `form_saves.form_save`'s answer, the one IL201 judges: the
model of the form or serializer class, and whether the save inserts or updates the row the form
is bound to (both are listed: an update can collide on a unique column too). `model_forms_in`
only narrows which files are read: the classes with `class Meta: model = M` for a wanted M,
whose names a file must mention to save through them. A ModelAdmin registered for M
(`@admin.register(M)`) saves M from its add form: its `save_model` override's `.save()` calls,
or, when it has none, the registration itself (`form_saves_in`). `explain` lists these.
"""

from __future__ import annotations

from collections.abc import Iterator

from integrity_lsp.analysis.context import Context, Environment
from integrity_lsp.analysis.form_saves import form_save
from integrity_lsp.analysis.writes import WriteSite
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.nodes import (
    CALL_CHAIN_TYPES,
    Node,
    assignment_target,
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
    source: SourceFile, env: Environment, wanted: dict[str, ModelRecord]
) -> Iterator[WriteSite]:
    """The saves of wanted models in `source` through forms, serializers and the admin."""
    for node in walk(source.tree):
        if node.type == "classdef":
            yield from _admin_registration(source, env.resolver, node, wanted)
        if node.type not in CALL_CHAIN_TYPES:
            continue
        function = enclosing(node, "funcdef")
        if function is None:
            continue
        ctx = Context(source, env, function=function, class_node=enclosing(node, "classdef"))
        saved = form_save(node, ctx)
        if saved is not None and saved.form.model.label in wanted:
            yield _site(source, node, saved.form.model)


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
