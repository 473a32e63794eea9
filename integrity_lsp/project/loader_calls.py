"""Call sites of model loaders (`project/loaders.py`) read from parso trees: `load_model("config",
"Device")` imported from swapper, `swapper.load_model(…)`, `apps.get_model(…)`,
`apps.get_app_config(…).get_model(…)`, a forwarding helper imported (`from .utils import
load_model`, `utils.load_model`) or defined at the top of the same file, and any function named
`get_model`. The resolver asks here first for a name followed by a call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from integrity_lsp.project.bindings import find_definition
from integrity_lsp.project.imports import ImportTable
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.loaders import (
    DJANGO_APPS,
    REGISTRY_GET_MODEL,
    SWAPPER,
    SWAPPER_LOAD_MODEL,
    Loader,
    app_config_loader,
    forwarders,
    loaded_label,
)
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.project.values import attribute_name, is_call
from integrity_lsp.syntax.declarations import call_arguments, string_value
from integrity_lsp.syntax.source import SourceFile


class LoaderCalls:
    """Model-loader calls of one project's files (the resolver's import tables)."""

    def __init__(self, index: ProjectIndex, import_table: Callable[[SourceFile], ImportTable]):
        self.index = index
        self.import_table = import_table

    def loaded(self, source: SourceFile, parts: list[Any]) -> tuple[ModelRecord | None, int] | None:
        """(the model, parts used) when `parts` start with a call of a model loader
        (`project/loaders.py`): the model its label names, None when that is unknown (an
        argument that is no literal, a label the index does not know); None when `parts` start
        with no loader."""
        first, rest = parts[0], parts[1:]
        if rest and is_call(rest[0]):
            loader = self._loader_named(source, first)
            return None if loader is None else (self._model_from(loader, rest[0]), 2)
        attribute = attribute_name(rest, 0)
        if attribute is None or len(rest) < 2 or not is_call(rest[1]):
            return None
        if attribute in ("get_model", "get_app_config") and self._app_registry(source, first):
            if attribute == "get_model":
                return self._model_from(REGISTRY_GET_MODEL, rest[1]), 3
            if attribute_name(rest, 2) != "get_model" or len(rest) < 4 or not is_call(rest[3]):
                return None
            arguments = self._literal_arguments(rest[1])
            if arguments is None or len(arguments[0]) != 1 or arguments[1]:
                return None, 5
            label = arguments[0][0]
            loader = app_config_loader(label) if label else None
            return (self._model_from(loader, rest[3]) if loader else None), 5
        loader = self._loader_attribute(source, first, attribute)
        return None if loader is None else (self._model_from(loader, rest[1]), 3)

    def _model_from(self, loader: Loader, call: Any) -> ModelRecord | None:
        arguments = self._literal_arguments(call)
        if arguments is None:
            return None
        label = loaded_label(loader, *arguments, self.index.project_settings.swappable)
        return self.index.get_model(label) if label else None

    def _loader_named(self, source: SourceFile, leaf: Any) -> Loader | None:
        """The loader a called name is: swapper's `load_model`, a forwarding helper imported or
        defined at the top of this file, or a function named `get_model` (the app registry's,
        django-oscar's and django-machina's loaders: they look up the registry first)."""
        name = str(leaf.value)
        imported = self.import_table(source).lookup(name)
        if imported == (SWAPPER, "load_model"):
            return SWAPPER_LOAD_MODEL
        if imported is not None and imported[1] is not None:
            loader = self.index.loaders(imported[0]).get(imported[1])
            if loader is not None:
                return loader
        elif imported is None and self._module_level(source, leaf):
            loader = self._own_loaders(source).get(name)
            if loader is not None:
                return loader
        return REGISTRY_GET_MODEL if name == "get_model" else None

    def _loader_attribute(self, source: SourceFile, leaf: Any, attribute: str) -> Loader | None:
        """`swapper.load_model`, or a forwarding helper of an imported module
        (`utils.load_model`)."""
        imported = self.import_table(source).lookup(str(leaf.value))
        if imported is None:
            return None
        if attribute == "load_model" and imported == (SWAPPER, None):
            return SWAPPER_LOAD_MODEL
        module = imported[0] if imported[1] is None else f"{imported[0]}.{imported[1]}"
        return self.index.loaders(module).get(attribute)

    def _app_registry(self, source: SourceFile, leaf: Any) -> bool:
        """Is the name an app registry: Django's `apps` (`from django.apps import apps`, any
        alias ending in "apps"), or the one a `RunPython` function is handed as a parameter
        (its historical models are today's tables: rules that compare fields against models.py
        tell them apart, as IL203 does)?"""
        name = str(leaf.value)
        if not name.endswith("apps"):
            return False
        imported = self.import_table(source).lookup(name)
        return imported is None or imported == DJANGO_APPS

    def _module_level(self, source: SourceFile, leaf: Any) -> bool:
        definition = find_definition(source, leaf)
        return (
            definition is not None
            and definition.parent.type == "funcdef"
            and definition.parent.parent is not None
            and definition.parent.parent.type == "file_input"
        )

    def _own_loaders(self, source: SourceFile) -> Mapping[str, Loader]:
        key = ("loaders", "")
        found = source.memo.get(key)
        if found is None:
            found = forwarders(source.text, self.import_table(source))
            source.memo[key] = found
        return found

    @staticmethod
    def _literal_arguments(call: Any) -> tuple[list[str | None], dict[str, str | None]] | None:
        given = call_arguments(call)
        if given.has_star:
            return None
        positional = [string_value(node) for node in given.positional]
        keywords = {name: string_value(node) for name, node in given.keywords.items()}
        return positional, keywords
