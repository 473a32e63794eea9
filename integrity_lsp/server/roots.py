"""Which project a file belongs to, whatever root the editor sent.

The Django root is found the way `integrity-lsp check` finds it (`checker.find_root`: the
nearest folder upwards holding manage.py, pyproject.toml or .git), so a file opened from a
client that chose another root (eglot without git takes the file's folder) still gets its
project's settings and models. A root counts as a Django project when it holds manage.py or
one of its packaging files names Django; a file with no such root above it (`nvim x.py` in a
scratch folder, or under a home folder kept in git) gets a bounded project: its own folder,
without the folders under it -- never a walk of a whole tree that is not a Django project.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from integrity_lsp.checker import find_root
from integrity_lsp.syntax.files import exists, is_dir, is_file, read_project_text

# Files whose mention of "django" makes a folder without manage.py a Django project (a
# reusable app, a project started another way).
PACKAGING_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "requirements.txt", "Pipfile")


@dataclass(frozen=True)
class ProjectRoot:
    folder: Path
    bounded: bool  # index `folder` itself only, not the folders under it


def project_root(path: Path) -> ProjectRoot:
    """The project `path` (a file or a folder) belongs to. Searched from the file's folder:
    a file symlinked into the project belongs where it is linked, not where it points."""
    folder = path if is_dir(path) else path.parent
    root = find_root(folder)
    if is_django_root(root):
        return ProjectRoot(root, bounded=False)
    return ProjectRoot(folder, bounded=True)


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
