"""Diagnostics over a real client: content, related information, push vs pull, progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from lsprotocol import types

from tests.server.conftest import Session


def il(code: str) -> Callable[[Sequence[types.Diagnostic]], bool]:
    return lambda diagnostics: any(d.code == code for d in diagnostics)


async def test_race_in_view_has_code_link_related_models_and_fixes(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    diagnostics = await lsp.diagnostics(uri, il("IL101"))
    [race] = [d for d in diagnostics if d.code == "IL101"]
    assert race.source == "integrity-lsp"
    assert race.severity == types.DiagnosticSeverity.Warning
    assert race.range.start == types.Position(line=8, character=8)
    assert "UNIQUE constraint failed: shop_product.sku" in race.message
    assert race.code_description is not None
    assert race.code_description.href.endswith("IL101.md")
    [related] = race.related_information or []
    assert related.location.uri == lsp.uri("shop/models.py")
    assert related.location.range.start.line == 4  # sku = models.CharField(…, unique=True)
    assert race.data is not None
    assert race.data["fixes"][0]["applicability"] == "safe"


async def test_push_or_pull_follows_the_client(lsp: Session) -> None:
    result = await lsp.initialize()
    provider = result.capabilities.diagnostic_provider
    if lsp.pull:
        assert isinstance(provider, types.DiagnosticOptions)
        assert provider.inter_file_dependencies
        uri = lsp.open("shop/views.py")
        first = await lsp.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
        assert first.result_id
        again = await lsp.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                previous_result_id=first.result_id,
            )
        )
        assert again.kind == "unchanged"
        assert uri not in lsp.client.diagnostics  # nothing pushed to a pulling client
    else:
        assert provider is None
        uri = lsp.open("shop/views.py")
        await lsp.diagnostics(uri, il("IL101"))
        if lsp.can_pull:  # pushed to, and a pull it sends anyway is still answered
            report = await lsp.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
            )
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            assert [d.code for d in report.items] == ["IL101"]


async def test_workspace_diagnostics_cover_closed_files(lsp: Session) -> None:
    await lsp.initialize()
    if not lsp.pull:
        return
    report = await lsp.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    by_uri = {item.uri: item for item in report.items}
    views = by_uri[lsp.uri("shop/views.py")]
    assert isinstance(views, types.WorkspaceFullDocumentDiagnosticReport)
    assert [d.code for d in views.items] == ["IL101"]


async def test_index_build_reports_work_done_progress(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, il("IL101"))
    for _ in range(100):
        reports = [r for rs in lsp.client.progress_reports.values() for r in rs]
        if any(isinstance(r, types.WorkDoneProgressEnd) for r in reports):
            break
        await asyncio.sleep(0.05)
    kinds = [type(r).__name__ for rs in lsp.client.progress_reports.values() for r in rs]
    assert kinds == ["WorkDoneProgressBegin", "WorkDoneProgressEnd"]


async def test_closing_a_document_clears_pushed_diagnostics(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, il("IL101"))
    lsp.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    if not lsp.pull:
        await lsp.diagnostics(uri, lambda d: len(d) == 0)
