"""A thin driver for a real `integrity-lsp serve` over stdio (pytest-lsp), with what the
robustness tests need: documents with versions, every publish recorded with its version, the
server's memory, errors it logged, ranges checked against the document in the negotiated
encoding."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from integrity_lsp.server.documents import path_to_uri

SERVER = [sys.executable, "-m", "integrity_lsp", "serve"]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def lsp_lines(text: str) -> list[str]:
    """The document's lines as LSP counts them (only \\r\\n, \\r and \\n end a line)."""
    return _LINE_BREAK.split(text)


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


def range_problem(lsp_range: types.Range, text: str, encoding: str) -> str | None:
    """Why a range does not lie inside the document (None when it does)."""
    lines = lsp_lines(text)
    for position in (lsp_range.start, lsp_range.end):
        if not 0 <= position.line < len(lines):
            return f"line {position.line} outside 0..{len(lines) - 1}"
        width = units(lines[position.line], encoding)
        if not 0 <= position.character <= width:
            return f"character {position.character} outside line {position.line} (width {width})"
    start, end = lsp_range.start, lsp_range.end
    if (end.line, end.character) < (start.line, start.character):
        return "ends before it starts"
    return None


@dataclass
class Driver:
    client: LanguageClient
    root: Path
    capabilities_of: str = "visual-studio-code"
    versions: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    published: list[types.PublishDiagnosticsParams] = field(default_factory=list)

    def __post_init__(self) -> None:
        features = self.client.protocol.fm.features
        original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

        def record(params: types.PublishDiagnosticsParams) -> Any:
            self.published.append(params)
            return original(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
        def register(params: types.RegistrationParams) -> None:
            return None

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)  # type: ignore[untyped-decorator]
        def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            return types.ApplyWorkspaceEditResult(applied=False)

    # -- session ---------------------------------------------------------------------------

    async def initialize(self, options: Any = None) -> types.InitializeResult:
        root_uri = path_to_uri(self.root.resolve())
        return await self.client.initialize_session(
            types.InitializeParams(
                capabilities=client_capabilities(self.capabilities_of),
                root_uri=root_uri,
                workspace_folders=[types.WorkspaceFolder(uri=root_uri, name="project")],
                initialization_options=options,
            )
        )

    @property
    def encoding(self) -> str:
        caps = self.client.capabilities
        general = caps.general if caps is not None else None
        if general is None or not general.position_encodings:
            return "utf-16"
        return str(general.position_encodings[0])

    @property
    def pid(self) -> int:
        server = self.client._server
        assert server is not None
        return int(server.pid)

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match is not None
        return int(match.group(1))

    def errors(self) -> list[str]:
        """What the server logged as errors (a handler that failed, an internal error)."""
        return [
            message.message
            for message in self.client.log_messages
            if message.type == types.MessageType.Error or "Traceback" in message.message
        ]

    def warnings_shown(self) -> list[str]:
        return [m.message for m in self.client.messages if m.type == types.MessageType.Warning]

    # -- documents -------------------------------------------------------------------------

    def uri(self, relative: str) -> str:
        return path_to_uri((self.root / relative).resolve())

    def open(self, relative: str, text: str | None = None, *, resolve: bool = True) -> str:
        """Open a project file; `resolve=False` names it by its path in the project, as an
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

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        self.versions.pop(uri, None)
        self.texts.pop(uri, None)

    def replace_all(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.texts[uri] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        return self.versions[uri]

    def append(self, uri: str, added: str) -> int:
        """An incremental change inserting `added` at the end of the document."""
        text = self.texts[uri]
        lines = lsp_lines(text)
        end = types.Position(line=len(lines) - 1, character=units(lines[-1], self.encoding))
        self.versions[uri] += 1
        self.texts[uri] = text + added
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=end, end=end), text=added
                    )
                ],
            )
        )
        return self.versions[uri]

    # -- requests --------------------------------------------------------------------------

    async def pull(self, uri: str) -> Sequence[types.Diagnostic]:
        report = await self.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), report
        return report.items

    async def hover(self, uri: str, line: int, character: int) -> tuple[float, Any]:
        """(seconds to answer, the hover)."""
        started = time.monotonic()
        result = await self.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
            )
        )
        return time.monotonic() - started, result

    async def code_actions(
        self, uri: str, diagnostics: Sequence[types.Diagnostic]
    ) -> list[types.CodeAction]:
        end_line = len(lsp_lines(self.texts[uri])) - 1
        whole = types.Range(
            start=types.Position(line=0, character=0),
            end=types.Position(line=end_line, character=0),
        )
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostics[0].range if diagnostics else whole,
                context=types.CodeActionContext(diagnostics=list(diagnostics)),
            )
        )
        actions = []
        for action in result or []:
            if isinstance(action, types.CodeAction):
                if action.edit is None and action.data is not None:
                    action = await self.client.code_action_resolve_async(action)
                actions.append(action)
        return actions

    async def settle(self, uri: str, version: int, timeout: float = 900.0) -> None:
        """Wait until diagnostics for `version` of `uri` were published (the bound only ends
        a hung run: a loaded machine is slow, not wrong)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.uri == uri and p.version == version for p in self.published):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no diagnostics published for version {version} of {uri}")


def edits_of(edit: types.WorkspaceEdit | None) -> dict[str, list[types.TextEdit]]:
    """The text edits of a WorkspaceEdit per URI (changes and documentChanges)."""
    found: dict[str, list[types.TextEdit]] = {}
    if edit is None:
        return found
    for uri, edits in (edit.changes or {}).items():
        found.setdefault(uri, []).extend(edits)
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            found.setdefault(change.text_document.uri, []).extend(
                e for e in change.edits if isinstance(e, types.TextEdit)
            )
    return found


def touched_uris(edit: types.WorkspaceEdit | None) -> set[str]:
    """Every URI a WorkspaceEdit writes, creates, renames or deletes."""
    uris = set(edits_of(edit))
    for change in (edit.document_changes if edit else None) or []:
        if isinstance(change, types.CreateFile | types.DeleteFile):
            uris.add(change.uri)
        elif isinstance(change, types.RenameFile):
            uris.update((change.old_uri, change.new_uri))
    return uris


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply LSP text edits (positions in `encoding`) to `text`."""
    lines = _LINE_BREAK.split(text)
    breaks = _LINE_BREAK.findall(text)
    starts = [0]
    for line, brk in zip(lines, breaks, strict=False):
        starts.append(starts[-1] + len(line) + len(brk))

    def offset(position: types.Position) -> int:
        line = lines[position.line]
        column = 0
        while column < len(line) and units(line[: column + 1], encoding) <= position.character:
            column += 1
        return starts[position.line] + column

    spans = sorted(
        ((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
