"""Which project a file belongs to, whatever root the editor sent.

A file belongs to the nearest folder above it that is a Django project: one holding manage.py,
or whose packaging files (pyproject.toml, setup.cfg, setup.py, requirements.txt, Pipfile) name
Django. So a file opened from a client that chose another root (eglot without git takes the
file's folder) still gets its project's settings and models, as with `integrity-lsp check`
run in the project. Without one, the innermost workspace folder holding the file is the
project (the folder the user opened; never the home folder or the filesystem's root). Failing
both (`nvim x.py` in a scratch folder, or under a home folder kept in git), the file gets a
bounded project: its own folder, without the folders under it -- never a walk of a whole tree
that is not a Django project.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from integrity_lsp.syntax.files import exists, is_dir, is_file, read_project_text

PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt", "Pipfile")


@dataclass(frozen=True)
class ProjectRoot:
    folder: Path
    bounded: bool  # index `folder` itself only, not the folders under it


def project_root(path: Path, workspace_folders: Sequence[Path] = ()) -> ProjectRoot:
    """The project `path` (a file or a folder) belongs to. Searched from the file's folder:
    a file symlinked into the project belongs where it is linked, not where it points."""
    folder = path if is_dir(path) else path.parent
    for candidate in (folder, *folder.parents):
        if is_django_root(candidate):
            return ProjectRoot(candidate, bounded=False)
    holding = [w for w in workspace_folders if w == folder or w in folder.parents]
    if holding:
        innermost = max(holding, key=lambda w: len(w.parts))
        if innermost not in (Path.home(), Path(innermost.anchor)):
            return ProjectRoot(innermost, bounded=False)
    return ProjectRoot(folder, bounded=True)


@lru_cache(maxsize=4096)
def is_django_root(folder: Path) -> bool:
    if exists(folder / "manage.py"):
        return True
    for name in PACKAGING_FILES:
        candidate = folder / name
        text = read_project_text(candidate) if is_file(candidate) else None
        if text is not None and "django" in text.lower():
            return True
    return False


def subfolder_patterns(folder: Path) -> tuple[str, ...]:
    """`exclude` patterns for every folder directly under `folder` (one listing, not a walk):
    what keeps a bounded project to the files of its own folder."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return ()
    patterns = []
    for entry in entries:
        try:
            if entry.is_dir():
                patterns.append(glob.escape(entry.name))
        except OSError:
            continue
    return tuple(sorted(patterns))
