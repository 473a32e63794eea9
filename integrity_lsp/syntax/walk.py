"""The one walker of the project's folders: which Python files the index reads, `check`
checks, `explain` searches for write sites and the results cache hashes.

One set of rules for all of them: folders named in `DEFAULT_EXCLUDE` (VCS folders, virtual
environments, `build`, `node_modules`, `site-packages`, `__pycache__`, tool caches), hidden
folders, any folder holding a `pyvenv.cfg` (a virtual environment of any name) and the
configured `exclude` patterns are skipped, and, inside a git repository, what git ignores
(`.gitignore`, `.git/info/exclude`; off with `respect-gitignore = false`); symlinked folders
are not followed (a loop, or a tree outside the project); files are yielded sorted, folder by
folder. A folder that cannot be listed is reported as a `ReadWarning` naming it and skipped --
never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from integrity_lsp.config import DEFAULT_EXCLUDE, Settings
from integrity_lsp.syntax.files import ReadWarning, Warn, exists, log_read_warning
from integrity_lsp.syntax.gitignore import GitIgnore

SKIP_FOLDERS = frozenset({*DEFAULT_EXCLUDE, "site-packages", "node_modules", "__pycache__"})


def is_skipped_folder(folder: Path) -> bool:
    """A folder no walk enters, whatever the settings."""
    name = folder.name
    return name in SKIP_FOLDERS or name.startswith(".") or exists(folder / "pyvenv.cfg")


def python_files(
    top: Path,
    settings: Settings | None = None,
    *,
    root: Path | None = None,
    warn: Warn | None = None,
) -> Iterator[Path]:
    """Every `.py` file under the folder `top` the rules above let through; `settings`'
    `exclude` patterns are matched relative to `root` (default: `top`)."""
    root = top if root is None else root
    git = GitIgnore.for_path(top) if settings is not None and settings.respect_gitignore else None

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        warning = ReadWarning(where, f"cannot list: {error.strerror or error}; skipped", error)
        (warn or log_read_warning)(warning)

    for folder, dirnames, filenames in os.walk(top, onerror=unreadable):
        base = Path(folder)
        dirnames[:] = sorted(
            name
            for name in dirnames
            if not is_skipped_folder(base / name)
            and not (settings is not None and settings.is_excluded(base / name, root))
            and not (git is not None and git.ignores_entry(base / name, folder=True))
        )
        for name in sorted(filenames):
            path = base / name
            if (
                name.endswith(".py")
                and not (settings is not None and settings.is_excluded(path, root))
                and not (git is not None and git.ignores_entry(path, folder=False))
            ):
                yield path
