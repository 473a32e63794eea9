"""The analysed project as the server sees it: settings, environment and the one analysis thread.

All analysis (parso walks, the project index, jedi) runs on one dedicated worker thread, so
jedi is only ever called from one thread and the message loop never blocks. Open documents form
an overlay: the analysis reads a file's unsaved text first, the disk otherwise. `epoch` counts
changes that can alter any file's findings (settings, model or migration facts); a result is
current only for the document version *and* the epoch it was computed for.

The index learns file texts only through `queue_update` (typed, saved, closed, changed on disk)
and `flush_updates`, which moves the epoch when model facts change -- never as a side effect of
checking a file. A check works on a snapshot that may be older than what the index holds (a
request that waited for the index while models.py was edited): writing it into the index would
undo the newer edit without moving the epoch, and the open views kept their old findings.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.incremental import OpenDocuments
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.config import Settings
from integrity_lsp.findings import Finding
from integrity_lsp.syntax.files import read_project_text

log = logging.getLogger(__name__)
T = TypeVar("T")


class AnalysisThread(Executor):
    """One daemon thread running what is submitted, in order. Not a ThreadPoolExecutor: the
    interpreter joins those at exit, so an editor that quit in the middle of indexing a big
    tree left the server running until the index was built; a daemon thread ends with the
    process."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._closed = False

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        if self._closed:
            raise RuntimeError("the analysis thread is closed")
        future: Future[T] = Future()
        self._queue.put((future, functools.partial(fn, *args, **kwargs)))
        if self._thread.ident is None:  # started on first use
            self._thread.start()
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as error:  # handed to whoever awaits it
                future.set_exception(error)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._closed = True
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        self._queue.put(None)
        if wait and self._thread.ident is not None:
            self._thread.join()


class Project:
    def __init__(
        self, root: Path, *, bounded: bool = False, executor: AnalysisThread | None = None
    ) -> None:
        """`executor`: the analysis thread, shared by every project of a server (jedi is not
        thread-safe: two projects must not run it at once); a thread of its own by default."""
        self.root = root
        # No Django project above the file: only its folder is indexed, not what is under it.
        self.bounded = bounded
        self.settings = Settings()
        self.env: Environment | None = None
        self.overlay: dict[Path, str] = {}  # resolved path -> unsaved editor text
        self.epoch = 0
        self._own_executor = executor is None
        self.executor = executor or AnalysisThread(f"integrity-analysis {root.name}")
        self.closed = False
        self._indexed = asyncio.Event()
        self._pending_updates: dict[Path, str | None] = {}
        self._flushing: set[asyncio.Task[bool]] = set()  # updates taken, not yet applied
        self.on_change: Callable[[], None] | None = None  # called when `epoch` moves

    def _bump(self) -> None:
        self.epoch += 1
        if self.on_change is not None:
            self.on_change()

    # -- the worker -------------------------------------------------------------------------

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` on the analysis thread."""
        if self.closed:
            raise asyncio.CancelledError  # its workspace folder was removed
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args))

    def close(self) -> None:
        """No more work for this project (a shared analysis thread goes on for the others)."""
        self.closed = True
        if self._own_executor:
            self.executor.shutdown(wait=False, cancel_futures=True)

    # -- reading files ----------------------------------------------------------------------

    def read_text(self, path: Path) -> str | None:
        """The editor's text of an open file, else the file on disk."""
        text = self.overlay.get(path)
        if text is None:
            text = self.overlay.get(_resolved(path))
        return text if text is not None else read_project_text(path)

    def close_document(self, path: Path) -> str | None:
        """The editor closed `path`: forget its unsaved text and its tree; the text is returned."""
        if self.env is not None and self.env.open_documents is not None:
            self.env.open_documents.forget(path)
            self.env.open_documents.note_change(None)
        return self.overlay.pop(path, None)

    def note_change(self, path: Path | None) -> None:
        """A document's text changed (None: a file on disk or the set of open documents)."""
        if self.env is not None and self.env.open_documents is not None:
            self.env.open_documents.note_change(path)

    # -- the environment --------------------------------------------------------------------

    async def ready(self) -> None:
        """Wait for the first index build. An Event, not a shared Future: cancelling one
        waiter (a newer keystroke) must not cancel what every other waiter waits for."""
        await self._indexed.wait()

    async def build(self, settings: Settings) -> Environment | None:
        """(Re)build the index for these settings; unsaved models/migrations are applied."""
        self.settings = settings
        try:
            self.env = await self.run(self._build, settings)
        finally:
            self._indexed.set()
            self._bump()
        return self.env

    def _build(self, settings: Settings) -> Environment:
        gc.unfreeze()  # a rebuild: the old index may go
        env = build_environment(self.root, settings)
        documents = OpenDocuments(keep=lambda path: path in self.overlay)
        env = replace(env, read_text=self.read_text, open_documents=documents)
        for path, text in list(self.overlay.items()):
            if env.index.is_index_source(path):
                env.index.update_file(path, text)
        # The index lives as long as the server: out of the collector's sight, a full
        # collection no longer walks it (a pause of tens of ms in the middle of a keystroke).
        gc.collect()
        gc.freeze()
        return env

    def use_settings(self, settings: Settings) -> None:
        """Settings that do not change what the index knows (selection, severity)."""
        self.settings = settings
        if self.env is not None:
            self.env = replace(self.env, settings=settings)
        self._bump()

    # -- incremental updates ----------------------------------------------------------------

    def is_index_source(self, path: Path) -> bool:
        if self.env is not None:
            try:
                return bool(self.env.index.is_index_source(path))
            except Exception:
                log.exception("is_index_source failed for %s", path)
        return path.name == "models.py" or path.parent.name in ("migrations", "models")

    def queue_update(self, path: Path, text: str | None) -> None:
        """Remember that `path` now reads `text` (None: read it from disk)."""
        self._pending_updates[path] = text

    @property
    def has_pending_updates(self) -> bool:
        return bool(self._pending_updates)

    async def flush_updates(self) -> bool:
        """Apply queued file changes to the index; True when model facts changed.

        The updates are handed to the analysis thread at once (in order with everything else
        submitted) and applied in a task of their own: a caller cancelled meanwhile (a newer
        keystroke reschedules its check, a request is cancelled) neither loses the updates it
        took -- the thread skips a cancelled job -- nor the epoch bump that re-checks the open
        documents."""
        await self.ready()
        if not self._pending_updates or self.env is None:
            self._pending_updates.clear()
            return False
        if self.closed:
            raise asyncio.CancelledError  # its workspace folder was removed
        updates, self._pending_updates = self._pending_updates, {}
        env = self.env
        applied = asyncio.wrap_future(self.executor.submit(_apply_updates, env, updates))
        task = asyncio.ensure_future(self._finish_flush(applied, env))
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)
        return await asyncio.shield(task)

    async def _finish_flush(self, applied: asyncio.Future[bool], env: Environment) -> bool:
        changed = await applied
        if changed and env is self.env:
            self._bump()
        return changed

    async def settle(self) -> None:
        """Wait for the index and for the updates queued or being applied now, so that `epoch`
        is the epoch of the index the next job on the analysis thread reads (a check labelled
        with the epoch before an update in flight would read the index after it)."""
        await self.ready()
        if self._pending_updates:
            await self.flush_updates()
        if self._flushing:  # taken by another caller; cancelling this wait leaves them running
            await asyncio.wait(set(self._flushing))

    # -- checking ---------------------------------------------------------------------------

    async def check(self, text: str, path: Path) -> tuple[int, list[Finding]]:
        """(epoch, findings) for a text snapshot; waits for the index, never for anything else.
        The index is read, not written (`as_indexed`): the snapshot may be older than what the
        index holds (see the module docstring)."""
        await self.settle()
        env, epoch = self.env, self.epoch
        if env is None or not self.is_checked(path):
            return epoch, []
        check = functools.partial(check_source, as_indexed=True)
        return epoch, await self.run(check, text, path, env)

    def is_checked(self, path: Path) -> bool:
        """Python files that the settings do not exclude (as `integrity-lsp check` walks);
        judged on the path inside the root, so a root under `build/` is not excluded."""
        if path.suffix not in (".py", ".pyi"):
            return False
        try:
            inside = path.relative_to(self.root)
        except ValueError:
            inside = path
        return not self.settings.is_excluded(inside, self.root)


def _apply_updates(env: Environment, updates: dict[Path, str | None]) -> bool:
    changed = False
    for path, text in updates.items():
        try:
            changed = bool(env.index.update_file(path, text)) or changed
        except Exception:
            log.exception("index update failed for %s", path)
    return changed


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path
