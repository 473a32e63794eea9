"""The one module that reads the analysed project's files: the sources checked, the models,
settings and apps the index reads, migrations, pyproject.toml and requirements files, the files
the results cache hashes. Callers say how bytes become text (`encoding`, `errors`, and whether
line endings are translated as `open()` in text mode does) and whether only regular files of at
most `max_bytes` are read; a read that fails gives None and, through `warn`, one `ReadWarning`
saying why. Nothing here raises `OSError` or `UnicodeDecodeError`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadWarning:
    """Why a project file could not be read: `reason` is one line, `error` what was raised."""

    path: Path
    reason: str
    error: Exception | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


Warn = Callable[[ReadWarning], None]


class _Skipped(Exception):
    """A file that is not read: not a regular file, or larger than the cap."""


def read_project_bytes(
    path: Path,
    *,
    regular_only: bool = False,
    max_bytes: int | None = None,
    warn: Warn | None = None,
) -> bytes | None:
    """The file's bytes, or None. With `regular_only` it is opened without blocking and read
    only if it is a regular file (reading a FIFO named like a module would wait for a writer
    forever) of at most `max_bytes`."""
    try:
        return _read(path, regular_only, max_bytes)
    except _Skipped as skipped:
        _tell(warn, ReadWarning(path, str(skipped)))
    except OSError as error:
        _tell(warn, ReadWarning(path, f"cannot read: {error.strerror or error}", error))
    return None


def read_project_text(
    path: Path,
    *,
    encoding: str = "utf-8",
    errors: str = "strict",
    translate_newlines: bool = True,
    regular_only: bool = False,
    max_bytes: int | None = None,
    warn: Warn | None = None,
) -> str | None:
    """The file's text, or None. By default as `Path.read_text(encoding="utf-8")` reads it:
    strict UTF-8, a BOM kept, `\\r\\n` and `\\r` read as `\\n`."""
    data = read_project_bytes(path, regular_only=regular_only, max_bytes=max_bytes, warn=warn)
    if data is None:
        return None
    try:
        text = data.decode(encoding, errors)
    except UnicodeDecodeError as error:
        _tell(warn, ReadWarning(path, f"not valid UTF-8 (byte {error.start})", error))
        return None
    if translate_newlines and "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_source(path: Path) -> tuple[str | None, str | None]:
    """A file to check: (text, None) or (None, a one-line reason it cannot be read). Only a
    regular file is read; a BOM is dropped and line endings are kept as they are."""
    problems: list[ReadWarning] = []
    text = read_project_text(
        path,
        encoding="utf-8-sig",
        translate_newlines=False,
        regular_only=True,
        warn=problems.append,
    )
    if text is not None:
        return text, None
    problem = problems[0]
    skipped = "" if problem.reason.startswith("cannot read") else "; skipped"
    return None, f"{problem}{skipped}"


def _read(path: Path, regular_only: bool, max_bytes: int | None) -> bytes:
    if not regular_only:
        with open(path, "rb") as stream:
            return stream.read()
    with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise _Skipped("not a regular file")
        if max_bytes is not None and status.st_size > max_bytes:
            raise _Skipped(f"larger than {max_bytes} bytes")
        return stream.read()


def _tell(warn: Warn | None, warning: ReadWarning) -> None:
    if warn is not None:
        warn(warning)
