"""Which files are new relative to a git base: what teams lint (the migrations a branch adds).

`changed_files(root, since)` asks git, read-only, which files under `root` differ from a base
commit: the merge-base of HEAD with `since` (a ref), or with the default branch (`origin/HEAD`,
else `main`, `master`, `origin/main`, `origin/master`) when `since` is None. A file is *new*
when the base does not hold it with the same content: added or modified in a commit after the
base, staged, changed in the work tree, or untracked. The answer is None when it cannot be
known (not a git work tree, git not installed, no base commit found): callers then fall back
to their documented default.

Git runs with nothing that could execute project code or write into `.git/`: no external diff
or textconv driver, no fsmonitor hook, no optional index locks (a `git diff` would otherwise
refresh the index file).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 10.0  # seconds; a repository that slow is treated as no repository
FRESH_SECONDS = 2.0  # the server asks often; git's answer is reused this long
DEFAULT_BRANCHES = ("main", "master", "origin/main", "origin/master")


@dataclass(frozen=True)
class ChangedFiles:
    """Files under a git work tree that differ from `base` (a commit id, or None when HEAD has
    no commit yet: then every file is new)."""

    top: Path
    base: str | None
    base_name: str  # what the user would call it: "origin/main", "HEAD~3"
    tracked_in_base: frozenset[Path]
    changed: frozenset[Path]

    def is_new(self, path: Path) -> bool:
        real = Path(os.path.realpath(path))
        try:
            real.relative_to(self.top)
        except ValueError:
            return True  # outside the work tree: git knows nothing about it
        if self.base is None:
            return True
        return real not in self.tracked_in_base or real in self.changed


def _git(top: Path, *args: str) -> str | None:
    environment = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
    }
    try:
        done = subprocess.run(
            ["git", "-c", "core.fsmonitor=false", "-C", str(top), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=GIT_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None  # git not installed, not runnable, or too slow
    return done.stdout if done.returncode == 0 else None


def _commit(top: Path, ref: str) -> str | None:
    found = _git(top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    return found.strip() or None if found else None


def _default_branch(top: Path) -> str | None:
    remote_head = _git(top, "rev-parse", "--abbrev-ref", "--verify", "--quiet", "origin/HEAD")
    candidates = ([remote_head.strip()] if remote_head and remote_head.strip() else []) + list(
        DEFAULT_BRANCHES
    )
    for candidate in candidates:
        if _commit(top, candidate) is not None:
            return candidate
    return None


def _names(top: Path, output: str | None) -> frozenset[Path]:
    if not output:
        return frozenset()
    return frozenset(top / name for name in output.split("\0") if name)


def _compute(root: Path, since: str | None) -> ChangedFiles | None:
    top_line = _git(root, "rev-parse", "--show-toplevel")
    if top_line is None or not top_line.strip():
        return None
    top = Path(os.path.realpath(top_line.strip()))
    if _commit(top, "HEAD") is None:  # a repository without a commit: everything is new
        return ChangedFiles(top, None, since or "HEAD", frozenset(), frozenset())
    name = since if since is not None else _default_branch(top)
    if name is None:
        return None
    tip = _commit(top, name)
    if tip is None:
        return None
    merge_base = _git(top, "merge-base", tip, "HEAD")
    base = merge_base.strip() if merge_base and merge_base.strip() else tip  # shallow clone
    where = os.path.relpath(os.path.realpath(root), top)
    scope = ["--", where] if where != "." else ["--"]
    tracked = _git(top, "ls-tree", "-r", "-z", "--name-only", "--full-tree", base, *scope)
    changed = _git(top, "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", base, *scope)
    if tracked is None or changed is None:
        return None
    return ChangedFiles(top, base, name, _names(top, tracked), _names(top, changed))


_CACHE: dict[tuple[str, str | None], tuple[float, ChangedFiles | None]] = {}
_LOCK = threading.Lock()


def changed_files(root: Path, since: str | None = None) -> ChangedFiles | None:
    """What changed under `root` since the base named by `since` (None: the default branch);
    None when git cannot tell. Answers are reused for FRESH_SECONDS."""
    key = (os.path.realpath(root), since)
    now = time.monotonic()
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None and now - cached[0] < FRESH_SECONDS:
            return cached[1]
    found = _compute(Path(root), since)
    with _LOCK:
        _CACHE[key] = (time.monotonic(), found)
    return found


def forget() -> None:
    """Drop the reused answers (after a commit the caller made, in tests)."""
    with _LOCK:
        _CACHE.clear()


def changed_lines(root: Path, since: str) -> dict[Path, frozenset[int] | None] | None:
    """The lines of each file under `root` that differ from the base `since` names (the new
    side's line numbers; None: the whole file, one the base does not hold). A file not in the
    answer is unchanged. None when git cannot tell."""
    changes = changed_files(root, since)
    if changes is None or changes.base is None:
        return None
    where = os.path.relpath(os.path.realpath(root), changes.top)
    scope = ["--", where] if where != "." else ["--"]
    diff = _git(
        changes.top,
        "-c",
        "core.quotepath=false",
        "diff",
        "-U0",
        "--no-color",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        changes.base,
        *scope,
    )
    if diff is None:
        return None
    found: dict[Path, frozenset[int] | None] = {}
    current: Path | None = None
    lines: set[int] = set()
    for line in diff.splitlines():
        if line.startswith("+++ "):
            if current is not None:
                found[current] = frozenset(lines)
            name = line[4:]
            current = changes.top / name[2:] if name.startswith("b/") else None
            lines = set()
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match is not None:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                # A deletion (count 0) changes the code around it: the line after it counts.
                lines.update(range(start, start + count) if count else (start, start + 1))
    if current is not None:
        found[current] = frozenset(lines)
    return found


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
