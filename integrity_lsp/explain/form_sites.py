"""Saves through a ModelForm, a ModelSerializer or the admin, as `explain` lists them: the shared
write-site model's (`analysis.form_writes`, whose reading of a form's save is IL201's), read from
each file once while it does not change."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.form_writes import form_saves_in, model_forms_in
from integrity_lsp.analysis.write_scan import project_files
from integrity_lsp.config import Settings
from integrity_lsp.explain.sites import FileMemo, WriteSite, shown_site
from integrity_lsp.explain.trees import DISK_TREES
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.project.index import ProjectIndex

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
        found = model_forms_in(source_of(path, text), resolver, wanted)
        return [(form, model.label) for form, model in found]

    forms: dict[str, ModelRecord] = {}
    for path, text in texts:
        if "class Meta" in text and any(name in text for name in names):
            pairs = remembered(path, "model-forms", partial(model_forms, path, text))
            forms.update((form, wanted[label]) for form, label in pairs)
    # Only files that name one of those forms, or register a model with the admin, can save.
    words = set(forms) | {"register("}
    known = ",".join(f"{form}={model.label}" for form, model in sorted(forms.items()))

    env = Environment(index.root, settings or Settings(), index, resolver)

    def saves(path: Path, text: str) -> list[WriteSite]:
        shared = form_saves_in(source_of(path, text), env, wanted)
        return [shown_site(index, site, values=()) for site in shared]

    sites: list[WriteSite] = []
    for path, text in texts:
        if any(word in text for word in words) and any(name in text for name in (*names, *forms)):
            key = f"form-saves:{known}"
            sites.extend(remembered(path, key, partial(saves, path, text)))
    return sites
