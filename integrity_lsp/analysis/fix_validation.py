"""Is a fix safe to offer? Every file it edits must parse afterwards -- or, for a file that did
not parse before (half-typed in an editor), must not get more parse errors.

Asked naively, this compiles (or, for a broken file, parso-parses) a whole file per fix, and a
1,000-line views module has a hundred fixes. So the question is put to the *run* of top-level
statements the fix's edits touch, on its own: a run starts and ends on top-level statement
boundaries and the text around it does not change, so if the run parses before and after, the
file parses after exactly when it did before; and a run that did not parse must not get more
errors. Only where that cannot be told -- a `__future__` import, a file CPython rejects that
is not the checked one, edits that conflict -- is the whole file asked.

`verdicts` (optional) keeps answers between checks of one document: the server re-checks on
every keystroke, and a fix whose run did not change gets the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from integrity_lsp.analysis.edits import (
    EditConflict,
    _error_count,
    apply_edits,
    compiles,
    fix_keeps_code_valid,
)
from integrity_lsp.findings import Edit, Fix, Span
from integrity_lsp.syntax.source import SourceFile, cpython_tree

Verdicts = dict[tuple[tuple[Edit, ...], str], bool]
MAX_VERDICTS = 4096


class FixValidator:
    def __init__(
        self,
        source: SourceFile,
        read_text: Callable[[Path], str | None],
        verdicts: Verdicts | None = None,
    ) -> None:
        """`read_text` reads the other files a fix edits (the run's `Environment.read_text`)."""
        self.source = source
        self.read_text = read_text
        self.texts: dict[Path, str] = {source.path: source.text}
        self.verdicts: Verdicts = {} if verdicts is None else verdicts
        if len(self.verdicts) > MAX_VERDICTS:
            self.verdicts.clear()
        self._starts: dict[Path, list[int] | None] = {}
        self._runs_that_parse: dict[str, bool] = {}

    def keeps_code_valid(self, fix: Fix) -> bool:
        if not fix.edits:
            return True
        for edit in fix.edits:
            if edit.path not in self.texts:
                other = self.read_text(edit.path)
                if other is not None:
                    self.texts[edit.path] = other
                elif not edit.path.exists():
                    self.texts[edit.path] = ""  # the fix creates this file
        try:
            verdict = self._by_runs(fix)
            if verdict is None:
                verdict = fix_keeps_code_valid(fix, self.texts)
        except RecursionError:
            return False  # parso's error finder on absurdly nested code: offer no fix
        return verdict

    def _by_runs(self, fix: Fix) -> bool | None:
        by_path: dict[Path, list[Edit]] = {}
        for edit in fix.edits:
            by_path.setdefault(edit.path, []).append(edit)
        for path, edits in by_path.items():
            verdict = self._run_verdict(path, edits)
            if verdict is not True:
                return verdict
        return True

    def _run_verdict(self, path: Path, edits: list[Edit]) -> bool | None:
        text = self.texts.get(path)
        if text is None:
            return False
        starts = self._statement_starts(path, text)
        if starts is None or "__future__" in text:
            return None
        lines = text.splitlines(keepends=True) if path != self.source.path else self.source.lines
        first = min(edit.span.start_line for edit in edits)
        last = max(edit.span.end_line for edit in edits)
        begin = next(line for line in reversed(starts) if line <= first)
        end = next((line for line in starts if line > last), len(lines) + 1)
        run = "".join(lines[begin - 1 : end - 1])
        shifted = tuple(_shifted(edit, begin) for edit in edits)
        # keyed by the edits as placed in the run: the same run text one line further down
        # with the same absolute edits is another question (an insertion past the end of a
        # 91-line file is at the end of its run; at line 92 of a 92-line file it is not)
        key = (shifted, run)
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self._run_keeps_parsing(run, list(shifted))
            self.verdicts[key] = verdict
        return verdict

    def _run_keeps_parsing(self, run: str, edits: list[Edit]) -> bool:
        try:
            after = apply_edits(run, edits)
        except EditConflict:
            return False
        parsed = self._runs_that_parse.get(run)
        if parsed is None:  # the fixes of one function share its run
            parsed = self._runs_that_parse[run] = compiles(run)
        if parsed:
            return compiles(after)
        return _error_count(after) <= _error_count(run)

    def _statement_starts(self, path: Path, text: str) -> list[int] | None:
        """Line 1 and the lines on which a top-level statement begins at column 0."""
        if path not in self._starts:
            if path == self.source.path:
                self._starts[path] = _starts_in_tree(self.source.tree)
            else:
                self._starts[path] = _starts_read_by_cpython(text)
        return self._starts[path]


def _shifted(edit: Edit, begin: int) -> Edit:
    span = edit.span
    moved = Span(
        span.start_line - begin + 1, span.start_column, span.end_line - begin + 1, span.end_column
    )
    return Edit(edit.path, moved, edit.content)


def _starts_in_tree(tree: object) -> list[int]:
    starts = {1}
    for child in tree.children:  # type: ignore[attr-defined]
        if child.type in ("endmarker", "error_node", "error_leaf"):
            continue
        line, column = child.get_first_leaf().start_pos
        if column == 0:
            starts.add(line)
    return sorted(starts)


def _starts_read_by_cpython(text: str) -> list[int] | None:
    """Statement starts of another file (one a fix also edits), without parsing it with parso;
    None when CPython rejects it (the whole file is then asked)."""
    module = cpython_tree(text)
    if module is None:
        return None
    starts = {1}
    for statement in module.body:
        decorators = getattr(statement, "decorator_list", [])
        if statement.col_offset == 0:  # not the second statement of `a = 1; b = 2`
            starts.add(min([statement.lineno, *(d.lineno for d in decorators)]))
    return sorted(starts)
