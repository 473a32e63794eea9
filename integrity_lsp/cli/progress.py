"""Progress of a long `check` on stderr, like pre-commit's or pytest's: `files done/total` on
one line, redrawn in place, shown only on a terminal, only once the run has taken a second
(a quick run prints nothing), and erased when the run ends so the report starts clean.
Silent when stderr is piped and with --quiet / --silent (the caller then makes none)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

SHOW_AFTER = 1.0  # seconds: a run quicker than this shows nothing
REDRAW_EVERY = 0.1  # seconds between two redraws


class TerminalProgress:
    """Called with (files done, files in all) after each file; `close()` erases the line."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if now - self._started < SHOW_AFTER:
            return
        if self._drawn_at is not None and now - self._drawn_at < REDRAW_EVERY and done < total:
            return
        line = f"integrity-lsp: checked {done:,}/{total:,} files"
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = len(line)
        self._drawn_at = now

    def close(self) -> None:
        if self._drawn_at is not None:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._drawn_at = None


def progress_for(stream: TextIO, *, quiet: bool) -> TerminalProgress | None:
    """A progress line for `stream` when it is a terminal and the run is not quiet."""
    if quiet:
        return None
    try:
        on_terminal = stream.isatty()
    except (AttributeError, ValueError):  # a closed or odd stream
        return None
    return TerminalProgress(stream) if on_terminal else None
