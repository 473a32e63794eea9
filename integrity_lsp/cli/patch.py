"""`--diff`: the fixes as a patch that `git apply` and `patch -p1` take.

Git's shape: a `diff --git a/PATH b/PATH` header per file, paths relative to the current
folder (as the user named them; `a/` and `b/` prefixes), `/dev/null` and `new file mode` for a
file a fix creates, and `\\ No newline at end of file` where a file ends without one.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path

NO_NEWLINE = "\\ No newline at end of file\n"


def patch_path(path: Path) -> str:
    """The path as a patch names it: relative to the current folder, `/` separated."""
    relative = os.path.relpath(os.path.abspath(path), os.getcwd())
    return Path(relative).as_posix()


def unified_patch(changed: Mapping[Path, tuple[str, str]]) -> str:
    """One patch for every `path: (before, after)`; `before` is "" for a file created."""
    chunks: list[str] = []
    for path, (before, after) in sorted(changed.items(), key=lambda item: patch_path(item[0])):
        name = patch_path(path)
        new = before == "" and not os.path.lexists(path)
        chunks.append(f"diff --git a/{name} b/{name}\n")
        if new:
            chunks.append("new file mode 100644\n")
        hunks = difflib.unified_diff(
            _lines(before),
            _lines(after),
            fromfile="/dev/null" if new else f"a/{name}",
            tofile=f"b/{name}",
            n=3,
        )
        for line in hunks:
            chunks.append(line if line.endswith("\n") else f"{line}\n{NO_NEWLINE}")
    return "".join(chunks)


def _lines(text: str) -> list[str]:
    """The text's lines as git counts them (split after each "\n" only), endings kept."""
    lines = text.split("\n")
    return [f"{line}\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
