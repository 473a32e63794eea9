"""One file under analysis: its path, text and parso tree, parsed once and cached per version."""

from __future__ import annotations

import ast
import hashlib
import re
import warnings
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

from parso.grammar import load_grammar
from parso.utils import split_lines


@cache
def grammar() -> Any:
    """parso's grammar, built on first use (a run answered from the results cache never
    parses with parso and need not build it)."""
    return load_grammar(version="3.11")


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def parse(text: str) -> Any:
    """parso's error-recovering parse; never raises and round-trips the text exactly."""
    return grammar().parse(text, error_recovery=True)


def parse_expression(text: str) -> Any:
    """One expression parsed on its own (`self.document`): a node outside any file's tree, for
    a value the code names but never writes as one expression."""
    statement = parse(text).children[0]
    return statement.children[0] if statement.type == "simple_stmt" else statement


def parse_bracketed(text: str) -> Any:
    """An expression's source as written inside brackets, where it may span lines (a
    constraint's `condition=Q(a=1)` newline `| Q(b=2)`): parsed in parentheses, the node inside
    them; None when the text is not one expression."""
    tree = parse(f"({text}\n)\n")  # the inner newline ends a trailing comment before ")"
    statements = [child for child in tree.children if child.type != "endmarker"]
    if len(statements) != 1 or statements[0].type != "simple_stmt":
        return None
    node = statements[0].children[0]
    if node.type != "atom" or len(node.children) != 3 or node.children[0].value != "(":
        return None
    inner = node.children[1]
    return None if inner.type in ("error_node", "error_leaf") else inner


def cpython_tree(text: str) -> ast.Module | None:
    """CPython's own parse (about ten times faster than parso's, no positions to edit with);
    None when CPython rejects the text."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def module_classes(text: str, marker: str = "") -> list[ast.ClassDef]:
    """The module-level classes of a module's text, by CPython's parse; none where the text
    does not parse or lacks `marker` (a cheap test that spares the parse of most files)."""
    tree = cpython_tree(text) if marker in text else None
    if tree is None:
        return []
    return [node for node in tree.body if isinstance(node, ast.ClassDef)]


def is_migration_path(path: Path) -> bool:
    return path.parent.name == "migrations" and path.name != "__init__.py"


_RUNS_ITSELF = re.compile(
    r"""^if\s+(__name__\s*==\s*["']__main__["']|["']__main__["']\s*==\s*__name__)\s*:""", re.M
)


def is_command_code(path: Path, text: str, root: Path | None = None) -> bool:
    """Code an operator runs, one run at a time, rather than code serving concurrent requests:
    a management command (`management/commands/*.py`, and the package's `__init__.py`, which
    only the import of a command runs: the helpers commands share, as tendenci's interactive
    `create_photosize()`), a module that runs itself under `if __name__ == "__main__":` (a test
    server, an installer, a CLI entry point), or a file under a `scripts` folder of the project."""
    parts = path.parent.parts
    if len(parts) >= 2 and parts[-2:] == ("management", "commands"):
        return True
    if root is not None and path.is_relative_to(root) and "scripts" in path.relative_to(root).parts:
        return True
    return _RUNS_ITSELF.search(text) is not None


class TreeCache(Protocol):
    """Where a file's tree may come from instead of a fresh parse (the server's open documents,
    brought up to date by parso's diff parser: `analysis.incremental.OpenDocuments`)."""

    def parse(self, path: Path, text: str) -> Any: ...


class SourceFile:
    """A file's text and its lazily built parso tree; per-file facts are cached properties."""

    def __init__(
        self,
        path: Path,
        text: str,
        module_name: str | None = None,
        open_documents: TreeCache | None = None,
        tree_text: str | None = None,
    ) -> None:
        self.path = path
        self.text = text
        # What parso reads instead of `text`: the same lines and columns with some function
        # bodies blanked (`checker.candidates`); findings and fixes still refer to `text`.
        self._tree_text = tree_text
        self.module_name = module_name
        self._open_documents = open_documents
        # Per-file answers other modules compute once per version (keyed by their own tuples).
        self.memo: dict[tuple[str, str], Any] = {}

    @cached_property
    def tree(self) -> Any:
        if self._open_documents is not None:
            return self._open_documents.parse(self.path, self.text)
        return parse(self.text if self._tree_text is None else self._tree_text)

    @cached_property
    def digest(self) -> str:
        return content_hash(self.text)

    @cached_property
    def lines(self) -> list[str]:
        """Lines split as parso splits them (only \\r\\n, \\r and \\n), with their endings."""
        return split_lines(self.text, keepends=True)

    @cached_property
    def is_migration(self) -> bool:
        return is_migration_path(self.path)

    @cached_property
    def is_models_module(self) -> bool:
        return self.path.name == "models.py" or self.path.parent.name == "models"

    def line_text(self, line: int) -> str:
        """Line `line` (1-based) without its ending; empty past the end."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].rstrip("\r\n")
        return ""
