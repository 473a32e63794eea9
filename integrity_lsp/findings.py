"""Findings and fixes: the frozen records every rule produces and every front end consumes.

Coordinates are parso's: 1-based lines and 0-based code-point columns. Front ends convert
them (the CLI to 1-based columns, the server to the negotiated LSP encoding).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class Applicability(str, enum.Enum):
    """How much a fix may change: ruff's vocabulary."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    DISPLAY_ONLY = "display-only"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


@dataclass(frozen=True, order=True)
class Span:
    """A half-open range in parso coordinates (line 1-based, column 0-based code points)."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int

    @classmethod
    def of(cls, node: object) -> Span:
        """The span of a parso node or leaf."""
        start = node.start_pos  # type: ignore[attr-defined]
        end = node.end_pos  # type: ignore[attr-defined]
        return cls(start[0], start[1], end[0], end[1])

    @classmethod
    def point(cls, line: int, column: int) -> Span:
        return cls(line, column, line, column)

    def contains_line(self, line: int) -> bool:
        return self.start_line <= line <= self.end_line


@dataclass(frozen=True)
class Location:
    """A span in a file; used for related information (the field, the constraint, the migration)."""

    path: Path
    span: Span
    message: str = ""


@dataclass(frozen=True)
class Edit:
    """Replace `span` of `path` with `content`. An insertion has an empty span."""

    path: Path
    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: Path
    span: Span
    related: tuple[Location, ...] = ()
    fixes: tuple[Fix, ...] = ()
    severity: Severity = Severity.WARNING
    name: str = ""
    data: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    @property
    def preferred_fix(self) -> Fix | None:
        """The fix an editor offers first: the safe one if any, else the first non-display one."""
        for fix in self.fixes:
            if fix.applicability is Applicability.SAFE and fix.edits:
                return fix
        for fix in self.fixes:
            if fix.edits:
                return fix
        return None

    def sort_key(self) -> tuple[str, Span, str]:
        return (str(self.path), self.span, self.code)
