"""Which paths git ignores: `.gitignore` files and `.git/info/exclude`, as ruff respects them.

Only inside a git repository (a folder upwards holds `.git`), like ruff's default. Git's rules:
blank lines and `#` comments are skipped; `!` re-includes; a trailing `/` matches folders
only; a pattern with a `/` before its end is relative to its `.gitignore`'s folder, one
without matches a name at any depth; `*` and `?` never match `/`, `**` matches any folders;
the last matching pattern wins, a deeper `.gitignore` over a higher one over
`.git/info/exclude`; nothing under an ignored folder can be re-included. Reading git's files
goes through the one reader (a `.gitignore` that cannot be read ignores nothing); git itself
is never run.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from integrity_lsp.syntax.files import exists, is_dir, read_project_text


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    negated: bool
    folders_only: bool


@dataclass(frozen=True)
class _Rules:
    """One ignore file's patterns, and all of them as one regex: most paths match none, and
    one match tells that in a single pass instead of one per pattern."""

    patterns: tuple[_Pattern, ...]
    any_pattern: re.Pattern[str] | None


def repository_of(path: Path) -> Path | None:
    """The closest folder upwards from `path` holding `.git`, or None."""
    absolute = Path(os.path.abspath(path))
    for folder in (absolute, *absolute.parents):
        if exists(folder / ".git"):
            return folder
    return None


class GitIgnore:
    """The ignore rules of one repository, each `.gitignore` read once, when first needed."""

    def __init__(self, repository: Path) -> None:
        self.repository = repository
        self._prefix = os.path.join(str(repository), "")  # "/repo/": what paths inside start with
        self._by_folder: dict[str, _Rules] = {}
        info = repository / ".git" / "info" / "exclude"
        self._exclude = _parse(_read(info) if is_dir(repository / ".git") else "")

    @classmethod
    def for_path(cls, path: Path) -> GitIgnore | None:
        repository = repository_of(path)
        return None if repository is None else cls(repository)

    def _patterns(self, folder: str) -> _Rules:
        """The rules of the `.gitignore` in `folder` ("" the repository's root, else a
        `/`-separated path below it)."""
        if folder not in self._by_folder:
            where = self.repository / folder if folder else self.repository
            self._by_folder[folder] = _parse(_read(where / ".gitignore"))
        return self._by_folder[folder]

    def ignores_entry(self, path: Path, folder: bool) -> bool:
        """Whether git ignores `path` itself, its parent folders taken as not ignored (a walk
        that skips ignored folders never asks about what lies under them). Strings, not
        Paths: a walk asks this of every file and folder."""
        absolute = os.path.abspath(path)
        if not absolute.startswith(self._prefix):
            return False
        parts = absolute[len(self._prefix) :].replace(os.sep, "/").split("/")
        if parts[0] in ("", ".git"):
            return False
        ignored = _last_match(self._exclude, "/".join(parts), folder)
        for depth in range(len(parts)):  # root .gitignore first, the deepest one last
            found = _last_match(
                self._patterns("/".join(parts[:depth])), "/".join(parts[depth:]), folder
            )
            if found is not None:
                ignored = found
        return bool(ignored)

    def ignores(self, path: Path) -> bool:
        """Whether git ignores `path` or any folder it lies in."""
        absolute = Path(os.path.abspath(path))
        try:
            parts = absolute.relative_to(self.repository).parts
        except ValueError:
            return False
        for depth in range(1, len(parts) + 1):
            folder = depth < len(parts) or is_dir(absolute)
            if self.ignores_entry(self.repository.joinpath(*parts[:depth]), folder):
                return True
        return False


def is_git_ignored(path: Path) -> bool:
    """Whether git would ignore `path` (False outside a repository)."""
    rules = GitIgnore.for_path(path)
    return rules is not None and rules.ignores(path)


def _read(path: Path) -> str:
    if not exists(path):
        return ""
    return read_project_text(path, warn=lambda warning: None) or ""


def _last_match(rules: _Rules, relative: str, folder: bool) -> bool | None:
    if rules.any_pattern is None or not rules.any_pattern.fullmatch(relative):
        return None
    found = None
    for pattern in rules.patterns:
        if pattern.folders_only and not folder:
            continue
        if pattern.regex.fullmatch(relative):
            found = not pattern.negated
    return found


def _parse(text: str) -> _Rules:
    patterns = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        line = re.sub(r"(?<!\\)\s+$", "", line)
        negated = line.startswith("!")
        if negated or line.startswith(("\\!", "\\#")):
            line = line[1:]
        folders_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        regex = body if anchored else f"(?:.*/)?{body}"
        patterns.append(_Pattern(re.compile(regex, re.S), negated, folders_only))
    combined = "|".join(f"(?:{pattern.regex.pattern})" for pattern in patterns)
    return _Rules(tuple(patterns), re.compile(combined, re.S) if patterns else None)


def _translate(pattern: str) -> str:
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and index + 1 < len(pattern):
            index += 1
            out.append(re.escape(pattern[index]))
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end < 0:
                out.append(re.escape(char))
            else:
                inner = pattern[index + 1 : end]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                out.append(f"[{inner.replace(chr(92), chr(92) * 2)}]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
