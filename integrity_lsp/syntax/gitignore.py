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
        self._by_folder: dict[Path, list[_Pattern]] = {}
        info = repository / ".git" / "info" / "exclude"
        self._exclude = _parse(_read(info)) if is_dir(repository / ".git") else []

    @classmethod
    def for_path(cls, path: Path) -> GitIgnore | None:
        repository = repository_of(path)
        return None if repository is None else cls(repository)

    def _patterns(self, folder: Path) -> list[_Pattern]:
        if folder not in self._by_folder:
            self._by_folder[folder] = _parse(_read(folder / ".gitignore"))
        return self._by_folder[folder]

    def ignores_entry(self, path: Path, folder: bool) -> bool:
        """Whether git ignores `path` itself, its parent folders taken as not ignored (a walk
        that skips ignored folders never asks about what lies under them)."""
        absolute = Path(os.path.abspath(path))
        try:
            parts = absolute.relative_to(self.repository).parts
        except ValueError:
            return False
        if not parts or parts[0] == ".git":
            return False
        ignored = _last_match(self._exclude, "/".join(parts), folder)
        base = self.repository
        for depth in range(len(parts)):  # root .gitignore first, the deepest one last
            found = _last_match(self._patterns(base), "/".join(parts[depth:]), folder)
            if found is not None:
                ignored = found
            base = base / parts[depth]
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


def _last_match(patterns: list[_Pattern], relative: str, folder: bool) -> bool | None:
    found = None
    for pattern in patterns:
        if pattern.folders_only and not folder:
            continue
        if pattern.regex.fullmatch(relative):
            found = not pattern.negated
    return found


def _parse(text: str) -> list[_Pattern]:
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
        # A pattern naming a folder by its contents (`build/**`) matches what lies under it.
        patterns.append(_Pattern(re.compile(regex, re.S), negated, folders_only))
    return patterns


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
