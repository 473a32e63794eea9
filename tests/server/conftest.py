"""A real `integrity-lsp serve` process driven by pytest-lsp with the captured capabilities of
VS Code, Neovim 0.11 and Emacs 29, on a copy of a small Django project."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.workspace import PositionCodec
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, make_test_lsp_client

from integrity_lsp.server.documents import SafeTextDocument, path_to_uri

FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SERVER = [sys.executable, "-m", "integrity_lsp", "serve"]
CLIENTS = ["visual-studio-code", "neovim@v0.11.0", "emacs"]
TIMEOUT = 20.0


def copy_fixture(name: str, destination: Path) -> Path:
    target = destination / name
    shutil.copytree(FIXTURES / name, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@dataclass
class Session:
    """The client, its capabilities and the project, with helpers that work for push and
    pull clients alike."""

    client: LanguageClient
    name: str
    root: Path
    registrations: list[types.Registration] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    @property
    def caps(self) -> types.ClientCapabilities:
        assert self.client.capabilities is not None
        return self.client.capabilities

    @property
    def can_pull(self) -> bool:
        return (
            self.caps.text_document is not None and self.caps.text_document.diagnostic is not None
        )

    @property
    def pull(self) -> bool:
        """Whether the server serves this client by pull: only when it can also be asked to
        pull again (Neovim pulls without `refreshSupport`, so it gets pushes)."""
        workspace = self.caps.workspace
        refresh = (
            workspace is not None
            and workspace.diagnostics is not None
            and bool(workspace.diagnostics.refresh_support)
        )
        return self.can_pull and refresh

    @property
    def encoding(self) -> str:
        general = self.caps.general
        if general is None or not general.position_encodings:
            return "utf-16"
        return str(general.position_encodings[0])

    def uri(self, relative: str) -> str:
        return path_to_uri((self.root / relative).resolve())

    async def initialize(
        self, options: Any = None, capabilities: types.ClientCapabilities | None = None
    ) -> types.InitializeResult:
        return await self.client.initialize_session(
            types.InitializeParams(
                capabilities=capabilities or client_capabilities(self.name),
                root_uri=path_to_uri(self.root.resolve()),
                workspace_folders=[
                    types.WorkspaceFolder(uri=path_to_uri(self.root.resolve()), name="project")
                ],
                initialization_options=options,
            )
        )

    def open(self, relative: str, text: str | None = None, *, resolve: bool = True) -> str:
        """Open a project file; `resolve=False` names it by its path in the project as the
        editor does (a symlink stays a symlink)."""
        uri = self.uri(relative) if resolve else path_to_uri(self.root.resolve() / relative)
        if text is None:
            text = (self.root / relative).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        return uri

    def edit(self, uri: str, edits: Sequence[types.TextEdit]) -> str:
        """Apply edits (in the negotiated encoding) as incremental changes, last first."""
        ordered = sorted(
            edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
        )
        changes: list[types.TextDocumentContentChangeEvent] = [
            types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in ordered
        ]
        document = SafeTextDocument(
            uri, self.texts[uri], position_codec=PositionCodec(self.encoding)
        )
        for change in changes:
            document.apply_change(change)
        self.texts[uri] = document.source
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=changes,
            )
        )
        return document.source

    def replace_all(self, uri: str, text: str) -> None:
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    async def diagnostics(
        self,
        uri: str,
        until: Callable[[Sequence[types.Diagnostic]], bool] = lambda _: True,
        timeout: float = TIMEOUT,
    ) -> Sequence[types.Diagnostic]:
        """The document's diagnostics once `until` holds (pulled, or as last published)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Sequence[types.Diagnostic] | None = None
        while loop.time() < deadline:
            if self.pull:
                report = await self.client.text_document_diagnostic_async(
                    types.DocumentDiagnosticParams(
                        text_document=types.TextDocumentIdentifier(uri=uri)
                    )
                )
                assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
                last = report.items
            elif self._published_current(uri):
                last = self.client.diagnostics.get(uri)
            if last is not None and until(last):
                return last
            await asyncio.sleep(0.05)
        raise AssertionError(f"diagnostics never matched; last: {last}")

    def _published_current(self, uri: str) -> bool:
        """Whether the last publication is for the version the client has now: an earlier
        version's diagnostics can match `until` by chance (say, after one of two quick edits)."""
        published = PUBLISHED.get(id(self.client), {}).get(uri)
        if not published:
            return False
        return published[-1] is None or published[-1] == self.versions.get(uri, published[-1])

    def as_client_keeps(self, diagnostic: types.Diagnostic) -> types.Diagnostic:
        """The diagnostic as this client sends it back (Emacs drops `data`)."""
        caps = self.caps.text_document
        keeps = (
            caps is not None
            and caps.publish_diagnostics is not None
            and bool(caps.publish_diagnostics.data_support)
        )
        if self.pull or keeps:
            return diagnostic
        return types.Diagnostic(
            range=diagnostic.range,
            message=diagnostic.message,
            severity=diagnostic.severity,
            code=diagnostic.code,
            source=diagnostic.source,
        )

    async def code_actions(
        self,
        uri: str,
        diagnostics: Sequence[types.Diagnostic],
        lsp_range: types.Range | None = None,
        only: list[str] | None = None,
    ) -> list[types.CodeAction]:
        target = lsp_range or diagnostics[0].range
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=target,
                context=types.CodeActionContext(
                    diagnostics=[self.as_client_keeps(d) for d in diagnostics],
                    only=only,
                ),
            )
        )
        actions = [a for a in result or [] if isinstance(a, types.CodeAction)]
        resolved = []
        for action in actions:
            if action.edit is None and action.data is not None:
                action = await self.client.code_action_resolve_async(action)
            resolved.append(action)
        return resolved

    def apply(self, edit: types.WorkspaceEdit | None) -> dict[str, str]:
        """Apply a WorkspaceEdit to the open documents (as didChange); the new texts."""
        assert edit is not None
        per_uri: dict[str, list[types.TextEdit]] = {}
        for uri, edits in (edit.changes or {}).items():
            per_uri.setdefault(uri, []).extend(edits)
        for change in edit.document_changes or []:
            assert isinstance(change, types.TextDocumentEdit)
            if change.text_document.version is not None:
                assert change.text_document.version == self.versions[change.text_document.uri]
            per_uri.setdefault(change.text_document.uri, []).extend(
                e for e in change.edits if isinstance(e, types.TextEdit)
            )
        return {uri: self.edit(uri, edits) for uri, edits in per_uri.items()}

    def character(self, text: str) -> int:
        """The length of `text` in the negotiated encoding's code units."""
        if self.encoding == "utf-8":
            return len(text.encode("utf-8"))
        if self.encoding == "utf-16":
            return len(text.encode("utf-16-le")) // 2
        return len(text)


def make_session(client: LanguageClient, name: str, root: Path) -> Session:
    session = Session(client, name, root)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
    def register(params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    @client.feature(types.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        session.apply(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    return session


_NAMES: dict[int, str] = {}


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(server_command=SERVER, client_factory=lambda: recording_client()),
    params=CLIENTS,
    ids=lambda p: p.split("@")[0],
)
async def lsp_client(request: pytest.FixtureRequest, client: LanguageClient) -> Any:
    _NAMES[id(client)] = request.param
    yield
    await client.shutdown_session()


@pytest.fixture
def lsp(lsp_client: LanguageClient, tmp_path: Path) -> Session:
    """A session on a fresh copy of the `lspshop` project (not initialized yet)."""
    return make_session(lsp_client, _NAMES[id(lsp_client)], copy_fixture("lspshop", tmp_path))


PUBLISHED: dict[int, dict[str, list[int | None]]] = {}


def recording_client() -> LanguageClient:
    """pytest-lsp's client, also recording the version of every publishDiagnostics."""
    client = make_test_lsp_client()
    versions: dict[str, list[int | None]] = {}
    PUBLISHED[id(client)] = versions
    default = DEFAULT_CLIENT_FEATURES[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params: types.PublishDiagnosticsParams) -> None:
        versions.setdefault(params.uri, []).append(params.version)
        default(client, params)

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    return client


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]
    config=ClientServerConfig(server_command=SERVER, client_factory=recording_client)
)
async def vscode_client(client: LanguageClient) -> Any:
    yield
    await client.shutdown_session()


@pytest.fixture
def examples(vscode_client: LanguageClient, tmp_path: Path) -> Session:
    """VS Code on a copy of the repository's `examples/` project."""
    root = tmp_path / "examples"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return make_session(vscode_client, "visual-studio-code", root)
