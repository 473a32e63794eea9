"""Saves through a ModelForm or the admin, as write sites of the form's model.

Read statically, for `explain` only: a class with `class Meta: model = M` (a ModelForm, or a
ModelSerializer) names M; its saves are `form.save()` on a name bound in the same function to
`TheForm(…)`, and `form.save()` inside a class that declares `form_class = TheForm` (a view) or
`form = TheForm` (a ModelAdmin). A ModelAdmin registered for M (`@admin.register(M)`,
`admin.site.register(M, …)`) saves M from its add form: its `save_model` override's
`.save()` calls, or, when it has none, the registration itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.explain.sites import FileMemo, WriteSite, is_test_path
from integrity_lsp.explain.trees import DISK_TREES
from integrity_lsp.findings import Span
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
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

if TYPE_CHECKING:
    from integrity_lsp.config import Settings
    from integrity_lsp.project.index import ProjectIndex

_ADMIN_SAVES = ("save_model", "save_formset", "save_related")
T = TypeVar("T")


def form_sites(
    index: ProjectIndex,
    models: Iterable[ModelRecord],
    resolver: Resolver,
    files: Iterable[Path] | None = None,
    settings: Settings | None = None,
    memo: FileMemo | None = None,
) -> list[WriteSite]:
    wanted = {model.label: model for model in models}
    if not wanted:
        return []
    names = {model.name for model in wanted.values()}
    texts: list[tuple[Path, str]] = []
    for path in files if files is not None else project_files(index.root, settings):
        text = read_project_text(path, encoding="utf-8-sig")
        if text is not None and (".save(" in text or "register(" in text or "Meta" in text):
            texts.append((path, text))
    parsed: dict[Path, SourceFile] = {}

    def source_of(path: Path, text: str) -> SourceFile:
        if path not in parsed:
            parsed[path] = SourceFile(path, text, index.module_name(path), DISK_TREES)
        return parsed[path]

    labels = ",".join(sorted(wanted))

    def remembered(path: Path, key: str, compute: Callable[[], T]) -> T:
        return compute() if memo is None else memo.memo(path, f"{key}:{labels}", compute)

    def model_forms(path: Path, text: str) -> list[tuple[str, str]]:
        found = _model_forms(source_of(path, text), resolver, wanted)
        return [(form, model.label) for form, model in found]

    forms: dict[str, ModelRecord] = {}
    for path, text in texts:
        if "class Meta" in text and any(name in text for name in names):
            pairs = remembered(path, "model-forms", partial(model_forms, path, text))
            forms.update((form, wanted[label]) for form, label in pairs)
    # Only files that name one of those forms, or register a model with the admin, can save.
    words = set(forms) | {"register("}
    known = ",".join(f"{form}={model.label}" for form, model in sorted(forms.items()))

    def saves(path: Path, text: str) -> list[WriteSite]:
        return list(_saves(index, source_of(path, text), resolver, forms, wanted))

    sites: list[WriteSite] = []
    for path, text in texts:
        if any(word in text for word in words) and any(name in text for name in (*names, *forms)):
            key = f"form-saves:{known}"
            sites.extend(remembered(path, key, partial(saves, path, text)))
    return sites


def _model_forms(
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


def _saves(
    index: ProjectIndex,
    source: SourceFile,
    resolver: Resolver,
    forms: dict[str, ModelRecord],
    wanted: dict[str, ModelRecord],
) -> Iterator[WriteSite]:
    for node in walk(source.tree):
        if node.type == "classdef":
            yield from _admin_registration(index, source, resolver, node, wanted)
        if node.type not in CALL_CHAIN_TYPES:
            continue
        base, trailers = chain_parts(node)
        if len(trailers) != 2 or base.type != "name" or trailers[-1].children[0].value != "(":
            continue
        if trailers[0].children[0].value != "." or trailers[0].children[1].value != "save":
            continue
        model = _bound_form(node, base.value, forms) or _class_form(node, base.value, forms)
        if model is not None:
            yield _site(index, source, node, model)


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
    index: ProjectIndex,
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
                yield _site(index, source, call, model)
            return


def _site(index: ProjectIndex, source: SourceFile, node: Node, model: ModelRecord) -> WriteSite:
    function = enclosing(node, "funcdef")
    text = code(node).strip()
    return WriteSite(
        path=source.path,
        span=Span.of(node),
        kind="save",
        model=model,
        code=text.splitlines()[0].strip() if text else "",
        function=function.name.value if function is not None else None,
        values=(),
        complete=False,  # the form's fields come from the request
        test=is_test_path(source.path, index.root),
    )
