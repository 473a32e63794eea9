"""The `try: with transaction.atomic(): <statement> except IntegrityError: <handler>` rewrite of
one statement, shared by the race fixes (IL101–IL103) and the 409 fix of IL201: indented like
the file (tabs stay tabs), the statement's trailing comment kept on it, and the `django.db`
import(s) it needs as one line. Edits use `\\n`; the checker turns them into the file's endings.
"""

from __future__ import annotations

from collections.abc import Sequence

from integrity_lsp.analysis.edits import ensure_imports, offset_of, shift_block
from integrity_lsp.findings import Edit, Span
from integrity_lsp.syntax.nodes import Node, indent_of, indent_unit
from integrity_lsp.syntax.source import SourceFile

LINE_LIMIT = 100


def wrap_in_try_atomic(
    source: SourceFile,
    statement: Node,
    handler: Sequence[str],
    *,
    split_long_calls: bool = False,
    else_until: Node | None = None,
) -> list[Edit]:
    """The edits wrapping `statement`; `handler` is the except body (`pass` when empty), one
    line each. `split_long_calls`: a handler line over the line limit that is a call is split
    as a formatter would (the 409 response); otherwise lines are kept as given (a copied body).
    `else_until`: the statements after `statement` up to this one (same block) move into an
    `else:` clause, so they run only when the insert succeeded (a view that re-renders its
    form with the error falls through to its render)."""
    indent = indent_of(statement)
    step = indent_unit(source.lines)
    first = statement.get_first_leaf()
    last = statement.get_last_leaf()
    # Up to the line end, so a comment ending the line moves into the block with the statement.
    end = last.start_pos if last.type == "newline" else last.end_pos
    lines = source.lines
    text = source.text[offset_of(lines, *first.start_pos) : offset_of(lines, *end)]
    inner = shift_block(text, indent, indent + step * 2)
    orelse = ""
    if else_until is not None:
        tail = else_until.get_last_leaf()
        moved_end = tail.start_pos if tail.type == "newline" else tail.end_pos
        moved = source.text[offset_of(lines, *end) : offset_of(lines, *moved_end)]
        # `moved` starts with the rest of the statement's line (its newline) and keeps the
        # following lines as written, one level deeper
        shifted = "\n".join(
            (indent + step + line[len(indent) :] if line.startswith(indent) else line)
            if line.strip()
            else ""
            for line in moved.split("\n")[1:]
        )
        orelse = f"\n{indent}else:\n{shifted}"
        end = moved_end
    references, import_edit = ensure_imports(source, "django.db", ("IntegrityError", "transaction"))
    transaction, integrity = references["transaction"], references["IntegrityError"]
    width = len(indent) + len(step)
    body = "\n".join(
        f"{indent}{step}{part}" if part else ""
        for line in handler or ("pass",)
        for part in (_fit(line, width) if split_long_calls else line).split("\n")
    )
    # The replaced span starts after the statement's indentation, so the first line has none.
    content = (
        f"try:\n{indent}{step}with {transaction}.atomic():\n{inner}\n"
        f"{indent}except {integrity}:\n{body}{orelse}"
    )
    span = Span(first.start_pos[0], first.start_pos[1], end[0], end[1])
    imports = [import_edit] if import_edit is not None else []
    return [Edit(source.path, span, content), *imports]


def _fit(line: str, indent: int) -> str:
    """`return Response(…)` too long for one line, split as a formatter would: the arguments
    on one line of their own, else one per line with a trailing comma."""
    if indent + len(line) <= LINE_LIMIT or not line.endswith(")") or "(" not in line:
        return line
    opening = line.index("(") + 1
    head, inner = line[:opening], line[opening:-1]
    if indent + 4 + len(inner) <= LINE_LIMIT:
        return f"{head}\n    {inner}\n)"
    parts = "".join(f"\n    {part}," for part in _top_level_split(inner))
    return f"{head}{parts}\n)"


def _top_level_split(text: str) -> list[str]:
    """Split call arguments at commas outside brackets and string literals."""
    parts: list[str] = []
    depth, start, quote, escaped = 0, 0, "", False
    for position, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return [part for part in parts if part]
