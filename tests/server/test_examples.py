"""The example project through the server: what `# expect:` promises, and stale versions."""

from __future__ import annotations

import asyncio
import importlib.util
import re
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from integrity_lsp.server.convert import edits_of
from integrity_lsp.server.documents import uri_to_path
from tests.helpers import EXAMPLES_NEW_MIGRATIONS, commit_all_but
from tests.server.conftest import PUBLISHED, Session

EXPECT = re.compile(r"#\s*expect:\s*(IL\d{3}(?:\s*,\s*IL\d{3})*)")


def expected(text: str) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(text.split("\n")):
        match = EXPECT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(","))
    return found


@pytest.mark.parametrize(
    "relative", ["shop/views.py", "shop/services.py", "orders/services.py", "accounts/views.py"]
)
async def test_open_example_files_report_what_they_promise(
    examples: Session, relative: str
) -> None:
    from integrity_lsp.rules import load_rules

    await examples.initialize()
    uri = examples.open(relative)
    implemented = set(load_rules())
    want = {item for item in expected(examples.texts[uri]) if item[1] in implemented}
    found = await examples.diagnostics(
        uri, lambda d: {(x.range.start.line, str(x.code)) for x in d} == want
    )
    assert all(d.source == "integrity-lsp" for d in found)


async def test_results_for_older_versions_are_never_published(examples: Session) -> None:
    await examples.initialize()
    uri = examples.open("shop/services.py")
    end = types.Position(line=len(examples.texts[uri].split("\n")) - 1, character=0)
    for index in range(8):
        examples.edit(
            uri, [types.TextEdit(range=types.Range(start=end, end=end), new_text=f"# {index}\n")]
        )
        end = types.Position(line=end.line + 1, character=0)
    published = PUBLISHED[id(examples.client)].setdefault(uri, [])
    await examples.diagnostics(uri, lambda d: published[-1:] == [9])
    versions = [version or 0 for version in published]
    assert versions == sorted(versions)
    assert set(versions) <= {1, 9}


async def test_pull_client_with_refresh_support_is_asked_to_pull_again(examples: Session) -> None:
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities()
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    await examples.initialize(capabilities=caps)
    assert examples.pull
    views = examples.open("shop/services.py")
    before = await examples.diagnostics(views, lambda d: len(d) > 0)
    models = examples.open("shop/models/catalog.py")
    text = examples.texts[models]
    line = text.split("\n").index("class Category(TimeStamped):")
    start = types.Position(line=line + 1, character=0)
    refreshes = examples.client.diagnostic_refresh_count
    examples.edit(
        models,
        [
            types.TextEdit(
                range=types.Range(start=start, end=start),
                new_text="    label = models.CharField(max_length=10, unique=True)\n",
            )
        ],
    )
    for _ in range(200):
        if examples.client.diagnostic_refresh_count > refreshes:
            break
        await asyncio.sleep(0.05)
    assert examples.client.diagnostic_refresh_count > refreshes
    assert examples.uri("shop/services.py") not in examples.client.diagnostics
    assert before


async def test_a_fix_that_creates_a_migration_is_one_edit_with_create_file(
    examples: Session,
) -> None:
    # The branch adds the migration: a fix edits only migrations that cannot have been applied.
    commit_all_but(examples.root, *EXAMPLES_NEW_MIGRATIONS)
    await examples.initialize()
    uri = examples.open("shop/migrations/0006_alter_product_barcode.py")
    found = await examples.diagnostics(uri, lambda d: any(x.code == "IL302" for x in d))
    [unique] = [d for d in found if d.code == "IL302"]
    actions = await examples.code_actions(uri, [unique])
    creating = [
        a
        for a in actions
        if a.edit is not None
        and any(isinstance(c, types.CreateFile) for c in a.edit.document_changes or [])
    ]
    assert creating, [a.title for a in actions]
    changes = creating[0].edit.document_changes or []  # type: ignore[union-attr]
    created = next(c for c in changes if isinstance(c, types.CreateFile))
    position = changes.index(created)
    following = changes[position + 1]
    assert isinstance(following, types.TextDocumentEdit)
    assert following.text_document.uri == created.uri
    assert created.uri.startswith(examples.uri("shop/migrations/"))
    assert "RunPython" in following.edits[0].new_text  # type: ignore[union-attr]


async def test_no_fix_writes_outside_the_project(examples: Session, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    services = examples.root / "shop" / "services.py"
    services.rename(outside / "services.py")
    services.symlink_to(outside / "services.py")
    await examples.initialize()
    uri = examples.open("shop/services.py", resolve=False)  # the symlink, as an editor names it
    found = await examples.diagnostics(uri, lambda d: {"IL101", "IL104"} <= {x.code for x in d})
    root = examples.root.resolve()
    offered = 0
    for diagnostic in found:
        for action in await examples.code_actions(uri, [diagnostic]):
            offered += 1
            for target in edits_of(action.edit):
                real = Path(uri_to_path(target) or "/")
                assert root in real.parents, (action.title, real)
    assert offered  # the models.py edit of IL104 is inside the project: still offered


async def test_links_to_django_fields_point_at_the_installed_django(examples: Session) -> None:
    """`username` is unique on Django's AbstractUser: the related information and explain's
    locations point at the installed Django's file, at the field, never at a made-up path."""
    django = importlib.util.find_spec("django")
    if django is None or django.origin is None:
        pytest.skip("Django is not installed in the interpreter running the server")
    installed = (Path(django.origin).parent / "contrib" / "auth" / "models.py").resolve()
    await examples.initialize()
    uri = examples.open("accounts/views.py")
    found = await examples.diagnostics(uri, lambda d: any(x.code == "IL101" for x in d))
    related = [info for d in found for info in d.related_information or []]
    assert related
    for info in related:
        path = uri_to_path(info.location.uri)
        assert path is not None and path.is_file(), info.location.uri
    [username] = [info for info in related if "username" in info.message]
    assert uri_to_path(username.location.uri) == installed
    line = installed.read_text().splitlines()[username.location.range.start.line]
    assert line.strip().startswith("username = models.CharField(")

    result = await examples.client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="integrity-lsp.explain",
            arguments=["UNIQUE constraint failed: accounts_user.username"],
        )
    )
    locations = result["locations"]
    assert locations
    for location in locations:
        path = uri_to_path(location["uri"])
        assert path is not None and path.is_file(), location
    [field] = [loc for loc in locations if loc["title"].endswith(".username")]
    assert uri_to_path(field["uri"]) == installed
    line = installed.read_text().splitlines()[field["range"]["start"]["line"]]
    assert line.strip().startswith("username = models.CharField(")


async def test_an_untitled_document_is_checked_in_the_first_folders_project(
    examples: Session,
) -> None:
    """VS Code sends a new, never saved Python document as `untitled:Untitled-1`."""
    await examples.initialize()
    uri = "untitled:Untitled-1"
    text = (
        "from shop.models import Product\n\n\n"
        "def add(sku):\n"
        "    if not Product.objects.filter(sku=sku).exists():\n"
        "        Product.objects.create(sku=sku)\n"
    )
    examples.versions[uri] = 1
    examples.texts[uri] = text
    examples.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    found = await examples.diagnostics(uri, lambda d: any(x.code == "IL101" for x in d))
    [race] = [d for d in found if d.code == "IL101"]
    assert race.range.start.line == 5
    assert "shop_product.sku" in race.message
    [noqa] = [a for a in await examples.code_actions(uri, [race]) if a.title.startswith("Disable")]
    assert list(edits_of(noqa.edit)) == [uri]  # the edit names the untitled document
    examples.client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await examples.diagnostics(uri, lambda d: len(d) == 0)


async def test_an_applied_migration_is_reported_in_the_editor_but_never_edited(
    examples: Session,
) -> None:
    """Committed on the default branch: the open migration is still checked (the editor
    checks what is open), but no fix edits it or inserts a migration before it."""
    commit_all_but(examples.root)
    await examples.initialize()
    uri = examples.open("shop/migrations/0006_alter_product_barcode.py")
    found = await examples.diagnostics(uri, lambda d: any(x.code == "IL302" for x in d))
    [unique] = [d for d in found if d.code == "IL302"]
    actions = await examples.code_actions(uri, [unique])
    titles = [a.title for a in actions if a.edit is not None]
    assert titles == ["Disable IL302 for this line"]  # a noqa, no migration edit
