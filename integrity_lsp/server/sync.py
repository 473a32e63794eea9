"""Document and file events: open, change, save, close, and watched files.

An open document's text is the overlay the analysis reads. A change to a file the index reads
(models, migrations, settings, apps) — typed but unsaved, saved, or changed on disk — is queued
for the index; when its model facts change every open document is checked again. File watching
is registered dynamically where the client allows it; didSave covers the other clients.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from lsprotocol import types

from integrity_lsp.server.base import IntegrityServer, guarded
from integrity_lsp.server.configuration import ensure_project, reload
from integrity_lsp.server.documents import uri_to_path
from integrity_lsp.syntax.files import read_project_text

INDEX_DELAY = 0.05  # seconds of quiet before typed changes to models/migrations reach the index
WATCHED = ("**/*.py", "**/pyproject.toml")


def _flush_soon(ls: IntegrityServer, delay: float = INDEX_DELAY) -> None:
    """Apply queued index updates after `delay`; coalesces, never cancels a running flush."""
    task = ls.flush_task
    if task is not None and not task.done():
        return

    async def flush() -> None:
        await asyncio.sleep(delay)
        while pending := [p for p in ls.projects.values() if p.has_pending_updates]:
            for project in pending:
                await project.flush_updates()

    ls.flush_task = ls.spawn(flush(), "updating the project index")


def _track(ls: IntegrityServer, uri: str, text: str) -> Path | None:
    path = ls.document_path(uri)
    if path is None:
        return None
    project = ensure_project(ls, path, uri)
    ls.open_paths[path] = uri
    project.overlay[path] = text
    project.note_change(path)
    if project.is_index_source(path):
        project.queue_update(path, text)
        _flush_soon(ls)
    return path


async def did_open(ls: IntegrityServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    _track(ls, document.uri, ls.workspace.get_text_document(document.uri).source)
    ls.diagnostics.schedule(document.uri, 0)


async def did_change(ls: IntegrityServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    _track(ls, uri, ls.workspace.get_text_document(uri).source)
    ls.diagnostics.schedule(uri)


async def did_save(ls: IntegrityServer, params: types.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    project = ls.project_of(path)
    if path is None or project is None:
        return
    if path.name == "pyproject.toml" and path.parent == project.root:
        await reload(ls, project)
    elif project.is_index_source(path):
        project.queue_update(path, project.read_text(path))
        _flush_soon(ls, 0)


async def did_close(ls: IntegrityServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.diagnostics.forget(uri)
    path = ls.document_path(uri)
    if path is None:
        return
    ls.open_paths.pop(path, None)
    project = ls.project_of(path)
    if project is None:
        return
    unsaved = project.close_document(path)
    if project.is_index_source(path):
        disk = read_project_text(path)
        if unsaved != disk:
            project.queue_update(path, disk)
            _flush_soon(ls, 0)


async def did_change_watched_files(
    ls: IntegrityServer, params: types.DidChangeWatchedFilesParams
) -> None:
    reload_settings = []
    for change in params.changes:
        path = uri_to_path(change.uri)
        project = ls.project_of(path)
        if path is None or project is None:
            continue
        if path.name == "pyproject.toml":
            if path.parent == project.root and project not in reload_settings:
                reload_settings.append(project)
        elif path.suffix == ".py" and path not in project.overlay and project.is_index_source(path):
            deleted = change.type == types.FileChangeType.Deleted
            project.queue_update(path, None if deleted else read_project_text(path))
    for project in ls.projects.values():
        project.note_change(None)
    if any(project.has_pending_updates for project in ls.projects.values()):
        _flush_soon(ls, 0)
    for project in reload_settings:
        await reload(ls, project)


async def register_watchers(ls: IntegrityServer) -> None:
    if not ls.client.watch_files:
        return
    await ls.client_register_capability_async(
        types.RegistrationParams(
            registrations=[
                types.Registration(
                    id=f"integrity-lsp/watch/{uuid.uuid4()}",
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(
                        watchers=[types.FileSystemWatcher(glob_pattern=g) for g in WATCHED]
                    ),
                )
            ]
        )
    )


def register(server: IntegrityServer) -> None:
    def nothing() -> None:
        return None

    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(guarded(nothing)(did_open))
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(guarded(nothing)(did_change))
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(guarded(nothing)(did_save))
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(guarded(nothing)(did_close))
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(
        guarded(nothing)(did_change_watched_files)
    )
