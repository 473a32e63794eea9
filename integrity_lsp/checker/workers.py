"""Checking many files: one after the other, or spread over worker processes forked with the
built index, while another process reads the migrations (`prepare`)."""

from __future__ import annotations

import gc
import multiprocessing
import pickle
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cache import JediProbe
from integrity_lsp.checker.environment import LazyIndex, build_environment
from integrity_lsp.checker.file_checks import Outcome, check_file, check_screened, screen
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.migrations.history import history_for

CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


def prepare(env: Environment, *, read_migrations_aside: bool) -> None:
    """Build the index and hold one snapshot of the migrations for the whole run.

    Before workers are forked, the migrations are read by another process while this one parses
    the models (the two take about as long): otherwise every worker reads all of them itself,
    after the index is built."""
    index = env.index
    reader = None
    if read_migrations_aside and isinstance(index, LazyIndex) and not index.is_built:
        reader = MigrationReader()
        index.build_with(apps_known=reader.start)
    history = history_for(index)
    history.hold_snapshots()
    if reader is not None:
        parsed = reader.result()
        if parsed:
            history.adopt(parsed)


class MigrationReader:
    """A forked process that reads every migration once the apps are known."""

    def __init__(self) -> None:
        self._receive: Any = None
        self._process: Any = None

    def start(self, index: ProjectIndex) -> None:
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_read_migrations, args=(index, send), daemon=True)
        self._process.start()
        send.close()

    def result(self, timeout: float = 120.0) -> dict[Path, Any] | None:
        """The migrations read, or None (the workers then read them themselves)."""
        if self._process is None:
            return None
        try:
            if self._receive.poll(timeout):
                found = self._receive.recv()
                return found if isinstance(found, dict) else None
            return None
        except (EOFError, OSError, pickle.PickleError):
            return None
        finally:
            self._receive.close()
            self._process.join(timeout=1.0)
            if self._process.is_alive():
                self._process.terminate()


def _read_migrations(index: ProjectIndex, send: Any) -> None:
    try:
        send.send(history_for(index).read_all())
    except Exception:
        send.send(None)
    finally:
        send.close()


def check_serially(todo: list[Path], env: Environment, record: bool) -> Iterator[Outcome]:
    """The files one after the other; the index is built when the first one needs it (a warm
    run whose only misses are files CPython rejects, or that no rule reads, never builds it)."""
    prepared = False
    for path in todo:
        screened = screen(path)
        if isinstance(screened, Outcome):
            yield screened
            continue
        if not prepared:
            prepare(env, read_migrations_aside=False)
            prepared = True
        yield check_screened(screened, env, record)


_WORKER: tuple[Environment, bool] | None = None


def _init_worker(root: Path, settings: Settings, record: bool) -> None:
    global _WORKER
    _WORKER = (build_environment(root, settings), record)


def _check_in_worker(path: Path) -> Outcome:
    assert _WORKER is not None
    return check_file(path, *_WORKER)


def check_parallel(
    files: list[Path], env: Environment, workers: int, record: bool
) -> Iterator[Outcome]:
    """Files spread over worker processes, biggest first, a few at a time (balanced load).

    Where processes fork, the workers inherit this process's environment with its index
    already built; elsewhere each worker builds its own.
    """
    global _WORKER
    files = sorted(files, key=_size, reverse=True)
    chunk = max(1, min(16, len(files) // (workers * 8)))
    if CAN_FORK:
        env.index.generation  # noqa: B018 -- build the index once, before forking
        gc.freeze()  # the workers' collections then never touch the inherited index
        if record:
            JediProbe.install()
        _WORKER = (env, record)
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        )
    else:
        pool = ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(env.root, env.settings, record)
        )
    try:
        with pool:
            yield from pool.map(_check_in_worker, files, chunksize=chunk)
    finally:
        _WORKER = None
        gc.unfreeze()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
