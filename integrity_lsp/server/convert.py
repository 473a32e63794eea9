"""Every conversion between the checker's records and lsprotocol objects, in one place.

Inside the package, positions are parso's (1-based line, 0-based code-point column); the client
counts columns in the negotiated encoding (UTF-8, UTF-16 or UTF-32 code units). `Positions`
converts for one text, through the document's pygls position codec and lines split as parso
splits them. Fixes travel in `Diagnostic.data` as plain JSON with parso spans, so a code action
can rebuild them exactly, whatever the encoding.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.workspace import PositionCodec

from integrity_lsp.analysis.registry import Rule
from integrity_lsp.findings import Edit, Finding, Fix, Severity, Span
from integrity_lsp.project.installed_django import real_place as installed_real_place

SOURCE = "integrity-lsp"
FIX_ALL_KIND = "source.fixAll.integrity-lsp"
DATA_VERSION = 1

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


class Positions:
    """parso coordinates <-> LSP positions for one text in the negotiated encoding."""

    def __init__(self, lines: Sequence[str], codec: PositionCodec) -> None:
        self.lines = lines if lines else [""]
        self.codec = codec

    def _text(self, index: int) -> str:
        return self.lines[index].rstrip("\r\n")

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of parso's (line, column); clamped to the text."""
        if line < 1:
            return types.Position(line=0, character=0)
        index = line - 1
        if index >= len(self.lines):
            index = len(self.lines) - 1
            column = len(self._text(index))
        text = self._text(index)
        units = self.codec.client_num_units(text[: max(0, min(column, len(text)))])
        return types.Position(line=index, character=units)

    def range(self, span: Span) -> types.Range:
        return types.Range(
            start=self.position(span.start_line, span.start_column),
            end=self.position(span.end_line, span.end_column),
        )

    def point(self, position: types.Position) -> tuple[int, int]:
        """parso's (line, column) of an LSP position; clamped to the text."""
        if position.line >= len(self.lines):
            last = len(self.lines) - 1
            return last + 1, len(self._text(last))
        text = self._text(max(0, position.line))
        units = 0
        column = 0
        for char in text:
            if units >= position.character:
                break
            units += self.codec.client_num_units(char)
            column += 1
        return max(0, position.line) + 1, column

    def span(self, lsp_range: types.Range) -> Span:
        start = self.point(lsp_range.start)
        end = self.point(lsp_range.end)
        return Span(start[0], start[1], end[0], end[1])


@dataclass(frozen=True)
class FileView:
    """What conversion needs to know about a file: its URI, lines and open version."""

    uri: str
    positions: Positions
    version: int | None  # None when the file is not open in the editor
    exists: bool = True  # False: a fix creates it


FileViews = Callable[[Path], FileView]


def severity(value: Severity) -> types.DiagnosticSeverity:
    return SEVERITIES.get(value, types.DiagnosticSeverity.Warning)


def diagnostic(
    finding: Finding,
    positions: Positions,
    files: FileViews,
    rule: Rule | None,
    version: int | None,
) -> types.Diagnostic:
    related = []
    for place in finding.related:
        found = location(place.path, place.span, files)
        if found is not None:
            related.append(
                types.DiagnosticRelatedInformation(
                    location=found, message=place.message or place.path.name
                )
            )
    return types.Diagnostic(
        range=positions.range(finding.span),
        message=finding.message,
        severity=severity(finding.severity),
        code=finding.code,
        code_description=types.CodeDescription(href=rule.url) if rule is not None else None,
        source=SOURCE,
        related_information=related or None,
        data=finding_data(finding, version),
    )


def real_place(path: Path, span: Span) -> tuple[Path, Span] | None:
    """Where a link can point: a built-in Django model's definition in the installed Django
    (`project/installed_django.py`); None when there is no such file, never a made-up path."""
    return installed_real_place(path, span)


def location(path: Path, span: Span, files: FileViews) -> types.Location | None:
    place = real_place(path, span)
    if place is None:
        return None
    view = files(place[0])
    return types.Location(uri=view.uri, range=view.positions.range(place[1]))


def location_json(path: Path, span: Span, title: str, files: FileViews) -> dict[str, Any] | None:
    """A location as the `integrity-lsp.explain` command returns it (plain JSON)."""
    place = real_place(path, span)
    if place is None:
        return None
    path, span = place
    view = files(path)
    lsp_range = view.positions.range(span)
    return {
        "uri": view.uri,
        "range": {
            "start": {"line": lsp_range.start.line, "character": lsp_range.start.character},
            "end": {"line": lsp_range.end.line, "character": lsp_range.end.character},
        },
        "title": title,
    }


# -- fixes in Diagnostic.data --------------------------------------------------------------


def fix_json(fix: Fix) -> dict[str, Any]:
    return {
        "title": fix.title,
        "applicability": fix.applicability.value,
        "edits": [
            {
                "path": str(edit.path),
                "span": [
                    edit.span.start_line,
                    edit.span.start_column,
                    edit.span.end_line,
                    edit.span.end_column,
                ],
                "content": edit.content,
            }
            for edit in fix.edits
        ],
    }


def finding_data(finding: Finding, version: int | None) -> dict[str, Any]:
    return {
        "v": DATA_VERSION,
        "code": finding.code,
        "version": version,
        "fixes": [fix_json(fix) for fix in finding.fixes],
    }


# -- edits ---------------------------------------------------------------------------------


def text_edit(edit: Edit, positions: Positions) -> types.TextEdit:
    return types.TextEdit(range=positions.range(edit.span), new_text=edit.content)


def workspace_edit(
    edits: Iterable[Edit], files: FileViews, *, document_changes: bool
) -> types.WorkspaceEdit:
    """One WorkspaceEdit for edits in any number of files: versioned `documentChanges` where
    the client supports them (a file a fix creates is a `CreateFile` first), `changes`
    otherwise."""
    by_path: dict[Path, list[Edit]] = defaultdict(list)
    for edit in edits:
        by_path[edit.path].append(edit)
    if document_changes:
        changes: list[types.TextDocumentEdit | types.CreateFile] = []
        for path, path_edits in by_path.items():
            view = files(path)
            if not view.exists:
                changes.append(
                    types.CreateFile(
                        uri=view.uri,
                        options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True),
                    )
                )
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=view.uri, version=view.version
                    ),
                    edits=[text_edit(e, view.positions) for e in sorted(path_edits, key=_order)],
                )
            )
        return types.WorkspaceEdit(document_changes=changes)
    plain: dict[str, list[types.TextEdit]] = {}
    for path, path_edits in by_path.items():
        view = files(path)
        plain[view.uri] = [text_edit(e, view.positions) for e in sorted(path_edits, key=_order)]
    return types.WorkspaceEdit(changes=plain)


def _order(edit: Edit) -> Span:
    return edit.span


def edits_of(edit: types.WorkspaceEdit | None) -> dict[str, list[types.TextEdit]]:
    """The text edits of a WorkspaceEdit per URI, whichever form it takes."""
    found: dict[str, list[types.TextEdit]] = defaultdict(list)
    if edit is None:
        return found
    for uri, edits in (edit.changes or {}).items():
        found[uri].extend(edits)
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit):
            found[change.text_document.uri].extend(
                e for e in change.edits if isinstance(e, types.TextEdit)
            )
    return found


# -- code actions and hover ----------------------------------------------------------------


def code_action(
    title: str,
    kind: str,
    *,
    diagnostics: list[types.Diagnostic] | None = None,
    edit: types.WorkspaceEdit | None = None,
    data: Any = None,
    preferred: bool = False,
) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=diagnostics or None,
        is_preferred=True if preferred else None,
        edit=edit,
        data=data,
    )


def hover(markdown: str, lsp_range: types.Range | None, *, markdown_ok: bool) -> types.Hover:
    kind = types.MarkupKind.Markdown if markdown_ok else types.MarkupKind.PlainText
    return types.Hover(contents=types.MarkupContent(kind=kind, value=markdown), range=lsp_range)


def full_report(
    items: list[types.Diagnostic], result_id: str
) -> types.RelatedFullDocumentDiagnosticReport:
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


def unchanged_report(result_id: str) -> types.RelatedUnchangedDocumentDiagnosticReport:
    return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)


def workspace_report(
    uri: str, version: int | None, items: list[types.Diagnostic] | None, result_id: str
) -> types.WorkspaceFullDocumentDiagnosticReport | types.WorkspaceUnchangedDocumentDiagnosticReport:
    if items is None:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(
            uri=uri, version=version, result_id=result_id
        )
    return types.WorkspaceFullDocumentDiagnosticReport(
        uri=uri, version=version, items=items, result_id=result_id
    )
