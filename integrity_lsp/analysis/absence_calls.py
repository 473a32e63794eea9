"""Calls into the project's own functions, followed one or two levels by `analysis.absence`:
a helper that returns a lookup's result (`has_agreed(user)` → `….exists()`), and a helper that
inserts on the caller's absence path (`self._create(x)` → `M.objects.create(k=x)`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from integrity_lsp.analysis.absence_reads import Held
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.analysis.writes import WriteSite
    from integrity_lsp.syntax.nodes import Node


class Calls:
    def read_through(self, node: Node, function: Node, ctx: Context) -> Held | None:
        return None

    def inserts_through(self, node: Node, ctx: Context) -> list[WriteSite]:
        return []
