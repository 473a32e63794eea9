"""Quick fixes, the noqa action and fix-all, applied the way each client applies them."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from lsprotocol import types

from tests.server.conftest import Session

TWO_RACES = textwrap.dedent(
    """\
    from shop.models import Product


    def import_one(sku: str) -> None:
        if not Product.objects.filter(sku=sku).exists():
            Product.objects.create(sku=sku, name="one")


    def import_two(sku: str) -> None:
        if not Product.objects.filter(sku=sku).exists():
            Product.objects.create(sku=sku, name="two")
    """
)


def races(diagnostics: Sequence[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == "IL101"]


async def test_preferred_quick_fix_removes_the_race(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    actions = await lsp.code_actions(uri, [race])
    preferred = [a for a in actions if a.is_preferred]
    assert [a.title for a in preferred] == ["Use `Product.objects.get_or_create()`"]
    assert preferred[0].kind == types.CodeActionKind.QuickFix
    [text] = lsp.apply(preferred[0].edit).values()
    assert 'Product.objects.get_or_create(sku=sku, defaults={"name": request.POST["name"]})' in text
    assert ".exists()" not in text
    await lsp.diagnostics(uri, lambda d: not races(d))


async def test_edits_are_versioned_where_the_client_supports_it(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    [fix] = [a for a in await lsp.code_actions(uri, [race]) if a.is_preferred]
    assert fix.edit is not None
    versioned = bool(
        lsp.caps.workspace
        and lsp.caps.workspace.workspace_edit
        and lsp.caps.workspace.workspace_edit.document_changes
    )
    if versioned:
        [change] = fix.edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.version == 1
    else:
        assert list(fix.edit.changes or {}) == [uri]


async def test_disable_for_this_line_adds_noqa(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    [noqa] = [a for a in await lsp.code_actions(uri, [race]) if a.title.startswith("Disable")]
    assert noqa.title == "Disable IL101 for this line"
    [text] = lsp.apply(noqa.edit).values()
    assert text.splitlines()[8].endswith(
        'Product.objects.create(sku=sku, name=request.POST["name"])  # noqa: IL101'
    )
    await lsp.diagnostics(uri, lambda d: not races(d))


async def test_disable_extends_an_existing_noqa(lsp: Session) -> None:
    await lsp.initialize()
    source = (lsp.root / "shop/views.py").read_text()
    source = source.replace('request.POST["name"])\n', 'request.POST["name"])  # noqa: IL205\n')
    uri = lsp.open("shop/views.py", source)
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    [noqa] = [a for a in await lsp.code_actions(uri, [race]) if a.title.startswith("Disable")]
    [text] = lsp.apply(noqa.edit).values()
    assert text.splitlines()[8].endswith("# noqa: IL205, IL101")
    await lsp.diagnostics(uri, lambda d: not races(d))


async def test_fix_all_applies_every_safe_fix(lsp: Session) -> None:
    await lsp.initialize()
    (lsp.root / "shop/imports.py").write_text(TWO_RACES)
    uri = lsp.open("shop/imports.py")
    diagnostics = await lsp.diagnostics(uri, lambda d: len(races(d)) == 2)
    start = types.Position(line=0, character=0)
    actions = await lsp.code_actions(
        uri,
        [],
        types.Range(start=start, end=start),
        only=[types.CodeActionKind.SourceFixAll],
    )
    [fix_all] = actions
    assert fix_all.kind == "source.fixAll.integrity-lsp"
    [text] = lsp.apply(fix_all.edit).values()
    assert text.count("get_or_create(") == 2
    assert "exists()" not in text
    await lsp.diagnostics(uri, lambda d: not races(d))
    assert len(diagnostics) >= 2


async def test_actions_answer_the_requested_range_only(lsp: Session) -> None:
    """eglot sends every diagnostic of the buffer in `context.diagnostics`: only those at the
    requested range get actions, and no two actions share a title."""
    await lsp.initialize()
    (lsp.root / "shop/imports.py").write_text(TWO_RACES)
    uri = lsp.open("shop/imports.py")
    first, second = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 2))
    cursor = types.Range(start=second.range.start, end=second.range.start)
    actions = await lsp.code_actions(
        uri, [first, second], cursor, only=[types.CodeActionKind.QuickFix]
    )
    assert actions
    titles = [action.title for action in actions]
    assert len(titles) == len(set(titles)), titles
    for action in actions:
        assert action.diagnostics is not None
        assert [d.range.start.line for d in action.diagnostics] == [second.range.start.line]
    [noqa] = [action for action in actions if action.title.startswith("Disable")]
    [text] = lsp.apply(noqa.edit).values()
    assert text.splitlines()[second.range.start.line].endswith("# noqa: IL101")
    assert "noqa" not in text.splitlines()[first.range.start.line]


async def test_quickfix_only_request_has_no_fix_all(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    actions = await lsp.code_actions(uri, [race], only=[types.CodeActionKind.QuickFix])
    assert {a.kind for a in actions} == {types.CodeActionKind.QuickFix}


async def test_resolve_fills_the_edit_when_the_client_resolves_lazily(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    raw = await lsp.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=race.range,
            context=types.CodeActionContext(diagnostics=[lsp.as_client_keeps(race)]),
        )
    )
    [fix] = [a for a in raw or [] if isinstance(a, types.CodeAction) and a.is_preferred]
    resolve = lsp.caps.text_document.code_action.resolve_support  # type: ignore[union-attr]
    if resolve is not None and "edit" in resolve.properties:
        assert fix.edit is None
        resolved = await lsp.client.code_action_resolve_async(fix)
        assert resolved.edit is not None
    else:
        assert fix.edit is not None


async def test_fix_in_another_file_is_one_workspace_edit(lsp: Session) -> None:
    models = lsp.root / "shop/models.py"
    models.write_text(models.read_text().replace(", unique=True", ""))
    await lsp.initialize()
    views = lsp.open("shop/views.py")
    found = await lsp.diagnostics(views, lambda d: any(x.code == "IL104" for x in d))
    [lookup] = [d for d in found if d.code == "IL104"]
    models_uri = lsp.open("shop/models.py")
    [fix] = [a for a in await lsp.code_actions(views, [lookup]) if "UniqueConstraint" in a.title]
    assert not fix.is_preferred  # unsafe: it changes the schema
    assert fix.edit is not None
    texts = lsp.apply(fix.edit)
    assert list(texts) == [models_uri]
    assert 'models.UniqueConstraint(fields=["sku"]' in texts[models_uri]
    await lsp.diagnostics(views, lambda d: not any(x.code == "IL104" for x in d))


async def test_resolving_after_an_edit_recomputes_the_fix(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    [race] = races(await lsp.diagnostics(uri, lambda d: len(races(d)) == 1))
    raw = await lsp.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=race.range,
            context=types.CodeActionContext(diagnostics=[lsp.as_client_keeps(race)]),
        )
    )
    [fix] = [a for a in raw or [] if isinstance(a, types.CodeAction) and a.is_preferred]
    if fix.edit is not None:
        return  # this client gets edits at once: nothing to resolve later
    top = types.Position(line=0, character=0)
    lsp.edit(uri, [types.TextEdit(range=types.Range(start=top, end=top), new_text="# moved\n")])
    await lsp.diagnostics(uri, lambda d: [x.range.start.line for x in races(d)] == [9])
    resolved = await lsp.client.code_action_resolve_async(fix)
    [text] = lsp.apply(resolved.edit).values()
    assert text.startswith("# moved\n")
    assert 'Product.objects.get_or_create(sku=sku, defaults={"name": request.POST["name"]})' in text
    assert ".exists()" not in text
