"""Diagnostics: checks scheduled per document, pushed or pulled by client capability.

A check works on a snapshot (text + version) on the analysis thread. Its result is current for
one document version and one project epoch; a result for an older version is never published,
and a pull always answers for the version the client has. Clients that can pull
(`textDocument/diagnostic`) get `resultId`s and `workspace/diagnostic`; the others get
`textDocument/publishDiagnostics`. When models or settings change, every open document is
checked again (push) or the client is asked to pull again (`workspace/diagnostic/refresh`).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

from lsprotocol import types

from integrity_lsp.checker import iter_python_files, might_matter
from integrity_lsp.findings import Finding
from integrity_lsp.rules import load_rules
from integrity_lsp.server import convert
from integrity_lsp.server.base import CheckResult, IntegrityServer, guarded
from integrity_lsp.server.configuration import ensure_project
from integrity_lsp.server.documents import Snapshot, path_to_uri, split_lines
from integrity_lsp.server.project import Project
from integrity_lsp.syntax.files import read_source

# Seconds of quiet before a document is checked while changes arrive in a burst (an editor
# replaying edits, a paste, models.py changing under open documents): as long as the
# document's last check took, within these bounds.
MIN_DELAY, MAX_DELAY = 0.05, 0.25
# Changes closer together than this are a burst; a keystroke after a pause is checked at once.
BURST_GAP = 0.03
MAX_RETRIES = 5


class DiagnosticsEngine:
    def __init__(self, server: IntegrityServer) -> None:
        self.server = server
        self.results: dict[str, CheckResult] = {}
        self.published: dict[str, tuple[int, int]] = {}
        self.workspace_results: dict[Path, tuple[tuple[int, int, int], str]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._inflight: dict[tuple[str, int | None, int], asyncio.Task[CheckResult]] = {}
        self._ids = itertools.count(1)
        self._durations: dict[str, float] = {}
        self._last_change: dict[str, float] = {}
        self.changed = asyncio.Event()

    # -- computing --------------------------------------------------------------------------

    async def current(self, uri: str) -> CheckResult | None:
        """The result for the document as it is now (computing it if needed)."""
        ls = self.server
        result: CheckResult | None = None
        for _ in range(MAX_RETRIES):
            snapshot = ls.snapshot(uri)
            if snapshot is None:
                return None
            project = ensure_project(ls, snapshot.path, uri)
            await project.settle()
            cached = self.results.get(uri)
            if cached and cached.version == snapshot.version and cached.epoch == project.epoch:
                return cached
            result = await self._compute(snapshot, project)
            latest = ls.snapshot(uri)
            if latest is None:
                return None
            if latest.version == result.version and result.epoch == project.epoch:
                return result
        return result if result is not None and result.version == self._version(uri) else None

    def _version(self, uri: str) -> int | None:
        document = self.server.workspace.text_documents.get(uri)
        return document.version if document is not None else None

    async def _compute(self, snapshot: Snapshot, project: Project) -> CheckResult:
        """Check a snapshot once, however many callers ask; a caller that is cancelled (a
        newer keystroke) does not cancel the check the others wait for."""
        key = (snapshot.uri, snapshot.version, project.epoch)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._check(snapshot, project))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task)

    def _finished(self, key: tuple[str, int | None, int], task: asyncio.Task[CheckResult]) -> None:
        self._inflight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here; the callers re-raise it themselves

    async def _check(self, snapshot: Snapshot, project: Project) -> CheckResult:
        started = time.perf_counter()
        epoch, findings = await project.check(snapshot.text, snapshot.path)
        diagnostics = await project.run(self._convert, snapshot, findings)
        self._durations[snapshot.uri] = time.perf_counter() - started
        result = CheckResult(
            snapshot.version,
            epoch,
            tuple(findings),
            tuple(diagnostics),
            f"{snapshot.version}.{epoch}.{next(self._ids)}",
        )
        previous = self.results.get(snapshot.uri)
        still_open = snapshot.uri in self.server.workspace.text_documents
        if still_open and (previous is None or previous.key <= result.key):
            self.results[snapshot.uri] = result
        return result

    def _convert(self, snapshot: Snapshot, findings: list[Finding]) -> list[types.Diagnostic]:
        rules = load_rules()
        positions = self.server.positions(snapshot)
        views: dict[Path, convert.FileView] = {}

        def file_view(path: Path) -> convert.FileView:
            if path not in views:
                views[path] = self.server.file_view(path)
            return views[path]

        return [
            convert.diagnostic(
                finding, positions, file_view, rules.get(finding.code), snapshot.version
            )
            for finding in findings
        ]

    # -- push -------------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float | None = None) -> None:
        """Check `uri` and publish (push clients only).

        Without `delay` (an edit of the document itself): a change after a pause is checked at
        once, or as soon as the check of this document already running ends (changes that
        arrive meanwhile collapse into one check of the newest text) -- a fixed debounce would
        add its whole length to every keystroke. Changes in a burst wait for quiet instead, so
        checks do not compete with the burst for the interpreter. With `delay`: after that
        many seconds of quiet.
        """
        if delay is None:
            now = time.perf_counter()
            previous, self._last_change[uri] = self._last_change.get(uri), now
            if previous is not None and now - previous < BURST_GAP:
                delay = self._quiet_period(uri)
        if self.server.client.pull:
            self.changed.set()
            return
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = self.server.spawn(self._publish_later(uri, delay), "checking")

    async def _publish_later(self, uri: str, delay: float | None) -> None:
        if delay:
            await asyncio.sleep(delay)
        else:
            running = [task for key, task in self._inflight.items() if key[0] == uri]
            if running:
                await asyncio.wait(running)  # cancelling this waiter leaves them running
        result = await self.current(uri)
        if result is None or result.version != self._version(uri):
            return  # the document changed meanwhile: its own check will publish
        if self.published.get(uri, (-2, -1)) >= result.key:
            return
        self.published[uri] = result.key
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=list(result.diagnostics), version=result.version
            )
        )

    def _quiet_period(self, uri: str) -> float:
        return min(MAX_DELAY, max(MIN_DELAY, self._durations.get(uri, MIN_DELAY)))

    def forget(self, uri: str) -> None:
        """The document was closed: stop checking it; clear what a push client shows."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.results.pop(uri, None)
        self._durations.pop(uri, None)
        self._last_change.pop(uri, None)
        if self.published.pop(uri, None) is not None or not self.server.client.pull:
            self.server.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self.changed.set()

    def refresh_all(self) -> None:
        """Models, migrations or settings changed: every open document may read differently."""
        ls = self.server
        if ls.shutdown_received:
            return
        if not ls.client.pull:
            for uri in list(ls.workspace.text_documents):
                # debounced: typing in models.py must not queue a check per key
                self.schedule(uri, self._quiet_period(uri))
            return
        self.changed.set()
        if ls.client.refresh:
            ls.spawn(ls.workspace_diagnostic_refresh_async(None), "asking for a refresh")

    def cancel_all(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pending.clear()

    # -- pull -------------------------------------------------------------------------------

    async def pull(self, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
        result = await self.current(params.text_document.uri)
        if result is None:
            return convert.full_report([], "empty")
        if params.previous_result_id == result.result_id:
            return convert.unchanged_report(result.result_id)
        return convert.full_report(list(result.diagnostics), result.result_id)

    async def pull_workspace(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        """Open documents at their versions, the other project files from disk. Held open
        (long poll) while nothing changed, so a client that re-asks at once does not spin."""
        previous = {item.uri: item.value for item in params.previous_result_ids}
        while True:
            self.changed.clear()
            items = await self._workspace_items(previous)
            if any(isinstance(i, types.WorkspaceFullDocumentDiagnosticReport) for i in items):
                return types.WorkspaceDiagnosticReport(items=items)
            if not previous:
                return types.WorkspaceDiagnosticReport(items=items)
            await self.changed.wait()

    async def _workspace_items(self, previous: dict[str, str]) -> list[Any]:
        ls = self.server
        items: list[Any] = []
        for project in list(ls.projects.values()):
            await project.ready()
        for uri in list(ls.workspace.text_documents):
            result = await self.current(uri)
            if result is None:
                continue
            same = previous.get(uri) == result.result_id
            diagnostics = None if same else list(result.diagnostics)
            items.append(
                convert.workspace_report(uri, result.version, diagnostics, result.result_id)
            )
        for project in list(ls.projects.values()):
            for path in await project.run(_project_files, project):
                if path in ls.open_paths or ls.project_of(path) is not project:
                    continue  # open, or in a project nested in this one
                item = await self._closed_file_item(path, previous, project)
                if item is not None:
                    items.append(item)
        return items

    async def _closed_file_item(
        self, path: Path, previous: dict[str, str], project: Project
    ) -> Any:
        try:
            stat = path.stat()
        except OSError:
            return None
        stamp = (stat.st_mtime_ns, stat.st_size, project.epoch)
        uri = path_to_uri(path)
        known = self.workspace_results.get(path)
        if known is not None and known[0] == stamp and previous.get(uri) == known[1]:
            return convert.workspace_report(uri, None, None, known[1])
        text, _ = read_source(path)
        if text is None or not might_matter(text):
            return None
        if path not in project.overlay and project.is_index_source(path):
            # A change on disk the client did not report (no file watching): the index takes
            # it as from a watcher, and the epoch moves if model facts changed.
            project.queue_update(path, text)
        epoch, findings = await project.check(text, path)
        snapshot = Snapshot(uri, path, None, text, split_lines(text))
        diagnostics = await project.run(self._convert, snapshot, findings)
        result_id = f"disk.{stat.st_mtime_ns}.{epoch}"
        self.workspace_results[path] = (stamp, result_id)
        return convert.workspace_report(uri, None, diagnostics, result_id)


def _project_files(project: Project) -> list[Path]:
    files = iter_python_files([project.root], project.settings, project.root)
    return [path.resolve() for path in files]


def register_pull(ls: IntegrityServer) -> None:
    """Advertise pull diagnostics (called from `initialize`, for clients that can pull)."""
    options = types.DiagnosticOptions(
        identifier="integrity-lsp", inter_file_dependencies=True, workspace_diagnostics=True
    )

    @guarded(lambda: convert.full_report([], "error"))
    async def document_diagnostic(
        ls: IntegrityServer, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        return await ls.diagnostics.pull(params)

    @guarded(lambda: types.WorkspaceDiagnosticReport(items=[]))
    async def workspace_diagnostic(
        ls: IntegrityServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        return await ls.diagnostics.pull_workspace(params)

    ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, options)(document_diagnostic)
    ls.feature(types.WORKSPACE_DIAGNOSTIC)(workspace_diagnostic)
