"""Helpers for the project-index tests: small Django projects written into tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex

BuildProject = Callable[..., ProjectIndex]


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (relative path -> source, dedented) under root; packages get __init__.py."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def build(tmp_path: Path) -> BuildProject:
    """build(files, settings=None) -> ProjectIndex over a fresh project in tmp_path."""

    def make(files: dict[str, str], settings: Settings | None = None) -> ProjectIndex:
        write_project(tmp_path, files)
        return ProjectIndex.build(tmp_path, settings or Settings())

    return make
