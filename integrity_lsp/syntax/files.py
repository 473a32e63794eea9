"""The one module that reads the analysed project's files: the sources checked, the models,
settings and apps the index reads, migrations, pyproject.toml and requirements files, the files
the results cache hashes, the cache itself. Every read opens the file without blocking and
reads it only if it is a regular file (a FIFO named like a module would wait for a writer
forever; `/dev/zero` never ends) of at most `MAX_FILE_BYTES` (what a file costs grows with its
size: beyond the cap the file is skipped, never half-read). Nothing here raises: a read that
fails gives None and one `ReadWarning` saying why -- to the caller's `warn`, else to the
process's log of read warnings, which the front ends show (`take_read_warnings`). A file that
simply does not exist is not worth a warning.

Callers say how bytes become text (`encoding`, `errors`, and whether line endings are
translated as `open()` in text mode does). `exists`, `is_file` and `is_dir` answer without
raising, even for a path inside a folder the user may not enter (`Path.exists()` raises
`PermissionError` there on Python < 3.12).
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Files larger than this are not read: checking costs about 6 s per MB on one core, so the
# cap bounds the work one file (or one open document) can cost. Documented in the README.
MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ReadWarning:
    """Why a project file could not be read: `reason` is one line, `error` what was raised."""

    path: Path
    reason: str
    error: Exception | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


Warn = Callable[[ReadWarning], None]
_MISSING = (errno.ENOENT, errno.ENOTDIR)


class _Skipped(Exception):
    """A file that is not read: not a regular file, or larger than the cap."""


class _ReadLog:
    """The read warnings nobody asked for, once each, until a front end takes them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[Path, str], ReadWarning] = {}

    def add(self, warning: ReadWarning) -> None:
        with self._lock:
            self._pending.setdefault((warning.path, warning.reason), warning)

    def take(self) -> list[ReadWarning]:
        with self._lock:
            taken = list(self._pending.values())
            self._pending.clear()
        return taken


_LOG = _ReadLog()


def take_read_warnings() -> list[ReadWarning]:
    """The read warnings logged since the last call (each once), in the order they came."""
    return _LOG.take()


def log_read_warning(warning: ReadWarning) -> None:
    """Log a warning about a project path for the front ends to show (a folder that cannot
    be entered, a document too large to check)."""
    _LOG.add(warning)


def read_project_bytes(
    path: Path, *, max_bytes: int = MAX_FILE_BYTES, warn: Warn | None = None
) -> bytes | None:
    """The file's bytes, or None: only a regular file of at most `max_bytes` is read."""
    try:
        return _read(path, max_bytes)
    except _Skipped as skipped:
        _tell(warn, ReadWarning(path, str(skipped)))
    except OSError as error:
        if error.errno not in _MISSING or warn is not None:
            _tell(warn, ReadWarning(path, f"cannot read: {error.strerror or error}", error))
    except ValueError as error:  # a NUL in the path
        _tell(warn, ReadWarning(path, f"cannot read: {error}", error))
    return None


def read_project_text(
    path: Path,
    *,
    encoding: str = "utf-8",
    errors: str = "strict",
    translate_newlines: bool = True,
    max_bytes: int = MAX_FILE_BYTES,
    warn: Warn | None = None,
) -> str | None:
    """The file's text, or None. By default as `Path.read_text(encoding="utf-8")` reads it:
    strict UTF-8, a BOM kept, `\\r\\n` and `\\r` read as `\\n`."""
    data = read_project_bytes(path, max_bytes=max_bytes, warn=warn)
    if data is None:
        return None
    try:
        text = data.decode(encoding, errors)
    except UnicodeDecodeError as error:
        reason = f"not valid UTF-8 (byte {error.start}); skipped"
        _tell(warn, ReadWarning(path, reason, error))
        return None
    if translate_newlines and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_source(path: Path) -> tuple[str | None, str | None]:
    """A file to check: (text, None) or (None, a one-line reason it cannot be read). A BOM is
    dropped and line endings are kept as they are."""
    problems: list[ReadWarning] = []
    text = read_project_text(
        path, encoding="utf-8-sig", translate_newlines=False, warn=problems.append
    )
    if text is not None:
        return text, None
    return None, str(problems[0])


def over_size_cap(text: str, path: Path) -> bool:
    """Whether a text (an editor's unsaved document) is larger than a file would be read;
    if so the warning is logged, as for a file on disk."""
    if len(text) <= MAX_FILE_BYTES // 4:  # four bytes a character at most: no need to encode
        return False
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= MAX_FILE_BYTES:
        return False
    _LOG.add(ReadWarning(path, _too_large(MAX_FILE_BYTES, size)))
    return True


def exists(path: Path) -> bool:
    """Whether `path` exists (symlinks followed); False whenever that cannot be known."""
    return os.path.exists(path)


def is_file(path: Path) -> bool:
    return os.path.isfile(path)


def is_dir(path: Path) -> bool:
    return os.path.isdir(path)


def _read(path: Path, max_bytes: int) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    with open(os.open(path, flags), "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise _Skipped("not a regular file; skipped")
        if status.st_size > max_bytes:
            raise _Skipped(_too_large(max_bytes, status.st_size))
        data = stream.read(max_bytes + 1)  # a file that grew since fstat is still capped
        if len(data) > max_bytes:
            raise _Skipped(_too_large(max_bytes, len(data)))
        return data


def _too_large(max_bytes: int, size: int) -> str:
    return f"{size:,} bytes, over the {max_bytes / 2**20:g} MB size cap; skipped"


def _tell(warn: Warn | None, warning: ReadWarning) -> None:
    if warn is not None:
        warn(warning)
    else:
        _LOG.add(warning)
