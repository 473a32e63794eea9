"""`# noqa: IL101` on a line and `# integrity-lsp: noqa: IL101` anywhere in a file.

A bare `# noqa` suppresses every code on its line, as in flake8 and ruff. A reason may follow the
codes after ` -- `. The file-level form without codes silences the whole file. Code inside a
`with pytest.raises(IntegrityError):` / `with self.assertRaises(IntegrityError):` block is
silenced too: it raises the error on purpose.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from integrity_lsp.syntax.source import cpython_tree

NOQA = re.compile(
    r"(?P<head>#\s*noqa)(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I
)
FILE_NOQA = re.compile(
    r"#\s*integrity-lsp:\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I
)
ALL_CODES: frozenset[str] = frozenset({"*"})


@dataclass(frozen=True)
class NoqaComment:
    """A `# noqa` comment found on one line: where it starts and which codes it names."""

    line: int
    column: int  # of the `#`
    end_column: int  # end of the codes list (where new codes are appended)
    codes: tuple[str, ...]  # empty: all codes

    def suppresses(self, code: str) -> bool:
        return not self.codes or code in self.codes


def split_codes(text: str | None) -> tuple[str, ...]:
    return tuple(code.upper() for code in re.split(r"[\s,]+", text or "") if code)


def find_line_noqa(line_number: int, line_text: str) -> NoqaComment | None:
    """The `# noqa` comment on one line, ignoring `#` inside strings as far as is cheap to tell."""
    index = _comment_start(line_text)
    if index < 0:
        return None
    comment = line_text[index:]
    for match in re.finditer(r"#", comment):
        candidate = NOQA.match(comment, match.start())
        if candidate is None or FILE_NOQA.match(comment, match.start()):
            continue
        codes_end = candidate.end("codes") if candidate.group("codes") else candidate.end("head")
        return NoqaComment(
            line_number,
            index + match.start(),
            index + codes_end,
            split_codes(candidate.group("codes")),
        )
    return None


def noqa_insertion(line_text: str, code: str) -> tuple[int, str] | None:
    """Where and what to insert on a line so that `code` is suppressed there: `# noqa: CODE`
    at its end, or `, CODE` after the codes of the noqa already there. None: nothing to add
    (already suppressed) or nothing safe to add (after a `\\` continuation a comment would
    break the statement). The editor's "Disable for this line" and `check --add-noqa` share it.
    """
    if line_text.rstrip().endswith("\\"):
        return None
    noqa = find_line_noqa(0, line_text)
    if noqa is not None:
        if not noqa.codes or code in noqa.codes:
            return None
        return noqa.end_column, f", {code}"
    return len(line_text), f"  # noqa: {code}"


def file_level_codes(text: str) -> frozenset[str] | None:
    """Codes silenced for the whole file (ALL_CODES for all), or None."""
    if "integrity-lsp" not in text:
        return None
    codes: set[str] = set()
    found = False
    for line in text.splitlines():
        index = _comment_start(line)
        if index < 0:
            continue
        match = FILE_NOQA.search(line, index)
        if match is None:
            continue
        found = True
        named = split_codes(match.group("codes"))
        if not named:
            return ALL_CODES
        codes.update(named)
    return frozenset(codes) if found else None


def _comment_start(line: str) -> int:
    """Index of the `#` that starts the comment of a line, skipping `#` inside simple strings."""
    quote: str | None = None
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote is not None:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return index
    return -1


_EXPECTING_CALLS = frozenset(
    {"raises", "assertRaises", "assertRaisesMessage", "assertRaisesRegex", "assertRaisesRegexp"}
)


def integrity_error_expected(text: str) -> tuple[tuple[int, int], ...]:
    """The line ranges of `with pytest.raises(IntegrityError):` and
    `with self.assertRaises(IntegrityError):` blocks (the exception may sit in a tuple): a test
    that provokes the error on purpose. No rule reports inside them."""
    if "IntegrityError" not in text:
        return ()
    module = cpython_tree(text)
    if module is None:
        return ()
    ranges: list[tuple[int, int]] = []
    for node in ast.walk(module):
        if isinstance(node, ast.With | ast.AsyncWith) and any(
            _expects_integrity_error(item.context_expr) for item in node.items
        ):
            ranges.append((node.lineno, node.end_lineno or node.lineno))
    return tuple(ranges)


def _expects_integrity_error(expression: ast.expr) -> bool:
    if not isinstance(expression, ast.Call):
        return False
    func = expression.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name not in _EXPECTING_CALLS:
        return False
    expected = expression.args[0] if expression.args else None
    for keyword in expression.keywords:
        if keyword.arg in ("expected_exception", "exception"):
            expected = keyword.value
    if expected is None:
        return False
    return any(
        (isinstance(node, ast.Name) and node.id == "IntegrityError")
        or (isinstance(node, ast.Attribute) and node.attr == "IntegrityError")
        for node in ast.walk(expected)
    )
