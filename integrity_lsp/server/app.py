"""The language server's wiring: one `IntegrityServer` with every feature registered on it, the
lifecycle (initialize, initialized, shutdown, exit), and `start()` for the CLI. The server
object and `guarded` live in `server/base.py`; each feature (`sync`, `configuration`,
`diagnostics`, `code_actions`, `hover`, `commands`) registers its own handlers.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from lsprotocol import types

from integrity_lsp.rules import load_rules
from integrity_lsp.server import (
    code_actions,
    commands,
    configuration,
    diagnostics,
    hover,
    sync,
    transport,
)
from integrity_lsp.server.base import ClientFeatures, IntegrityProtocol, IntegrityServer, guarded
from integrity_lsp.server.documents import safe_workspace, uri_to_path


def _none() -> None:
    return None


def folders_of(params: types.InitializeParams) -> list[Path]:
    """The workspace folders the client sent (else its root)."""
    folders = [uri_to_path(folder.uri) for folder in params.workspace_folders or []]
    found = [folder for folder in folders if folder is not None]
    if found:
        return found
    if params.root_uri:
        path = uri_to_path(params.root_uri)
        if path is not None:
            return [path]
    if params.root_path:
        return [Path(params.root_path).resolve()]
    return []


@guarded(_none)
async def initialize(ls: IntegrityServer, params: types.InitializeParams) -> None:
    ls.protocol._workspace = safe_workspace(ls.workspace, params)
    ls.client = ClientFeatures.of(params.capabilities)
    ls.config.initialization = params.initialization_options
    ls.set_workspace_folders(folders_of(params))
    for folder in ls.workspace_folders:
        configuration.open_workspace_folder(ls, folder)
    if ls.client.pull_requests:
        diagnostics.register_pull(ls)
    if isinstance(ls.protocol, IntegrityProtocol):
        ls.protocol.advertise_pull = ls.client.pull


@guarded(_none)
async def initialized(ls: IntegrityServer, params: types.InitializedParams) -> None:
    ls.spawn(sync.register_watchers(ls), "registering file watchers")
    ls.spawn(configuration.register_configuration(ls), "registering for configuration changes")
    for project in list(ls.projects.values()):
        ls.spawn(configuration.reload(ls, project, initial=True), "building the project index")


@guarded(_none)
async def did_change_workspace_folders(
    ls: IntegrityServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    """A folder added (`add_workspace_folder`, a VS Code multi-root workspace) is its own
    project; the projects under a removed folder are closed unless a document is open in
    them."""
    removed_folders = {uri_to_path(removed.uri) for removed in params.event.removed}
    added_folders = [uri_to_path(added.uri) for added in params.event.added]
    ls.set_workspace_folders(
        [f for f in ls.workspace_folders if f not in removed_folders]
        + [f for f in added_folders if f is not None]
    )
    for folder in removed_folders:
        if folder is None:
            continue
        for root, project in list(ls.projects.items()):
            inside = root == folder or folder in root.parents
            if inside and not any(ls.project_of(path) is project for path in ls.open_paths):
                del ls.projects[root]
                project.close()
    for added in params.event.added:
        folder = uri_to_path(added.uri)
        new = configuration.open_workspace_folder(ls, folder) if folder else None
        if new is not None:
            ls.spawn(configuration.reload(ls, new, initial=True), "building the project index")


def shutdown(ls: IntegrityServer, params: None) -> None:
    """Synchronous, so that pygls marks the shutdown before it reads the `exit` after it."""
    ls.shutdown_received = True
    try:
        ls.diagnostics.cancel_all()
        ls.close_projects()
    except Exception:
        ls.log_exception("shutdown")


def exit_(ls: IntegrityServer, params: None) -> None:
    ls.exit_received = True


def create_server() -> IntegrityServer:
    server = IntegrityServer(diagnostics.DiagnosticsEngine)
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.EXIT)(exit_)
    server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(did_change_workspace_folders)
    for module in (sync, configuration, code_actions, hover, commands):
        module.register(server)
    return server


def start(tcp: str | None = None) -> int:
    """Serve on stdio (or on TCP `HOST:PORT`); returns the process exit status."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = create_server()
    load_rules()  # import the rules now, while the editor is still starting, not in the first check
    try:
        if tcp:
            host, _, port = tcp.rpartition(":")
            transport.serve_tcp(server, host or "127.0.0.1", int(port))
        else:
            transport.serve_stdio(server)
    finally:
        server.close_projects()
    return 1 if server.exit_received and not server.shutdown_received else 0
