"""Open documents: pygls keeps their text in sync; lines are split the way parso splits them.

pygls's `TextDocument.lines` uses `str.splitlines`, which also breaks at a form feed, `\\v`,
`\\x1c`–`\\x1e`, `\\x85`, `\\u2028` and `\\u2029`; an incremental edit after such a character
lands on the wrong line. `SafeWorkspace` makes every document split only at `\\r\\n`, `\\r` and
`\\n`, like parso and like the LSP specification. Analysis works on a `Snapshot`: the text and
version of one moment, which later edits cannot change.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from parso.utils import split_lines as parso_split_lines
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument, Workspace

from integrity_lsp.syntax.files import read_project_text


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split only at `\\r\\n`, `\\r` and `\\n` (the last may be '')."""
    return parso_split_lines(text, keepends=True)


class SafeTextDocument(TextDocument):
    """A pygls document whose lines are split as the LSP specification splits them."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(split_lines(self.source))

    @property
    def source(self) -> str:
        """The text. A document pygls makes for a file that is not open (a change or a
        handler racing a `didClose`) reads the file as every project file is read -- a
        regular file, under the size cap -- never with pygls's plain read, which waits for
        ever on a FIFO."""
        if self._source is None and self.path is not None:
            return read_project_text(Path(self.path)) or ""
        return self._source or ""


class SafeWorkspace(Workspace):
    """A pygls workspace that creates `SafeTextDocument`s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return SafeTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )


def safe_workspace(old: Workspace, params: types.InitializeParams) -> SafeWorkspace:
    """A `SafeWorkspace` configured like the one pygls created for these params."""
    root_uri = params.root_uri
    if root_uri is None and params.root_path is not None:
        root_uri = from_fs_path(params.root_path)
    return SafeWorkspace(
        root_uri,
        old._sync_kind,
        list(params.workspace_folders or []),
        old.position_encoding,
    )


def uri_to_path(uri: str) -> Path | None:
    """The file a `file:` URI names, resolved; None for other schemes (`untitled:`)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path).resolve() if path else None


def untitled_path(uri: str, folder: Path) -> Path:
    """Where an untitled (new, never saved) document is taken to be, for its module name and
    its project: a name in `folder` that no saved file has, one per document."""
    digest = hashlib.sha256(uri.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return folder / f"untitled-{digest}.py"


def uri_to_fs_path(uri: str) -> Path | None:
    """The absolute path a `file:` URI names, symlinks not resolved; None for other schemes."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(os.path.abspath(path)) if path else None


def path_to_uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    return uri if uri is not None else path.as_uri()


@dataclass(frozen=True)
class Snapshot:
    """One document at one version: what a check, a hover or a code action works on."""

    uri: str
    path: Path
    version: int | None
    text: str
    lines: list[str] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def of(cls, document: TextDocument, path: Path | None = None) -> Snapshot | None:
        """The document now; `path` is where it is taken to be (default: its file)."""
        path = path or uri_to_path(document.uri)
        if path is None:
            return None
        text = document.source
        return cls(document.uri, path, document.version, text, split_lines(text))

    def line_text(self, line: int) -> str:
        """Line `line` (1-based) without its ending; empty past the end."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1].rstrip("\r\n")
        return ""
