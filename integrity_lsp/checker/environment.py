"""What a run of the checker shares across files: the project root found from a path, and the
`Environment` (settings, index, resolver), whose index may be built on first use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from integrity_lsp.analysis.context import Environment
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.syntax.files import exists, is_dir

ROOT_MARKERS = ("manage.py", "pyproject.toml", ".git")


def find_root(start: Path) -> Path:
    """The nearest folder upwards holding manage.py, pyproject.toml or .git."""
    current = start.resolve()
    if not is_dir(current):
        current = current.parent
    for folder in (current, *current.parents):
        if any(exists(folder / marker) for marker in ROOT_MARKERS):
            return folder
    return current


def build_environment(
    root: Path, settings: Settings, *, environment_path: str | None = None, lazy: bool = False
) -> Environment:
    """The environment of a run; with `lazy`, the index is built on first use (a `check` whose
    files all come from the cache never needs it)."""
    index = (
        cast(ProjectIndex, LazyIndex(root, settings))
        if lazy
        else ProjectIndex.build(root, settings)
    )
    resolver = Resolver(index, environment_path=environment_path)
    return Environment(root=root, settings=settings, index=index, resolver=resolver)


class LazyIndex:
    """Stands in for a ProjectIndex and builds it on first use of any attribute."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self._root = root
        self._settings = settings
        self._index: ProjectIndex | None = None

    @property
    def is_built(self) -> bool:
        return self._index is not None

    @property
    def built(self) -> ProjectIndex:
        if self._index is None:
            self._index = ProjectIndex.build(self._root, self._settings)
        return self._index

    def build_with(self, apps_known: Callable[[ProjectIndex], None]) -> ProjectIndex:
        """Build now, calling `apps_known` midway (see `ProjectIndex.build`)."""
        if self._index is None:
            self._index = ProjectIndex.build(self._root, self._settings, apps_known=apps_known)
        return self._index

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.built, name)
        if callable(value):
            setattr(self, name, value)  # methods never change: skip this lookup next time
        return value
