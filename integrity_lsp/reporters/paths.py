"""How reporters name files: relative to the working directory when inside it; a built-in Django
model's definition by its installed file, or by its module when Django's files are not here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from integrity_lsp.findings import Location, Span
from integrity_lsp.project.installed_django import real_place


def display_path(path: Path) -> str:
    return _display(path, Path.cwd())


@lru_cache(maxsize=4096)  # a report names the same few files thousands of times
def _display(path: Path, cwd: Path) -> str:
    try:
        return path.resolve().relative_to(cwd.resolve()).as_posix()
    except (ValueError, OSError):
        return str(path)


def related_place(item: Location) -> tuple[Path, Span] | None:
    """The file and span a related location can name; None for a built-in Django definition
    whose installed file is not found (never the synthetic `<django>/…` path)."""
    return real_place(item.path, item.span)


def unplaced_name(item: Location) -> str:
    """How to name a related location that has no file: its module, `django.contrib.auth.models`."""
    parts = item.path.with_suffix("").parts
    return ".".join(parts[1:] if parts and parts[0].startswith("<") else parts)
