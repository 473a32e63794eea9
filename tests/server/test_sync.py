"""Document sync: positions in every encoding, line splitting, and cross-file refresh."""

from __future__ import annotations

import asyncio
import textwrap
from typing import Any

from lsprotocol import types

from tests.server.conftest import Session

EMOJI_VIEW = textwrap.dedent(
    """\
    from shop.models import Product


    def add_product(request):
        sku = request.POST["sku"]
        label = "🎉 中文"; Product.objects.create(sku=sku, name="🎉 中文 😀")
    """
)


async def test_columns_after_emoji_and_cjk_follow_the_negotiated_encoding(lsp: Session) -> None:
    result = await lsp.initialize()
    assert result.capabilities.position_encoding == lsp.encoding
    (lsp.root / "shop/labels.py").write_text(EMOJI_VIEW)
    uri = lsp.open("shop/labels.py")
    diagnostics = await lsp.diagnostics(uri, lambda d: any(x.range.start.line == 5 for x in d))
    [diagnostic] = [d for d in diagnostics if d.range.start.line == 5]
    line = EMOJI_VIEW.splitlines()[5]
    start = line.index("Product.objects.create")
    end = len(line)
    assert diagnostic.range.start.character == lsp.character(line[:start])
    assert diagnostic.range.end == types.Position(line=5, character=lsp.character(line[:end]))


async def test_fix_edits_on_an_emoji_line_land_exactly(lsp: Session) -> None:
    await lsp.initialize()
    source = (lsp.root / "shop/views.py").read_text()
    source = source.replace('name=request.POST["name"]', 'name="🎉 中文 😀"')
    (lsp.root / "shop/copy.py").write_text(source)
    for name in ("shop/views.py", "shop/copy.py"):
        uri = lsp.open(name, source)
        diagnostics = await lsp.diagnostics(uri, lambda d: any(x.code == "IL101" for x in d))
        race = next(d for d in diagnostics if d.code == "IL101")
        actions = await lsp.code_actions(uri, [race])
        if name == "shop/views.py":
            [noqa] = [a for a in actions if a.title.startswith("Disable")]
            [text] = lsp.apply(noqa.edit).values()
            assert text.splitlines()[8].endswith('name="🎉 中文 😀")  # noqa: IL101')
        else:
            [fix] = [a for a in actions if a.is_preferred]
            [text] = lsp.apply(fix.edit).values()
            assert 'get_or_create(sku=sku, defaults={"name": "🎉 中文 😀"})\n' in text


FORM_FEED_VIEW = textwrap.dedent(
    """\
    from shop.models import Product

    # \f page break, and a line separator \u2028 in a comment


    def add_product(sku: str) -> None:
        if not Product.objects.filter(sku=sku).exists():
            Product.objects.create(sku=sku, name="x")
    """
)


async def test_form_feed_and_line_separator_do_not_shift_incremental_edits(lsp: Session) -> None:
    await lsp.initialize()
    (lsp.root / "shop/paged.py").write_text(FORM_FEED_VIEW)
    uri = lsp.open("shop/paged.py")
    first = await lsp.diagnostics(uri, lambda d: any(x.code == "IL101" for x in d))
    assert [d.range.start.line for d in first if d.code == "IL101"] == [7]
    after_comment = types.Position(line=3, character=0)
    lsp.edit(
        uri,
        [
            types.TextEdit(
                range=types.Range(start=after_comment, end=after_comment), new_text="\n\n"
            )
        ],
    )
    # Rename the variable on the create line: only lands right if lines are counted right.
    line = lsp.texts[uri].split("\n")[9]  # not splitlines(): it also splits at \f and \u2028
    assert line.strip().startswith("Product.objects.create(")
    column = lsp.character(line[: line.index('name="x"')])
    lsp.edit(
        uri,
        [
            types.TextEdit(
                range=types.Range(
                    start=types.Position(line=9, character=column),
                    end=types.Position(line=9, character=column + len('name="x"')),
                ),
                new_text='name="y"',
            )
        ],
    )
    moved = await lsp.diagnostics(
        uri, lambda d: [x.range.start.line for x in d if x.code == "IL101"] == [9]
    )
    [race] = [d for d in moved if d.code == "IL101"]
    assert race.data is None or race.data["fixes"][0]["edits"][0]["content"].endswith(
        'defaults={"name": "y"})'
    )
    [fix] = [a for a in await lsp.code_actions(uri, [race]) if a.is_preferred]
    [text] = lsp.apply(fix.edit).values()
    assert '    Product.objects.get_or_create(sku=sku, defaults={"name": "y"})\n' in text
    assert "\f page break" in text


def _unique_option(lsp: Session, models: str) -> types.Range:
    """Where `, unique=True` stands on line 5 of the example's models.py."""
    line = lsp.texts[models].splitlines()[4]
    start = line.index(", unique=True")
    return types.Range(
        start=types.Position(line=4, character=lsp.character(line[:start])),
        end=types.Position(line=4, character=lsp.character(line[: start + len(", unique=True")])),
    )


async def test_unsaved_models_change_rechecks_views(lsp: Session) -> None:
    await lsp.initialize()
    views = lsp.open("shop/views.py")
    await lsp.diagnostics(views, lambda d: [x.code for x in d] == ["IL101"])
    models = lsp.open("shop/models.py")
    unique = _unique_option(lsp, models)
    lsp.edit(models, [types.TextEdit(range=unique, new_text="")])
    # Without the unique key two racing inserts both succeed: no IntegrityError, no IL101;
    # get_or_create over a column with no unique constraint is IL104.
    lost = await lsp.diagnostics(views, lambda d: "IL104" in {x.code for x in d})
    assert {x.code for x in lost} == {"IL104"}
    assert (lsp.root / "shop/models.py").read_text().count("unique=True") == 1  # still unsaved
    back = types.Range(start=unique.start, end=unique.start)
    lsp.edit(models, [types.TextEdit(range=back, new_text=", unique=True")])
    await lsp.diagnostics(views, lambda d: [x.code for x in d] == ["IL101"])


async def test_models_changed_on_disk_rechecks_views(lsp: Session) -> None:
    await lsp.initialize()
    views = lsp.open("shop/views.py")
    await lsp.diagnostics(views, lambda d: [x.code for x in d] == ["IL101"])
    models = lsp.root / "shop/models.py"
    models.write_text(models.read_text().replace(", unique=True", ""))
    watching = any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in lsp.registrations)
    client_watches = bool(
        lsp.caps.workspace
        and lsp.caps.workspace.did_change_watched_files
        and lsp.caps.workspace.did_change_watched_files.dynamic_registration
    )
    assert watching == client_watches
    if watching:
        lsp.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[
                    types.FileEvent(
                        uri=lsp.uri("shop/models.py"), type=types.FileChangeType.Changed
                    )
                ]
            )
        )
    else:  # the client saves it through the editor instead
        lsp.open("shop/models.py", models.read_text())
        lsp.client.text_document_did_save(
            types.DidSaveTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=lsp.uri("shop/models.py"))
            )
        )
    await lsp.diagnostics(views, lambda d: "IL104" in {x.code for x in d})


async def test_a_check_of_an_older_models_text_does_not_undo_a_newer_edit(lsp: Session) -> None:
    """A request holding models.py's version 1 waits for the index; meanwhile version 2 (no
    unique key) arrives. Checking version 1 afterwards must not put its model facts back into
    the index behind the open view's back."""
    await lsp.initialize()  # the index is built in the background: the request below waits
    views = lsp.open("shop/views.py")
    models = lsp.open("shop/models.py")
    unique = _unique_option(lsp, models)

    def code_actions(uri: str) -> Any:  # sent now (not when awaited), answered when done
        return asyncio.wrap_future(
            lsp.client.protocol.send_request(
                types.TEXT_DOCUMENT_CODE_ACTION,
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=unique,
                    context=types.CodeActionContext(diagnostics=[]),
                ),
            )
        )

    waiting = code_actions(models)
    # Requests start in order: once one for a document the server does not have is answered,
    # the first holds version 1 (waiting for the index).
    assert await code_actions(lsp.uri("shop/not_open.py")) is None
    lsp.edit(models, [types.TextEdit(range=unique, new_text="")])
    await waiting
    lost = await lsp.diagnostics(views, lambda d: "IL104" in {x.code for x in d})
    assert {x.code for x in lost} == {"IL104"}
