"""Edits to a migration's source: the field call of an operation, keyword arguments added to or
dropped from a call, an argument appended before a closing bracket as the surrounding code is
laid out (one item a line with a trailing comma, or inline)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from parso.utils import split_lines

from integrity_lsp.findings import Edit, Span
from integrity_lsp.project.migrations.graph import Operation
from integrity_lsp.syntax.declarations import call_arguments, split_call


def _position(text: str, offset: int) -> tuple[int, int]:
    before = split_lines(text[:offset])
    return len(before), len(before[-1])


def _offset(text: str, line: int, column: int) -> int:
    lines = split_lines(text, keepends=True)
    return sum(len(part) for part in lines[: line - 1]) + column


def append_argument(path: Path, text: str, closing: tuple[int, int], argument: str) -> Edit:
    """Insert `argument` as the last item before the closing bracket at `closing` (the bracket's
    own position), minding an empty list and a trailing comma."""
    end = _offset(text, *closing)
    cursor = end - 1
    while cursor >= 0 and text[cursor] in " \t\r\n":
        cursor -= 1
    previous = text[cursor] if cursor >= 0 else "("
    if "\n" in text[cursor:end] and previous not in "([":
        # One item a line: a new line like the last item's, with a trailing comma.
        line_start = text.rfind("\n", 0, cursor) + 1
        indent = re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]
        separator = "" if previous == "," else ","
        content = f"{separator}\n{indent}{argument},"
    elif previous in "([":
        content = argument
    elif previous == ",":
        content = " " + argument
    else:
        content = ", " + argument
    return Edit(path, Span.point(*_position(text, cursor + 1)), content)


def field_call(operation: Operation) -> Any | None:
    call = split_call(operation.node) if operation.node is not None else None
    if call is None:
        return None
    args = call_arguments(call[1])
    node = args.keywords.get("field")
    if node is None and len(args.positional) >= 3:
        node = args.positional[2]
    return node if node is not None and split_call(node) is not None else None


def options_unknown(operation: Operation) -> bool:
    """The field call takes `*args` or `**options`: its null, unique or default is not known
    (openwisp's `CharField(**app_settings.HARDWARE_ID_OPTIONS)`)."""
    call = field_call(operation)
    parts = split_call(call) if call is not None else None
    return parts is not None and call_arguments(parts[1]).has_star


def keyword_edits(
    path: Path, text: str, call_node: Any, add: dict[str, str], drop: tuple[str, ...] = ()
) -> list[Edit]:
    """Edits to a call: drop keyword arguments, then add `name=value` ones at the end."""
    _parts, trailer = split_call(call_node) or (None, None)
    if trailer is None:
        return []
    edits: list[Edit] = []
    inner = trailer.children[1] if len(trailer.children) == 3 else None
    items: list[Any] = []
    if inner is not None:
        items = list(inner.children) if inner.type == "arglist" else [inner]
    for position, item in enumerate(items):
        if item.type != "argument" or item.children[0].value not in drop:
            continue
        start, end = item.start_pos, item.end_pos
        following = items[position + 1] if position + 1 < len(items) else None
        if following is not None and following.type == "operator":  # the comma after it
            after = items[position + 2] if position + 2 < len(items) else None
            end = after.start_pos if after is not None else following.end_pos
        elif position > 0:  # the last argument: take the comma before it
            start = items[position - 1].start_pos
        edits.append(Edit(path, Span(*start, *end), ""))
    existing = call_arguments(trailer).keywords
    for name, value in add.items():
        if name not in existing:
            edits.append(
                append_argument(path, text, trailer.children[-1].start_pos, f"{name}={value}")
            )
    return edits
