"""The server object every LSP feature registers on, and what the features share.

`IntegrityServer` holds the client's capabilities, the project, the configuration state and the
diagnostics engine (made by the factory `server/app.py` passes in; features see it through
`Diagnostics`). Each feature module (`sync`, `configuration`, `diagnostics`, `code_actions`,
`hover`, `commands`) imports this module and registers its handlers in `register(server)`; only
`server/app.py` wires them. Every handler is wrapped by `guarded`: an exception is logged to
`window/logMessage` and the request still gets an answer, so a half-typed file can never crash
the server or pop up an error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from integrity_lsp._version import __version__
from integrity_lsp.findings import Finding
from integrity_lsp.server.convert import FileView, Positions
from integrity_lsp.server.documents import (
    Snapshot,
    path_to_uri,
    split_lines,
    untitled_path,
    uri_to_path,
)
from integrity_lsp.server.lifecycle import LifecycleProtocol
from integrity_lsp.server.project import AnalysisThread, Project
from integrity_lsp.server.roots import ProjectRoot, project_root
from integrity_lsp.syntax import files
from integrity_lsp.syntax.files import read_project_text, take_read_warnings

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


@dataclass
class ConfigState:
    """The editor's settings as last received, and the warnings already shown about them."""

    initialization: Any = None  # initializationOptions as sent
    pushed: Any = None  # settings sent in didChangeConfiguration (clients without pull)
    shown: dict[Path, tuple[str, ...]] = field(default_factory=dict)  # per project root
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class CheckResult:
    """One document's check: current for its version and the project epoch it was made in."""

    version: int | None
    epoch: int
    findings: tuple[Finding, ...]
    diagnostics: tuple[types.Diagnostic, ...]
    result_id: str

    @property
    def key(self) -> tuple[int, int]:
        return (-1 if self.version is None else self.version, self.epoch)


class Diagnostics(Protocol):
    """The diagnostics engine as the other features use it (`server/diagnostics.py`)."""

    async def current(self, uri: str) -> CheckResult | None: ...

    def schedule(self, uri: str, delay: float | None = None) -> None: ...

    def forget(self, uri: str) -> None: ...

    def refresh_all(self) -> None: ...

    def cancel_all(self) -> None: ...

    async def pull(
        self, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport: ...

    async def pull_workspace(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport: ...


@dataclass(frozen=True)
class ClientFeatures:
    """What the client can do, read once from its capabilities."""

    pull_requests: bool = False  # it can send textDocument/diagnostic
    refresh: bool = False
    document_changes: bool = False
    resolve_edit: bool = False
    markdown_hover: bool = False
    create_files: bool = False
    watch_files: bool = False
    configuration: bool = False
    progress: bool = False

    @classmethod
    def of(cls, caps: types.ClientCapabilities) -> ClientFeatures:
        resolve = get_capability(caps, "text_document.code_action.resolve_support", None)
        hover_formats = get_capability(caps, "text_document.hover.content_format", None) or []
        operations = get_capability(caps, "workspace.workspace_edit.resource_operations", None)
        return cls(
            pull_requests=get_capability(caps, "text_document.diagnostic", None) is not None,
            refresh=bool(get_capability(caps, "workspace.diagnostics.refresh_support", False)),
            document_changes=bool(
                get_capability(caps, "workspace.workspace_edit.document_changes", False)
            ),
            resolve_edit=resolve is not None and "edit" in (resolve.properties or []),
            markdown_hover=types.MarkupKind.Markdown in hover_formats,
            create_files=types.ResourceOperationKind.Create in (operations or []),
            watch_files=bool(
                get_capability(caps, "workspace.did_change_watched_files.dynamic_registration")
            ),
            configuration=bool(get_capability(caps, "workspace.configuration", False)),
            progress=bool(get_capability(caps, "window.work_done_progress", False)),
        )

    @property
    def pull(self) -> bool:
        """Whether diagnostics are pulled: only by a client the server can ask to pull again
        (`workspace/diagnostic/refresh`). Neovim pulls but cannot be asked: after a change
        in models.py its other buffers would keep stale diagnostics, so it gets pushes."""
        return self.pull_requests and self.refresh


class IntegrityProtocol(LifecycleProtocol):
    """pygls 2.1.1 keeps the future of every notification it handled (and of every handler a
    built-in feature delegates to) in `_request_futures` for ever: ~3 KB per keystroke. Done
    futures are dropped here; a request's own callback pops its entry with a default."""

    PURGE_EVERY = 64

    _handled = 0
    advertise_pull = True  # False: textDocument/diagnostic is answered but not advertised

    def _send_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        if isinstance(result, types.InitializeResult) and not self.advertise_pull:
            # A client that would pull without ever being asked to pull again is pushed to
            # instead; the handler stays, for a client that pulls anyway.
            result.capabilities.diagnostic_provider = None
        super()._send_response(msg_id, result, error)

    def handle_message(self, message: Any) -> None:
        super().handle_message(message)
        self._handled += 1
        if self._handled % self.PURGE_EVERY == 0:
            for key, future in list(self._request_futures.items()):
                if future.done():
                    self._request_futures.pop(key, None)


class IntegrityServer(LanguageServer):
    def __init__(self, diagnostics: Callable[[IntegrityServer], Diagnostics]) -> None:
        """`diagnostics` makes the engine behind `self.diagnostics` (app.py passes
        `server/diagnostics.DiagnosticsEngine`)."""
        super().__init__("integrity-lsp", __version__, protocol_cls=IntegrityProtocol)
        self.client = ClientFeatures()
        self.projects: dict[Path, Project] = {}  # by root: one per Django root in use
        self._roots: dict[Path, ProjectRoot] = {}  # folder -> the root of its files
        self._document_projects: dict[Path, Project] = {}  # resolved path -> its project
        self.workspace_folders: list[Path] = []  # as the client sent them
        # One analysis thread for every project: jedi must never run on two threads at once.
        self.analysis = AnalysisThread("integrity-analysis")
        self.config = ConfigState()
        self.diagnostics = diagnostics(self)
        self.open_paths: dict[Path, str] = {}  # resolved path -> URI of open documents
        self.shutdown_received = False
        self.exit_received = False
        self.flush_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- logging, never a popup -----------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # no client connected (yet / any more)
            log.warning("%s", message)

    def log_exception(self, what: str) -> None:
        self.log(
            f"integrity-lsp: {what} failed:\n{traceback.format_exc()}", types.MessageType.Error
        )

    def report_read_warnings(self) -> None:
        """What could not be read (a FIFO, a file over the size cap, a folder that cannot be
        entered), each once, to the log."""
        for warning in take_read_warnings():
            self.log(f"integrity-lsp: {warning}", types.MessageType.Warning)

    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        self.log(f"integrity-lsp: internal error ({source.__name__}): {error}")

    # -- background work ------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run `coroutine` in the background; its exception, if any, goes to the log."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            self.report_read_warnings()
            if not finished.cancelled() and finished.exception() is not None:
                error = finished.exception()
                self.log(
                    f"integrity-lsp: {what} failed: " + "".join(traceback.format_exception(error)),
                    types.MessageType.Error,
                )

        task.add_done_callback(done)
        return task

    # -- documents ------------------------------------------------------------------------

    def snapshot(self, uri: str) -> Snapshot | None:
        document = self.workspace.text_documents.get(uri)
        if document is None:
            return None
        return Snapshot.of(document, self.document_path(uri))

    def document_path(self, uri: str) -> Path | None:
        """The file a document is (resolved); an untitled Python document is taken to be a
        new file in the first workspace folder (else the working folder), so that it is
        checked in that folder's project. None for other schemes."""
        path = uri_to_path(uri)
        if path is None and uri.startswith("untitled:"):
            folder = self.workspace_folders[0] if self.workspace_folders else Path.cwd()
            path = untitled_path(uri, folder)
        return path

    def positions(self, snapshot: Snapshot) -> Positions:
        return Positions(snapshot.lines, self.workspace.position_codec)

    def file_view(self, path: Path) -> FileView:
        """URI, lines and open version of any file: the editor's text first, else the disk."""
        uri = self.open_paths.get(path) or path_to_uri(path)
        document = self.workspace.text_documents.get(uri)
        if document is not None:
            text: str | None = document.source
            version = document.version
        else:
            project = self.project_of(path)
            text = project.read_text(path) if project else read_project_text(path)
            version = None
        lines = split_lines(text or "")
        exists = document is not None or files.exists(path)
        return FileView(uri, Positions(lines, self.workspace.position_codec), version, exists)

    # -- projects -------------------------------------------------------------------------

    def root_of(self, path: Path) -> ProjectRoot:
        """The project root of a file (`server/roots.py`), remembered per folder."""
        folder = path.parent
        root = self._roots.get(folder)
        if root is None:
            root = self._roots[folder] = project_root(path, self.workspace_folders)
        return root

    def set_workspace_folders(self, folders: list[Path]) -> None:
        self.workspace_folders = folders
        self._roots.clear()

    def project_of(self, path: Path | None) -> Project | None:
        """The open project `path` belongs to, if it is open."""
        if path is None:
            return None
        known = self._document_projects.get(path)
        if known is not None and self.projects.get(known.root) is known:
            return known
        if path in self.projects:  # a workspace folder itself
            return self.projects[path]
        return self.projects.get(self.root_of(path).folder)

    def note_document_project(self, path: Path, project: Project) -> None:
        """An open document belongs to `project` (found from its name as the editor gives
        it: a symlink in the project to a file elsewhere stays in the project)."""
        self._document_projects[path] = project

    def add_project(self, root: ProjectRoot) -> tuple[Project, bool]:
        """The project for `root`, and whether it is new (its index is still to be built)."""
        project = self.projects.get(root.folder)
        if project is not None:
            return project, False
        project = Project(root.folder, bounded=root.bounded, executor=self.analysis)
        project.on_change = self.diagnostics.refresh_all
        self.projects[root.folder] = project
        return project, True

    def close_projects(self) -> None:
        for project in self.projects.values():
            project.close()
        self.analysis.shutdown(wait=False, cancel_futures=True)


def guarded(default: Callable[[], Any]) -> Callable[[F], F]:
    """Wrap an async handler: log any exception and answer with `default()` instead."""

    def decorate(handler: F) -> F:
        @functools.wraps(handler)
        async def wrapper(ls: IntegrityServer, *args: Any) -> Any:
            try:
                return await handler(ls, *args)
            except asyncio.CancelledError:
                raise
            except RecursionError:  # absurdly nested code: answer, but it is not our failure
                ls.log(f"integrity-lsp: {handler.__name__}: code too deeply nested; skipped")
                return default()
            except Exception:
                ls.log_exception(handler.__name__)
                return default()
            finally:
                ls.report_read_warnings()

        return cast(F, wrapper)

    return decorate
