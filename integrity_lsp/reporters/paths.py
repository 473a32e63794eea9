"""How reporters name files: relative to the working directory when inside it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


def display_path(path: Path) -> str:
    return _display(path, Path.cwd())


@lru_cache(maxsize=4096)  # a report names the same few files thousands of times
def _display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)
