"""Where a built-in Django model (project/builtin.py) is defined in the Django that is installed.

Built-in records point at synthetic paths (`<django>/django/contrib/auth/models.py`) and at
lines of the short source written in builtin.py: no editor can open them. `installed_location`
maps such a location to the same definition in the installed Django's file -- the class, and
the field assignment inside it -- found statically: the `django` package is looked up on the
import path (`importlib.machinery.PathFinder`, which imports nothing) and its file is parsed,
never run. When Django is not installed, or the definition is not in its file (another
Django version), there is no location: front ends then show the text without a link.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any

from integrity_lsp.findings import Span
from integrity_lsp.project.builtin import BUILTIN_ROOT, builtin_source, is_builtin_path
from integrity_lsp.syntax.files import is_file, read_project_text
from integrity_lsp.syntax.source import parse


def installed_location(
    path: Path, span: Span, search_path: Sequence[str] | None = None
) -> tuple[Path, Span] | None:
    """The installed file and span of what `span` names in the built-in `path`; None when
    `path` is not a built-in path or its definition cannot be found. `search_path` is the
    import path to look for Django on (the running interpreter's by default)."""
    if not is_builtin_path(path):
        return None
    return _installed(path, span, tuple(sys.path if search_path is None else search_path))


def real_place(path: Path, span: Span) -> tuple[Path, Span] | None:
    """Where a location can point a reader: a built-in Django model's definition in the
    installed Django, a project file as it is; None for a built-in definition Django's files
    here do not hold -- never a made-up path. Every front end (the server's links, the
    reporters of `check`) asks this one function."""
    if is_builtin_path(path):
        return installed_location(path, span)
    return path, span


@lru_cache(maxsize=256)
def _installed(path: Path, span: Span, search_path: tuple[str, ...]) -> tuple[Path, Span] | None:
    relative = path.relative_to(BUILTIN_ROOT)
    module = ".".join(relative.with_suffix("").parts)
    source = builtin_source(module)
    django = _django_folder(search_path)
    if source is None or django is None:
        return None
    real = django.parent.joinpath(relative)
    if not is_file(real):
        return None
    names = _names_at(parse(source), span)
    if names is None:
        return None
    text = read_project_text(real)
    if text is None:
        return None
    found = _definition(parse(text), *names)
    return (real, found) if found is not None else None


@lru_cache(maxsize=8)
def _django_folder(search_path: tuple[str, ...]) -> Path | None:
    spec = PathFinder.find_spec("django", list(search_path))
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _names_at(tree: Any, span: Span) -> tuple[str, str | None] | None:
    """(class, attribute or None) of the definition at `span` in a built-in source."""
    for classdef in tree.iter_classdefs():
        if not classdef.start_pos[0] <= span.start_line <= classdef.end_pos[0]:
            continue
        if span.start_line == classdef.start_pos[0]:
            return classdef.name.value, None
        for statement in _body(classdef):
            if statement.start_pos[0] <= span.start_line <= statement.end_pos[0]:
                target = _assigned_name(statement)
                return classdef.name.value, target
        return classdef.name.value, None
    return None


def _definition(tree: Any, class_name: str, attribute: str | None) -> Span | None:
    """The span of `class_name` (a top-level class), or of `attribute` assigned in its body."""
    for classdef in tree.iter_classdefs():
        if classdef.name.value != class_name:
            continue
        if attribute is None:
            return Span.of(classdef.name)
        for statement in _body(classdef):
            if _assigned_name(statement) == attribute:
                return Span.of(statement)
        return None
    return None


def _body(classdef: Any) -> list[Any]:
    """The simple statements of a class body."""
    suite = classdef.children[-1]
    statements: list[Any] = []
    for child in getattr(suite, "children", []):
        if child.type == "simple_stmt":
            statements.extend(c for c in child.children if c.type != "newline")
    return statements


def _assigned_name(statement: Any) -> str | None:
    """`name` of `name = …` or `name: T = …`."""
    if statement.type != "expr_stmt":
        return None
    first = statement.children[0]
    return str(first.value) if first.type == "name" else None
