"""The language server: one `IntegrityServer`, its lifecycle, and `start()` for the CLI.

Each LSP feature lives in its own module (`sync`, `diagnostics`, `code_actions`, `hover`,
`commands`, `configuration`) and registers its handlers here. Every handler is wrapped by
`guarded`: an exception is logged to `window/logMessage` and the request still gets an answer,
so a half-typed file can never crash the server or pop up an error.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from integrity_lsp._version import __version__
from integrity_lsp.checker import find_root
from integrity_lsp.server.convert import FileView, Positions
from integrity_lsp.server.documents import (
    Snapshot,
    path_to_uri,
    safe_workspace,
    split_lines,
    uri_to_path,
)
from integrity_lsp.server.project import Project
from integrity_lsp.syntax.files import read_project_text

if TYPE_CHECKING:
    from pygls.server import ServerErrors

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class ClientFeatures:
    """What the client can do, read once from its capabilities."""

    pull: bool = False
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
            pull=get_capability(caps, "text_document.diagnostic", None) is not None,
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


class IntegrityProtocol(LanguageServerProtocol):
    """pygls 2.1.1 keeps the future of every notification it handled (and of every handler a
    built-in feature delegates to) in `_request_futures` for ever: ~3 KB per keystroke. Done
    futures are dropped here; a request's own callback pops its entry with a default."""

    PURGE_EVERY = 64

    _handled = 0

    def handle_message(self, message: Any) -> None:
        super().handle_message(message)
        self._handled += 1
        if self._handled % self.PURGE_EVERY == 0:
            for key, future in list(self._request_futures.items()):
                if future.done():
                    self._request_futures.pop(key, None)


class IntegrityServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("integrity-lsp", __version__, protocol_cls=IntegrityProtocol)
        from integrity_lsp.server.configuration import ConfigState
        from integrity_lsp.server.diagnostics import DiagnosticsEngine

        self.client = ClientFeatures()
        self.project: Project | None = None
        self.config = ConfigState()
        self.diagnostics = DiagnosticsEngine(self)
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

    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        self.log(f"integrity-lsp: internal error ({source.__name__}): {error}")

    # -- background work ------------------------------------------------------------------

    def spawn(self, coroutine: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run `coroutine` in the background; its exception, if any, goes to the log."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
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
        return Snapshot.of(document)

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
            text = self.project.read_text(path) if self.project else read_project_text(path)
            version = None
        lines = split_lines(text or "")
        exists = document is not None or path.exists()
        return FileView(uri, Positions(lines, self.workspace.position_codec), version, exists)

    def ensure_project(self, path: Path | None = None) -> Project | None:
        """The project; without a workspace root, the one around the first opened file."""
        if self.project is None and path is not None:
            from integrity_lsp.server.configuration import reload

            self.project = self.new_project(find_root(path))
            self.spawn(reload(self, initial=True), "building the project index")
        return self.project

    def new_project(self, root: Path) -> Project:
        project = Project(root)
        project.on_change = self.diagnostics.refresh_all
        return project


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

        return cast(F, wrapper)

    return decorate


def _none() -> None:
    return None


def root_of(params: types.InitializeParams) -> Path | None:
    for folder in params.workspace_folders or []:
        path = uri_to_path(folder.uri)
        if path is not None:
            return path
    if params.root_uri:
        path = uri_to_path(params.root_uri)
        if path is not None:
            return path
    if params.root_path:
        return Path(params.root_path).resolve()
    return None


@guarded(_none)
async def initialize(ls: IntegrityServer, params: types.InitializeParams) -> None:
    from integrity_lsp.server import diagnostics

    ls.protocol._workspace = safe_workspace(ls.workspace, params)
    ls.client = ClientFeatures.of(params.capabilities)
    ls.config.initialization = params.initialization_options
    root = root_of(params)
    if root is not None:
        ls.project = ls.new_project(root)
    if ls.client.pull:
        diagnostics.register_pull(ls)


@guarded(_none)
async def initialized(ls: IntegrityServer, params: types.InitializedParams) -> None:
    from integrity_lsp.server.configuration import register_configuration, reload
    from integrity_lsp.server.sync import register_watchers

    ls.spawn(register_watchers(ls), "registering file watchers")
    ls.spawn(register_configuration(ls), "registering for configuration changes")
    if ls.project is not None:
        await reload(ls, initial=True)


def shutdown(ls: IntegrityServer, params: None) -> None:
    """Synchronous, so that pygls marks the shutdown before it reads the `exit` after it."""
    ls.shutdown_received = True
    try:
        ls.diagnostics.cancel_all()
        if ls.project is not None:
            ls.project.close()
    except Exception:
        ls.log_exception("shutdown")


def exit_(ls: IntegrityServer, params: None) -> None:
    ls.exit_received = True


def create_server() -> IntegrityServer:
    from integrity_lsp.server import code_actions, commands, configuration, hover, sync

    server = IntegrityServer()
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.EXIT)(exit_)
    for module in (sync, configuration, code_actions, hover, commands):
        module.register(server)
    return server


def start(tcp: str | None = None) -> int:
    """Serve on stdio (or on TCP `HOST:PORT`); returns the process exit status."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = create_server()
    # Import the rules now, while the editor is still starting, not inside the first check.
    from integrity_lsp.rules import load_rules

    load_rules()
    try:
        if tcp:
            host, _, port = tcp.rpartition(":")
            server.start_tcp(host or "127.0.0.1", int(port))
        else:
            server.start_io()
    finally:
        if server.project is not None:
            server.project.close()
    return 1 if server.exit_received and not server.shutdown_received else 0
