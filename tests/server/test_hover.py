"""Hover on a model name, on a field keyword of an ORM call, and on a code in `# noqa`."""

from __future__ import annotations

from lsprotocol import types

from tests.server.conftest import Session


async def hover_at(lsp: Session, uri: str, line: int, needle: str) -> types.Hover | None:
    text = lsp.texts[uri].splitlines()[line]
    column = text.index(needle) + 1
    return await lsp.client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=lsp.character(text[:column])),
        )
    )


async def test_hover_on_model_name_lists_fields_table_and_definition(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    hover = await hover_at(lsp, uri, 8, "Product.objects.create")
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "shop.Product" in text
    assert "shop_product" in text
    assert "shop/models.py:4" in text
    assert "`sku`" in text and "unique" in text
    assert "price_gte_0" in text
    assert hover.range is not None
    assert hover.range.start == types.Position(line=8, character=8)


async def test_hover_on_field_keyword_shows_its_constraints(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    hover = await hover_at(lsp, uri, 8, "sku=sku, name")
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "Product.sku" in text
    assert "unique" in text
    assert "NOT NULL" in text
    assert "shop/models.py:5" in text


async def test_hover_on_noqa_code_shows_rule_docs(lsp: Session) -> None:
    await lsp.initialize()
    source = (lsp.root / "shop/views.py").read_text()
    source = source.replace('request.POST["name"])\n', 'request.POST["name"])  # noqa: IL101\n')
    uri = lsp.open("shop/views.py", source)
    hover = await hover_at(lsp, uri, 8, "IL101")
    assert hover is not None
    text = hover.contents.value  # type: ignore[union-attr]
    assert "check-then-create" in text
    assert "## What it does" in text


async def test_hover_elsewhere_is_empty(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    assert await hover_at(lsp, uri, 6, "sku =") is None
