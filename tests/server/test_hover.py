"""Hover on a model name, on a field keyword of an ORM call, and on a code in `# noqa`."""

from __future__ import annotations

from lsprotocol import types

from tests.server.conftest import Session


async def hover_at(
    lsp: Session, uri: str, line: int, needle: str, offset: int = 1
) -> types.Hover | None:
    """The hover with the cursor on character `offset` of `needle` on line `line`."""
    text = lsp.texts[uri].splitlines()[line]
    column = text.index(needle) + offset
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


async def test_hover_on_every_character_of_a_field_keyword_and_a_model_name(
    lsp: Session,
) -> None:
    """The first character too: parso's look-up answers the `(` ending there."""
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    for offset in range(len("sku")):
        hover = await hover_at(lsp, uri, 8, "sku=sku, name", offset)
        assert hover is not None, offset
        assert "Product.sku" in hover.contents.value  # type: ignore[union-attr]
        assert hover.range is not None
        assert hover.range.end.character - hover.range.start.character == len("sku")
    assert await hover_at(lsp, uri, 8, "sku=sku, name", len("sku")) is None  # on the `=`
    for offset in (0, len("Product") - 1):
        hover = await hover_at(lsp, uri, 8, "Product.objects.create", offset)
        assert hover is not None, offset
        assert "shop.Product" in hover.contents.value  # type: ignore[union-attr]


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
