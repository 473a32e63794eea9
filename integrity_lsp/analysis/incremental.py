"""What the server keeps between two checks of a document being edited, so a keystroke costs
about what it changed: the document's last parso tree, the findings of its unchanged top-level
statements, and whether their fixes keep the code parsing (`fix_validation`).

Trees. parso's diff parser brings the previous tree up to date *in place*, re-parsing only the
changed region. A tree handed out here is therefore valid until the next `parse` of the same
path: it is used for one check at a time, on one thread (the server's analysis thread). The
diff parser is parso's "experimental" path: its result is compared with the text, and any
disagreement or error means a full parse.

Statement results. The raw findings (before `# noqa`, selection and fix validation, which run
on every check) of a top-level `def` or `class` are reused when the statement has the same text
at the same position and nothing it can read changed: the rest of the file apart from the bodies
of module-level functions and of methods of module-level classes (its *skeleton*: imports,
module-level names, class bases, signatures and decorators), the file's indentation unit (fixes
indent as the file does), the index generation (other files' models and migrations), the
settings, and the other documents' texts. Rules never read another function's body,
with two exceptions -- what a model's methods assign (`required.py`), so files that define
models are always walked in full, as are module-level statements that are not definitions;
and the race analysis following a call into a helper (`absence_calls`), whose statement's
findings are then not kept (`walker`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parso.utils import split_lines

from integrity_lsp.analysis.fix_validation import Verdicts
from integrity_lsp.findings import Finding
from integrity_lsp.syntax.nodes import indent_unit
from integrity_lsp.syntax.source import SourceFile, grammar, parse

log = logging.getLogger(__name__)
Node = Any
StatementKey = tuple[tuple[int, int], tuple[int, int], str]
_DEFINITIONS = ("funcdef", "classdef", "decorated", "async_stmt", "async_funcdef")


class OpenDocuments:
    """Per-document incremental state for the paths `keep` accepts (the open documents);
    every other file is parsed and walked in full."""

    def __init__(self, keep: Callable[[Path], bool]) -> None:
        self._keep = keep
        self._trees: dict[Path, tuple[list[str], Any]] = {}
        self._results: dict[Path, tuple[object, dict[StatementKey, list[Finding]]]] = {}
        self._verdicts: dict[Path, Verdicts] = {}
        self._changes = 0
        self._own_changes: dict[Path | None, int] = {}

    def forget(self, path: Path) -> None:
        self._trees.pop(path, None)
        self._results.pop(path, None)
        self._verdicts.pop(path, None)

    def fix_verdicts(self, path: Path) -> Verdicts | None:
        """Whether a fix keeps its run of statements parsing, kept between checks of `path`."""
        if not self._keep(path):
            self._verdicts.pop(path, None)
            return None
        return self._verdicts.setdefault(path, {})

    def note_change(self, path: Path | None) -> None:
        """`path`'s text changed (None: something else did -- a file on disk, a closed or
        opened document). A document's own edits keep its statement results; anything else
        may be read by any statement, so it invalidates every other document's."""
        self._changes += 1
        self._own_changes[path] = self._own_changes.get(path, 0) + 1

    def _changes_elsewhere(self, path: Path) -> int:
        return self._changes - self._own_changes.get(path, 0)

    # -- trees ------------------------------------------------------------------------------

    def parse(self, path: Path, text: str) -> Any:
        if not self._keep(path):
            self.forget(path)
            return parse(text)
        lines = split_lines(text, keepends=True)
        previous = self._trees.pop(path, None)
        tree = _updated(previous, lines, text) if previous is not None else None
        if tree is None:
            tree = parse(text)
        self._trees[path] = (lines, tree)
        return tree

    # -- statement results ------------------------------------------------------------------

    def statement_results(self, source: SourceFile, salt: object) -> StatementResults | None:
        """The reusable findings of `source`'s statements, for a check whose other inputs are
        summed up by `salt`; None when this file is not eligible (see the module docstring)."""
        path = source.path
        if not self._keep(path) or source.is_models_module or source.is_migration:
            self._results.pop(path, None)
            return None
        base = (
            salt,
            self._changes_elsewhere(path),
            indent_unit(source.lines),  # fixes indent as the file does, wherever that shows
            _skeleton_digest(source),
        )
        previous = self._results.get(path)
        known = previous[1] if previous is not None and previous[0] == base else {}
        current: dict[StatementKey, list[Finding]] = {}
        self._results[path] = (base, current)
        return StatementResults(source, known, current)


class StatementResults:
    """One check's view: findings of the previous check to reuse, and this check's to keep."""

    def __init__(
        self,
        source: SourceFile,
        known: dict[StatementKey, list[Finding]],
        current: dict[StatementKey, list[Finding]],
    ) -> None:
        self._source = source
        self._known = known
        self._current = current
        self._offsets = _line_offsets(source.lines)

    def is_reusable(self, statement: Node) -> bool:
        return bool(statement.type in _DEFINITIONS)

    def key(self, statement: Node) -> StatementKey:
        start, end = statement.start_pos, statement.end_pos
        return start, end, self._source.text[self._offset(start) : self._offset(end)]

    def lookup(self, key: StatementKey) -> list[Finding] | None:
        found = self._known.get(key)
        if found is not None:
            self._current[key] = found
        return found

    def store(self, key: StatementKey, findings: list[Finding]) -> None:
        self._current[key] = findings

    def _offset(self, position: tuple[int, int]) -> int:
        line, column = position
        if line - 1 >= len(self._offsets):
            return len(self._source.text)
        return self._offsets[line - 1] + column


def _updated(previous: tuple[list[str], Any], lines: list[str], text: str) -> Any:
    old_lines, module = previous
    if old_lines == lines:
        return module
    try:
        own = grammar()
        differ = own._diff_parser(own._pgen_grammar, own._tokenizer, module)
        tree = differ.update(old_lines=old_lines, new_lines=lines)
    except Exception:
        log.debug("parso's diff parser failed; parsing in full", exc_info=True)
        return None
    return tree if tree.get_code() == text else None


def _line_offsets(lines: list[str]) -> list[int]:
    offsets = []
    total = 0
    for line in lines:
        offsets.append(total)
        total += len(line)
    return offsets


def _skeleton_digest(source: SourceFile) -> str:
    """A digest of the file without the bodies of module-level functions and of the methods
    of module-level classes. Positions are left out: a statement that moves misses by its own
    key, and what stays in place does not read what follows it."""
    offsets = _line_offsets(source.lines)

    def offset(position: tuple[int, int]) -> int:
        line, column = position
        return offsets[line - 1] + column if line - 1 < len(offsets) else len(source.text)

    bodies = []
    for statement in source.tree.children:
        for function in _functions_of(statement):
            body = function.children[-1]
            if not _returns_only(body):
                bodies.append((offset(body.start_pos), offset(body.end_pos)))
    digest = hashlib.blake2b(digest_size=16)
    cursor = 0
    for start, end in sorted(bodies):
        if start < cursor:
            continue
        digest.update(source.text[cursor:start].encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        cursor = end
    digest.update(source.text[cursor:].encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _returns_only(body: Node) -> bool:
    """A body that is one `return` (after a docstring) stays in the skeleton: other statements
    read such a function as a value (`Kiosk = load_shop_model("Warehouse")`, a forwarding
    model loader), so an edit of it must reach them."""
    if body.type != "suite":
        return bool(body.type == "simple_stmt" and body.children[0].type == "return_stmt")
    statements = [child for child in body.children if child.type not in ("newline", "endmarker")]
    if statements and statements[0].type == "simple_stmt":
        first = statements[0].children[0]
        if first.type == "string" and len(statements) > 1:
            statements = statements[1:]
    return bool(
        len(statements) == 1
        and statements[0].type == "simple_stmt"
        and statements[0].children[0].type == "return_stmt"
    )


def _functions_of(statement: Node) -> list[Node]:
    """The module-level function a statement defines, or the methods of the class it defines."""
    definition = _definition(statement)
    if definition is None:
        return []
    if definition.type == "funcdef":
        return [definition]
    if definition.type != "classdef":
        return []
    suite = definition.children[-1]
    if suite.type != "suite":
        return []
    methods = (_definition(child) for child in suite.children)
    return [method for method in methods if method is not None and method.type == "funcdef"]


def _definition(statement: Node) -> Node | None:
    while statement.type in ("decorated", "async_stmt", "async_funcdef"):
        statement = statement.children[-1]
    return statement if statement.type in ("funcdef", "classdef") else None
