"""What surrounds a pasted IntegrityError: the traceback's frames (Python's, pytest's, Django's
debug page in both its forms), the migration `manage.py migrate` was applying when it failed, and
whether the text shows a migration running at all. HTML entities are undone first."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from integrity_lsp.explain.text_forms import json_unescaped


@dataclass(frozen=True)
class Frame:
    """One traceback frame: `File "path", line N, in function` (or the debug page's form)."""

    path: str
    line: int
    function: str
    code: str = ""  # the source line shown under the frame, when there is one


MigrationKey = tuple[str, str]  # (app label, migration name)


def normalise(text: str) -> str:
    """`text` with HTML entities and JSON string escapes undone and line ends as `\\n`."""
    text = json_unescaped(text)
    if "&quot;" in text or "&#x27;" in text or "&#39;" in text or "&lt;" in text:
        text = html.unescape(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- migrate's output ------------------------------------------------------------------------

# `  Applying shop.0002_product_sku_unique...` then ` OK` (or ` FAKED`, maybe coloured) on
# success; on failure the traceback follows on the same line (stdout and stderr interleaved).
_APPLYING = re.compile(
    r"Applying (?P<app>\w+)\.(?P<name>\w+)\.\.\.(?P<ok>(?:\x1b\[[\d;]*m)* (?:OK|FAKED))?"
)
_MIGRATION_FRAME = re.compile(r"django[/\\]db[/\\]migrations[/\\]")
_SCHEMA_EDITOR_FRAME = re.compile(r"django[/\\]db[/\\]backends[/\\]\w+[/\\]schema\.py$")


def parse_applying(text: str) -> MigrationKey | None:
    """The migration migrate's output shows being applied when it failed, if any."""
    failed = [m for m in _APPLYING.finditer(normalise(text)) if m["ok"] is None]
    return (failed[-1]["app"], failed[-1]["name"]) if failed else None


def shows_migration(text: str) -> bool:
    return parse_applying(text) is not None or any(
        _MIGRATION_FRAME.search(frame.path) for frame in parse_frames(text)
    )


def is_schema_editor(frame: Frame) -> bool:
    return _SCHEMA_EDITOR_FRAME.search(frame.path) is not None


# --- frames -------------------------------------------------------------------------------

# Python's traceback and the debug page's copy-and-paste view.
_PY_FRAME = re.compile(r'^[ \t]*File "(?P<path>[^"\n]+)", line (?P<line>\d+), in (?P<func>[^\n]+)$')
# pytest's long traceback: `shop/views.py:12: in create_product`.
_PYTEST_FRAME = re.compile(r"^(?P<path>[^\s:][^:\n]*?\.py):(?P<line>\d+): in (?P<func>\S+)$")
# The debug page as rendered in a browser and copied: `/path/views.py, line 12, in create`.
_PAGE_FRAME = re.compile(
    r"^[ \t]*(?P<path>(?:[A-Za-z]:)?[/\\][^\n,]*?\.py), line (?P<line>\d+), in (?P<func>[^\n]+)$"
)


def parse_frames(text: str) -> tuple[Frame, ...]:
    """Every frame in `text`, outermost first, as a traceback lists them (duplicates dropped)."""
    text = normalise(text)
    lines = text.splitlines()
    frames: list[Frame] = []
    seen: set[tuple[str, int, str]] = set()
    for number, line in enumerate(lines):
        match = _frame_match(line)
        if match is None:
            continue
        function = match["func"].strip()
        key = (match["path"], int(match["line"]), function)
        if key in seen:
            continue
        seen.add(key)
        code = ""
        if number + 1 < len(lines):
            following = lines[number + 1]
            if _frame_match(following) is None:
                code = following.strip().removesuffix("…").strip()
        frames.append(Frame(match["path"], int(match["line"]), function, code))
    return tuple(frames)


def _frame_match(line: str) -> re.Match[str] | None:
    return _PY_FRAME.match(line) or _PAGE_FRAME.match(line) or _PYTEST_FRAME.match(line)


_CALL = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w*\.)*(?P<name>[A-Za-z_]\w*)\s*\(")
_NOT_CALLS = frozenset({"if", "elif", "while", "for", "return", "and", "or", "not", "in", "def"})


def called_names(code: str) -> set[str]:
    """The names of the functions and methods `code` calls (`helper(`, `self.svc.add(`)."""
    names = {m["name"] for m in _CALL.finditer(code)} - _NOT_CALLS
    if "save" in names:  # a serializer's save() runs its create() / update()
        names |= {"create", "update"}
    return names
