"""One file under analysis: its path, text and parso tree, parsed once and cached per version."""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any

from parso.grammar import load_grammar
from parso.utils import split_lines

GRAMMAR = load_grammar(version="3.11")


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def parse(text: str) -> Any:
    """parso's error-recovering parse; never raises and round-trips the text exactly."""
    return GRAMMAR.parse(text, error_recovery=True)


class SourceFile:
    """A file's text and its lazily built parso tree; per-file facts are cached properties."""

    def __init__(self, path: Path, text: str, module_name: str | None = None) -> None:
        self.path = path
        self.text = text
        self.module_name = module_name
        # Per-file answers other modules compute once per version (keyed by their own tuples).
        self.memo: dict[tuple[str, str], Any] = {}

    @cached_property
    def tree(self) -> Any:
        return parse(self.text)

    @cached_property
    def digest(self) -> str:
        return content_hash(self.text)

    @cached_property
    def lines(self) -> list[str]:
        """Lines split as parso splits them (only \\r\\n, \\r and \\n), with their endings."""
        return split_lines(self.text, keepends=True)

    @cached_property
    def is_migration(self) -> bool:
        return self.path.parent.name == "migrations" and self.path.name != "__init__.py"

    @cached_property
    def is_models_module(self) -> bool:
        return self.path.name == "models.py" or self.path.parent.name == "models"

    def line_text(self, line: int) -> str:
        """Line `line` (1-based) without its ending; empty past the end."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].rstrip("\r\n")
        return ""
