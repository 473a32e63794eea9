"""The immutable context the walk hands to rules, derived downward one node at a time.

`Environment` is what stays fixed for a whole run (index, resolver, settings, how to read other
files); `Context` is what the walk knows at one node (enclosing function, class, handler,
atomic block, an enclosing `try` that catches IntegrityError).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from integrity_lsp.config import Settings
from integrity_lsp.syntax.files import read_project_text
from integrity_lsp.syntax.source import SourceFile

if TYPE_CHECKING:
    from integrity_lsp.analysis.incremental import OpenDocuments
    from integrity_lsp.project.index import ProjectIndex
    from integrity_lsp.project.resolve import Resolver


@dataclass(frozen=True)
class Environment:
    """What a run of the checker shares across files."""

    root: Path
    settings: Settings
    index: ProjectIndex
    resolver: Resolver
    read_text: Callable[[Path], str | None] = field(default=read_project_text)
    # The server's open documents, checked incrementally; None: every file in full.
    open_documents: OpenDocuments | None = None


@dataclass(frozen=True)
class HandlerInfo:
    """A request handler: a function view, a view-class method or an API endpoint."""

    kind: str  # "django" | "drf" | "ninja" | "config"
    function: Any  # the parso funcdef
    class_node: Any | None = None
    non_atomic: bool = False  # @transaction.non_atomic_requests


@dataclass(frozen=True)
class AtomicBlock:
    """An enclosing `transaction.atomic` (decorator, `with`, or ATOMIC_REQUESTS)."""

    node: Any  # the decorator, the with_stmt, or the handler funcdef for ATOMIC_REQUESTS
    savepoint: bool = True
    source: str = "with"  # "with" | "decorator" | "atomic-requests"


@dataclass(frozen=True)
class Context:
    file: SourceFile
    env: Environment
    function: Any | None = None
    class_node: Any | None = None
    handler: HandlerInfo | None = None
    atomic: tuple[AtomicBlock, ...] = ()
    integrity_guard: Any | None = None  # the try_stmt whose handlers catch IntegrityError

    def replace(self, **changes: Any) -> Context:
        return replace(self, **changes)
