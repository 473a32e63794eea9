"""jedi, asked what the resolver's own evaluation cannot answer: one `jedi.Project` kept alive,
`Script.infer` cached per (path, content hash, position), never asked about a name jedi cannot
help with (a builtin, a library that holds no model the index knows, a name bound by an import
or a parameter). jedi is not thread-safe: use it from one thread at a time. Only the
interpreter given as `environment_path` is used; without one jedi runs in-process and never
starts another Python.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from integrity_lsp.project.bindings import find_definition
from integrity_lsp.project.imports import ImportTable
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import ModelRecord
from integrity_lsp.syntax.files import exists
from integrity_lsp.syntax.source import SourceFile

_JEDI_CACHE_SIZE = 10_000
_BUILTIN_NAMES = frozenset(dir(builtins))


class JediFallback:
    """jedi for one project. Not thread-safe (jedi is not): one thread."""

    def __init__(
        self,
        index: ProjectIndex,
        import_table: Callable[[SourceFile], ImportTable],
        *,
        environment_path: str | None = None,
    ) -> None:
        """`import_table` gives a file's import table (the resolver's, cached per version)."""
        self.index = index
        self.environment_path = environment_path
        self._import_table = import_table
        self._jedi_cache: dict[tuple[Path, str, int, int, str], ModelRecord | None] = {}
        self._library_cache: dict[str, bool] = {}
        self._jedi_project: Any = None
        self._jedi_environment: Any = None

    def model_at(self, source: SourceFile, node: Any, kind: str) -> ModelRecord | None:
        """The model (`kind` "class") or the model of the instance (`kind` "instance") jedi
        infers for `node`; None when jedi is not worth asking there, or finds none."""
        leaf = node if node.type == "name" else _last_name(node)
        if (
            leaf is None
            or (kind == "class" and self.index.is_plain_class(str(leaf.value)))
            or not _jedi_worthwhile(source, leaf)
            or self._outside_project(source, leaf)
        ):
            return None
        line, column = leaf.start_pos
        key = (source.path, source.digest, line, column, kind)
        if key in self._jedi_cache:
            return self._jedi_cache[key]
        result = None
        try:
            result = self.infer(source, line, column, kind)
        except Exception:  # jedi failing must never take the analysis down
            result = None
        if len(self._jedi_cache) >= _JEDI_CACHE_SIZE:
            self._jedi_cache.clear()  # stale digests pile up while a file is edited
        self._jedi_cache[key] = result
        return result

    def _outside_project(self, source: SourceFile, leaf: Any) -> bool:
        """Is the chain's head a builtin or imported from a library that holds no model the
        index knows (`ValueError(…)`, `forms.Form(…)`, `status.HTTP_409_CONFLICT`)? Then jedi,
        the slowest step of the whole check, cannot find a model there."""
        head = leaf
        parent = leaf.parent
        if parent is not None and parent.type == "trailer":
            chain = parent.parent
            head = chain.children[0] if chain is not None else leaf
        if head.type != "name":
            return False
        name = str(head.value)
        imported = self._import_table(source).lookup(name)
        if imported is None:
            return name in _BUILTIN_NAMES and find_definition(source, head) is None
        module = imported[0].lstrip(".")
        if module.startswith("django.contrib") or self.index.path_for_module(imported[0]):
            return False
        return self._is_installed_library(module)

    def _is_installed_library(self, module: str) -> bool:
        """A module that is not the project's: not found under the root."""
        top = module.split(".", 1)[0]
        if top in self._library_cache:
            return self._library_cache[top]
        root = self.index.root
        local = exists(root / top) or exists(root / f"{top}.py") or exists(root / "src" / top)
        self._library_cache[top] = not local
        return not local

    def infer(self, source: SourceFile, line: int, column: int, kind: str) -> ModelRecord | None:
        import jedi

        if self._jedi_project is None:
            self._jedi_project = jedi.Project(
                str(self.index.root),
                environment_path=self.environment_path,
                load_unsafe_extensions=False,
            )
            if self.environment_path is None:  # in-process: never start another interpreter
                from jedi.api.environment import InterpreterEnvironment

                self._jedi_environment = InterpreterEnvironment()
        script = jedi.Script(
            code=source.text,
            path=str(source.path),
            project=self._jedi_project,
            environment=self._jedi_environment,
        )
        for name in script.infer(line, column):
            if name.type != kind:
                continue
            model = self._model_of_jedi_name(name)
            if model is not None:
                return model
        return None

    def _model_of_jedi_name(self, name: Any) -> ModelRecord | None:
        module_path = name.module_path
        module = None
        if module_path is not None:
            path = Path(os.path.abspath(module_path))
            if path == self.index.root or self.index.root in path.parents:
                module = self.index.module_name(path)
        full_name = name.full_name or ""
        class_name = full_name.rpartition(".")[2] or name.name
        if module is None:
            module = full_name.rpartition(".")[0] or None
        if module is None or not class_name:
            return None
        return self.index.model_for_class(module, class_name)


def _last_name(node: Any) -> Any:
    leaf = node.get_last_leaf()
    while leaf is not None and leaf.type != "name":
        leaf = leaf.get_previous_leaf()
        if leaf is not None and leaf.start_pos < node.start_pos:
            return None
    return leaf


def _jedi_worthwhile(source: SourceFile, leaf: Any) -> bool:
    """jedi only helps with names bound by assignments or star imports; imports, parameters,
    classes and functions are answered (or known unanswerable) already."""
    if leaf.parent is not None and leaf.parent.type == "trailer":
        return True
    definition = find_definition(source, leaf)
    if definition is None:
        return True
    node = definition.get_definition(import_name_always=True)
    return node is not None and node.type in ("expr_stmt", "for_stmt", "with_stmt")
