"""Settings from the editor: `initializationOptions` and `workspace/configuration`.

Both take the keys of `[tool.integrity-lsp]` (directly, or under an `integrity-lsp` table) and
override pyproject.toml, the client's answer last. Bad values become one `window/showMessage`
warning and the defaults are kept. `workspace/didChangeConfiguration` (and a change to
pyproject.toml) re-reads everything; the index is rebuilt only when a setting it depends on
changed, otherwise the open documents are just checked again.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability

from integrity_lsp.config import SECTION, ConfigError, Settings, load_settings
from integrity_lsp.server.base import IntegrityServer, guarded
from integrity_lsp.server.documents import path_to_uri, uri_to_fs_path
from integrity_lsp.server.project import Project
from integrity_lsp.server.roots import project_root, subfolder_patterns

# Settings that only filter or grade findings: changing them needs no new index.
FINDING_ONLY = ("select", "ignore", "per_file_ignores", "severity", "test_paths", "test_ignore")


def our_table(value: Any, *, nested_only: bool = False) -> Any:
    """The settings in `value`: its `integrity-lsp` entry, else (unless `nested_only`, as for
    didChangeConfiguration, which may carry every server's settings) the value itself. A value
    that is not a table is passed on, so that `Settings.merged` warns about it."""
    if isinstance(value, Mapping):
        for key in (SECTION, "integrity_lsp", "integrityLsp"):
            if key in value:
                return value[key]
        return None if nested_only else value
    return None if nested_only else value


async def client_settings(ls: IntegrityServer, project: Project) -> Any:
    """The client's answer for the section `integrity-lsp` in the project's folder, when it
    can be asked."""
    if not ls.client.configuration:
        return our_table(ls.config.pushed, nested_only=True)
    scope = path_to_uri(project.root)
    try:
        answer = await ls.workspace_configuration_async(
            types.ConfigurationParams(
                items=[types.ConfigurationItem(scope_uri=scope, section=SECTION)]
            )
        )
    except Exception as error:
        ls.log(f"integrity-lsp: workspace/configuration failed: {error}")
        return our_table(ls.config.pushed, nested_only=True)
    if not answer:
        return None
    return our_table(answer[0])


def compose(ls: IntegrityServer, project: Project, client: Any) -> Settings:
    try:
        settings = load_settings(project.root)
    except ConfigError as error:
        settings = Settings(warnings=(f"{error}; using the defaults",))
    settings = settings.merged(our_table(ls.config.initialization), "initializationOptions")
    settings = settings.merged(client, "workspace/configuration")
    if project.bounded:  # the folder's own files only (server/roots.py)
        settings = replace(settings, exclude=settings.exclude + subfolder_patterns(project.root))
    return settings


def announce(ls: IntegrityServer, project: Project, settings: Settings) -> None:
    """One warning for all bad settings, shown once per project and distinct set of
    problems (the project is named when there are several)."""
    shown = ls.config.shown.get(project.root, ())
    if settings.warnings and settings.warnings != shown:
        lines = "\n".join(f"- {warning}" for warning in settings.warnings)
        where = f" in {project.root}" if len(ls.projects) > 1 else ""
        message = f"integrity-lsp: some settings{where} were ignored (defaults used):\n{lines}"
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )
    ls.config.shown[project.root] = settings.warnings


def needs_new_index(old: Settings, new: Settings) -> bool:
    return any(
        getattr(old, name) != getattr(new, name)
        for name in Settings.__dataclass_fields__
        if name not in FINDING_ONLY and name != "warnings"
    )


def ensure_project(ls: IntegrityServer, path: Path, uri: str) -> Project:
    """The project of an open document (`server/roots.py`), found from the path its URI
    names (not resolved: a symlink inside a project belongs to it) and remembered for its
    resolved `path`: opened with its first file, its settings read and its index built in
    the background."""
    known = ls.project_of(path)
    if known is not None and path in ls.open_paths:
        return known
    project, new = ls.add_project(ls.root_of(uri_to_fs_path(uri) or path))
    ls.note_document_project(path, project)
    if new:
        ls.spawn(reload(ls, project, initial=True), "building the project index")
    return project


def open_workspace_folder(ls: IntegrityServer, folder: Path) -> Project | None:
    """The project of a workspace folder, indexed at once: the Django project it is or lies
    in, else the folder itself (`server/roots.py`); None when it is already open, or when the
    folder would only give a bounded project (the home folder, `/`): its files get projects as
    they are opened. Django projects further down get theirs with their first file."""
    root = project_root(folder, ls.workspace_folders)
    if root.bounded:
        return None
    project, new = ls.add_project(root)
    return project if new else None


async def reload_all(ls: IntegrityServer) -> None:
    for project in list(ls.projects.values()):
        await reload(ls, project)


async def reload(ls: IntegrityServer, project: Project, *, initial: bool = False) -> None:
    """Read every source of settings again; rebuild or re-check as little as needed."""
    if ls.projects.get(project.root) is not project:
        return  # closed meanwhile (its workspace folder was removed)
    async with ls.config.lock:
        settings = compose(ls, project, await client_settings(ls, project))
        announce(ls, project, settings)
        if initial or project.env is None or needs_new_index(project.settings, settings):
            await build_with_progress(ls, project, settings)
        elif settings != project.settings:
            project.use_settings(settings)


async def build_with_progress(ls: IntegrityServer, project: Project, settings: Settings) -> None:
    """Build the index on the analysis thread, behind work-done progress where supported."""
    build = ls.spawn(project.build(settings), "building the project index")
    token: str | None = None
    if ls.client.progress:
        token = f"integrity-lsp/index/{uuid.uuid4()}"
        try:
            await ls.work_done_progress.create_async(token)
        except Exception:
            token = None
    if token is not None:
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="integrity-lsp", message="Indexing models and migrations"
            ),
        )
    try:
        env = await asyncio.shield(build)
        message = f"Indexed {sum(1 for _ in env.index.models())} models" if env else "Done"
    except Exception:
        message = "Indexing failed; see the log"
    if token is not None:
        ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


async def did_change_configuration(
    ls: IntegrityServer, params: types.DidChangeConfigurationParams
) -> None:
    ls.config.pushed = params.settings
    await reload_all(ls)


async def register_configuration(ls: IntegrityServer) -> None:
    """Ask clients that need it to send didChangeConfiguration for our section."""
    path = "workspace.did_change_configuration.dynamic_registration"
    if not get_capability(ls.client_capabilities, path, False):
        return
    await ls.client_register_capability_async(
        types.RegistrationParams(
            registrations=[
                types.Registration(
                    id=f"integrity-lsp/configuration/{uuid.uuid4()}",
                    method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=types.DidChangeConfigurationRegistrationOptions(
                        section=SECTION
                    ),
                )
            ]
        )
    )


def register(server: IntegrityServer) -> None:
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(
        guarded(lambda: None)(did_change_configuration)
    )
