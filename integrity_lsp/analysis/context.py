"""The immutable context the walk hands to rules, derived downward one node at a time.

`Environment` is what stays fixed for a whole run (index, resolver, settings, how to read other
files); `Context` is what the walk knows at one node (enclosing function, class, handler,
atomic block, an enclosing `try` that catches IntegrityError).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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
    integrity_guard: Any | None = None  # the try_stmt whose handlers catch IntegrityError
    # The enclosing function's handler and atomic blocks, worked out when a rule first asks
    # (`walker.FunctionFacts`): detecting a handler follows view base classes into other
    # modules, and the rules ask about few of a project's functions. None: at module or
    # class level, where `outer_atomic` holds the atomic blocks known.
    facts: FunctionFacts | None = None
    outer_atomic: tuple[AtomicBlock, ...] = ()
    inner_atomic: tuple[AtomicBlock, ...] = ()  # `with atomic()` blocks entered since
    # A generic base's method read as it runs for one project subclass (`view_forms`): the
    # subclass's class statement and file, whose attributes (`serializer_class`) are read
    # instead of `class_node`'s. None: the enclosing class itself.
    concrete_class: tuple[Any, SourceFile] | None = None

    @property
    def handler(self) -> HandlerInfo | None:
        return self.facts.handler if self.facts is not None else None

    @property
    def atomic(self) -> tuple[AtomicBlock, ...]:
        """Every enclosing atomic block, outermost first."""
        known = self.facts.atomic if self.facts is not None else self.outer_atomic
        return (*known, *self.inner_atomic) if self.inner_atomic else known

    def replace(self, **changes: Any) -> Context:
        return replace(self, **changes)


class FunctionFacts(Protocol):
    """What the walk knows about the enclosing function once asked."""

    @property
    def handler(self) -> HandlerInfo | None: ...

    @property
    def atomic(self) -> tuple[AtomicBlock, ...]: ...
