"""The one place that writes the analysed project's files (`check --fix`, `--add-noqa`), and
the one judgement of where an edit may land (also used for the edits the server offers).

Where: only inside the project root -- a relative path is taken relative to the root, never
to the process's working folder -- never inside `.git/`, never through a symlink that leads
out of the root (a symlink inside it is written through: the link stays). What: only regular
files, never one the user made read-only, never one with several hard links (replacing it
would split them: such a file is refused with a message, never written in place), never one
whose owner or group could not be kept.

How: `write_files` writes a set of files all or none. Every file is first staged -- its new
text in a temporary file in the same folder, with the mode, owner and group of the file it
replaces -- and only when all are staged are they renamed over their targets, each just
after checking that the file still holds what was read (an editor may have saved it). If a
rename fails, or a file changed, the files already renamed get their old content back (kept
under a second name until the end) and files created are removed. A reader never sees a
half-written file, and no temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from integrity_lsp.syntax.files import ReadWarning, read_project_bytes, read_source

NOT_WRITTEN = "no file written: the fixes of one run are written all or none"


def target_path(path: Path, root: Path) -> Path:
    """`path` as an absolute path, a relative one taken relative to `root`."""
    return Path(os.path.normpath(os.path.join(os.path.abspath(root), path)))


def location_refusal(path: Path, root: Path) -> str | None:
    """Why an edit of `path` must not be made or offered (None: it may): outside `root`,
    inside `.git/`, or through a symlink leading out of `root`."""
    try:
        lexical = target_path(path, root)
        inside = _inside(lexical, Path(os.path.abspath(root)))
        real = Path(os.path.realpath(lexical))
        real_inside = _inside(real, Path(os.path.realpath(root)))
    except (OSError, ValueError) as error:  # a NUL in the path, a symlink loop
        return f"{path}: not a usable path ({error}); not written"
    if inside is None:
        return f"{path}: outside the project root {root}; not written"
    if real_inside is None:
        return f"{path}: a symlink to {real}, outside the project root {root}; not written"
    if ".git" in inside.parts or ".git" in real_inside.parts:
        return f"{path}: inside .git/; not written"
    return None


def write_refusal(path: Path, root: Path, *, new: bool) -> str | None:
    """Why this run must not write `path` (None: it may). `new`: a file the fix creates."""
    refusal = location_refusal(path, root)
    if refusal is not None:
        return refusal
    real = Path(os.path.realpath(target_path(path, root)))
    folder = real.parent
    if not os.path.isdir(folder):
        return f"{path}: its folder does not exist; not written"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"{path}: its folder {folder} is not writable; not written"
    if new:
        return None
    try:
        status = os.stat(real)
    except OSError as error:
        return f"{path}: cannot write: {error.strerror or error}"
    if not stat.S_ISREG(status.st_mode):
        return f"{path}: not a regular file; not written"
    if not status.st_mode & 0o222 or not os.access(real, os.W_OK):
        return f"{path}: read-only; not written"
    if status.st_nlink > 1:
        return f"{path}: has {status.st_nlink} hard links, which a fix would split; not written"
    if not _can_own(status):
        return f"{path}: owned by another user or group, which a fix would change; not written"
    return None


def write_files(changes: Mapping[Path, tuple[str, str]], root: Path) -> tuple[int, list[str]]:
    """Write every `path: (before, after)` of `changes`, or none of them; `before` is the
    text the change was computed from ("" for a file it creates). (files written, problems)"""
    # Existing files first, created ones last: a created migration never precedes the edit
    # of the migration it depends on.
    ordered = sorted(changes.items(), key=lambda item: (item[1][0] == "", str(item[0])))
    problems = [
        problem
        for path, (before, _after) in ordered
        if (problem := write_refusal(path, root, new=_is_new(target_path(path, root), before)))
    ]
    if problems:
        return 0, [*problems, NOT_WRITTEN]
    staged: list[_Staged] = []
    try:
        for path, (before, after) in ordered:
            staged.append(_stage(target_path(path, root), path, before, after))
        for item in staged:
            item.commit()
    except _Failed as failure:
        for item in reversed(staged):
            item.undo()
        return 0, [str(failure), NOT_WRITTEN]
    for item in staged:
        item.finish()
    return len(staged), []


class _Failed(Exception):
    """One file could not be staged or renamed: the message names it."""


@dataclass
class _Staged:
    target: Path  # the real file (symlinks inside the root followed)
    shown: Path  # the path as the fix names it, for messages
    before: str
    temporary: Path  # the new text, beside the target
    new: bool
    backup: Path | None = None  # the old file under a second name, once renamed over
    renamed: bool = False

    def commit(self) -> None:
        if self.new:
            try:
                os.link(self.temporary, self.target)  # fails if the file appeared meanwhile
            except OSError as error:
                raise _Failed(f"{self.shown}: cannot create: {error}") from error
            self.renamed = True
            return
        _check_unchanged(self.shown, self.target, self.before)  # saved by the user meanwhile?
        try:
            self.backup = _backup(self.target)
            os.replace(self.temporary, self.target)
        except OSError as error:
            raise _Failed(f"{self.shown}: cannot write: {error}") from error
        self.renamed = True

    def undo(self) -> None:
        with contextlib.suppress(OSError):
            if self.renamed and self.new:
                os.unlink(self.target)
            elif self.renamed and self.backup is not None:
                os.replace(self.backup, self.target)
                self.backup = None
        self.renamed = False
        self.finish()

    def finish(self) -> None:
        leftovers = [self.backup]
        if self.new or not self.renamed:  # else the temporary file is the target now
            leftovers.append(self.temporary)
        for leftover in leftovers:
            if leftover is not None:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
        self.backup = None


def _stage(target: Path, shown: Path, before: str, after: str) -> _Staged:
    real = Path(os.path.realpath(target))
    new = _is_new(target, before)
    status = None
    bom = ""
    if not new:
        _check_unchanged(shown, real, before)
        problems: list[ReadWarning] = []
        raw = read_project_bytes(real, warn=problems.append)
        if raw is None:
            raise _Failed(str(problems[0]) if problems else f"{shown}: cannot read")
        bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
        status = os.stat(real)
    temporary = _temporary(real, shown, (bom + after).encode("utf-8"))
    try:
        if status is not None:
            if (status.st_uid, status.st_gid) != _owner_of(temporary):
                os.chown(temporary, status.st_uid, status.st_gid)
            os.chmod(temporary, stat.S_IMODE(status.st_mode))
        else:
            umask = os.umask(0o022)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
    except OSError as error:
        os.unlink(temporary)
        raise _Failed(f"{shown}: cannot keep its mode and owner: {error}") from error
    return _Staged(real, shown, before, temporary, new=new)


def _temporary(real: Path, shown: Path, data: bytes) -> Path:
    """A temporary file beside `real` holding `data`, flushed to the disk."""
    try:
        handle, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
    except OSError as error:
        raise _Failed(f"{shown}: cannot write: {error}") from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise _Failed(f"{shown}: cannot write: {error}") from error
    return Path(name)


def _backup(real: Path) -> Path:
    """A second name for the file about to be replaced, to put it back if a later file fails:
    a hard link, or a copy with its mode and owner where the file system has no links."""
    name = real.parent / f".{real.name}.{os.urandom(8).hex()}.bak.tmp"
    try:
        os.link(real, name)
    except FileExistsError:
        return _backup(real)
    except OSError:
        status = os.stat(real)
        data = read_project_bytes(real)
        if data is None:
            raise
        copy = _temporary(real, real, data)
        os.chown(copy, status.st_uid, status.st_gid)
        os.chmod(copy, stat.S_IMODE(status.st_mode))
        return copy
    return name


def _check_unchanged(shown: Path, real: Path, before: str) -> None:
    current, error = read_source(real)
    if current is None:
        raise _Failed(error or f"{shown}: cannot read")
    if current != before:
        raise _Failed(f"{shown}: changed on disk while being fixed; not written")


def _is_new(path: Path, before: str) -> bool:
    return before == "" and not os.path.lexists(path)


def _inside(path: Path, root: Path) -> Path | None:
    """`path` relative to `root`, or None when it is not inside it."""
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def _owner_of(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_uid, status.st_gid


def _can_own(status: os.stat_result) -> bool:
    """Whether a file this process creates can be given `status`'s owner and group."""
    if os.geteuid() == 0:
        return True
    if status.st_uid != os.geteuid():
        return False
    return status.st_gid == os.getegid() or status.st_gid in os.getgroups()
