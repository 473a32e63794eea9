"""Which fixes apply together: the one selection behind `check --fix` (pass after pass) and the
editor's `source.fixAll` (one pass).

Findings are taken in their order (file, position, code); each contributes its first fix that
has edits and an allowed applicability, if the caller accepts it (the fixer: every file it
edits may be written; fix-all: it edits only the document) -- never another fix in its place,
which would apply an alternative the user did not pick. A fix that edits a line a fix chosen
before it edits is left for the next pass: two edits on one line, or two insertions at one
point, have no defined order, and the fixes were computed from the text before either.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from integrity_lsp.findings import Applicability, Edit, Finding, Fix


def allowed(unsafe: bool) -> frozenset[Applicability]:
    """The applicabilities `--fix` applies (with `--unsafe-fixes`: unsafe ones too)."""
    if unsafe:
        return frozenset({Applicability.SAFE, Applicability.UNSAFE})
    return frozenset({Applicability.SAFE})


def select_fixes(
    findings: Iterable[Finding],
    applicability: Collection[Applicability],
    accept: Callable[[Fix], bool] = lambda fix: True,
) -> list[Fix]:
    """The fixes of one pass, in the order of their findings, no two on the same line."""
    chosen: list[Fix] = []
    claimed: dict[Path, list[tuple[int, int]]] = {}
    for finding in sorted(findings, key=Finding.sort_key):
        fix = next(
            (fix for fix in finding.fixes if fix.edits and fix.applicability in applicability),
            None,
        )
        if fix is None or any(_overlaps(edit, claimed) for edit in fix.edits) or not accept(fix):
            continue
        for edit in fix.edits:
            claimed.setdefault(edit.path, []).append((edit.span.start_line, edit.span.end_line))
        chosen.append(fix)
    return chosen


def _overlaps(edit: Edit, claimed: dict[Path, list[tuple[int, int]]]) -> bool:
    return any(
        not (edit.span.end_line < start or edit.span.start_line > end)
        for start, end in claimed.get(edit.path, [])
    )
