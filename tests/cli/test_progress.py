"""Progress on stderr: `checked done/total files` once a run has taken a second, on a terminal
only, erased at the end; nothing when piped or quiet."""

from __future__ import annotations

import io
from pathlib import Path

from integrity_lsp.checker import build_environment, check_paths
from integrity_lsp.cli.progress import TerminalProgress, progress_for
from integrity_lsp.config import load_settings
from tests.cli.support import run_process, shop


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_within_the_first_second_then_done_over_total() -> None:
    stream, clock = Terminal(), Clock()
    progress = TerminalProgress(stream, clock)
    progress(1, 40)
    clock.now += 0.5
    progress(2, 40)
    assert stream.getvalue() == ""
    clock.now += 0.6
    progress(3, 40)
    assert stream.getvalue() == "\rintegrity-lsp: checked 3/40 files"
    progress(4, 40)  # within a tenth of a second: not redrawn
    assert stream.getvalue().count("\r") == 1
    progress(40, 40)  # the last file is always drawn
    assert stream.getvalue().endswith("\rintegrity-lsp: checked 40/40 files")
    progress.close()
    assert stream.getvalue().endswith("\r" + " " * len("integrity-lsp: checked 40/40 files") + "\r")


def test_a_quick_run_prints_nothing_not_even_on_close() -> None:
    stream, clock = Terminal(), Clock()
    progress = TerminalProgress(stream, clock)
    progress(10, 10)
    progress.close()
    assert stream.getvalue() == ""


def test_only_on_a_terminal_and_never_when_quiet() -> None:
    assert progress_for(io.StringIO(), quiet=False) is None
    assert progress_for(Terminal(), quiet=True) is None
    assert isinstance(progress_for(Terminal(), quiet=False), TerminalProgress)


def test_check_paths_tells_every_file_done(tmp_path: Path) -> None:
    root = shop(tmp_path, {"shop/views.py": "def view(request):\n    return 1\n"})
    env = build_environment(root, load_settings(root))
    told: list[tuple[int, int]] = []
    report = check_paths(
        [root], env, jobs=1, progress=lambda done, total: told.append((done, total))
    )
    files = report.files_checked
    assert files >= 4
    assert told == [(done, files) for done in range(1, files + 1)]


def test_piped_stderr_gets_no_progress(tmp_path: Path) -> None:
    done = run_process("check", "--no-cache", str(shop(tmp_path)), cwd=tmp_path)
    assert "checked" not in done.err and "\r" not in done.err
