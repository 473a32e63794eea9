"""Which project a file is checked in: one per workspace folder and per Django root, whatever
root the client sent, and a bounded one for a file with no Django project above it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from integrity_lsp.server.documents import path_to_uri
from integrity_lsp.server.roots import ProjectRoot, project_root
from tests.server.conftest import FIXTURES, Session, make_session


def table_message(diagnostics: list[types.Diagnostic]) -> str:
    [race] = [d for d in diagnostics if d.code == "IL101"]
    return race.message


def two_projects(tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of lspshop; the second stores Product in another table."""
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        shutil.copytree(FIXTURES / "lspshop", root, ignore=shutil.ignore_patterns("__pycache__"))
    models = second / "shop" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    class Meta:\n", '    class Meta:\n        db_table = "second_products"\n'
        )
    )
    return first, second


def folder(path: Path) -> types.WorkspaceFolder:
    return types.WorkspaceFolder(uri=path_to_uri(path.resolve()), name=path.name)


def has_race(diagnostics: list[types.Diagnostic]) -> bool:
    return any(d.code == "IL101" for d in diagnostics)


async def test_each_workspace_folder_is_checked_against_its_own_models(
    vscode_client: LanguageClient, tmp_path: Path
) -> None:
    first, second = two_projects(tmp_path)
    session = make_session(vscode_client, "visual-studio-code", first)
    await vscode_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=path_to_uri(first.resolve()),
            workspace_folders=[folder(first), folder(second)],
        )
    )
    in_first = session.open("shop/views.py")
    session.root = second
    in_second = session.open("shop/views.py")
    first_found = list(await session.diagnostics(in_first, has_race))
    second_found = list(await session.diagnostics(in_second, has_race))
    assert "shop_product.sku" in table_message(first_found)
    assert "second_products.sku" in table_message(second_found)


async def test_a_folder_added_later_is_its_own_project(
    vscode_client: LanguageClient, tmp_path: Path
) -> None:
    """Neovim's `add_workspace_folder`, VS Code adding a folder to the workspace."""
    first, second = two_projects(tmp_path)
    session = make_session(vscode_client, "neovim@v0.11.0", first)
    await session.initialize()
    in_first = session.open("shop/views.py")
    assert "shop_product.sku" in table_message(list(await session.diagnostics(in_first, has_race)))
    vscode_client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=[folder(second)], removed=[])
        )
    )
    session.root = second
    in_second = session.open("shop/views.py")
    found = list(await session.diagnostics(in_second, has_race))
    assert "second_products.sku" in table_message(found)
    message = "UNIQUE constraint failed: second_products.sku"
    assert (await explain(session, message))["locations"]
    # Removed (its document closed first): its project goes with it.
    vscode_client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(in_second))
    )
    vscode_client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=[], removed=[folder(second)])
        )
    )
    await session.diagnostics(in_second, lambda d: len(d) == 0)  # the close was handled
    assert (await explain(session, message))["locations"] == []
    assert "shop_product.sku" in table_message(list(await session.diagnostics(in_first, has_race)))


async def test_the_django_root_is_found_whatever_root_the_client_sends(
    vscode_client: LanguageClient, tmp_path: Path
) -> None:
    """eglot without git sends the file's folder as the root: the project's settings and
    models are still those of the folder holding manage.py, as for `integrity-lsp check`."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "lspshop", root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pyproject.toml").write_text('[tool.integrity-lsp]\nseverity = { IL101 = "error" }\n')
    session = make_session(vscode_client, "emacs", root)
    shop = root / "shop"
    await vscode_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("emacs"),
            root_uri=path_to_uri(shop.resolve()),
            workspace_folders=[folder(shop)],
        )
    )
    uri = session.open("shop/views.py")
    found = list(await session.diagnostics(uri, has_race))
    [race] = [d for d in found if d.code == "IL101"]
    assert "shop_product.sku" in race.message
    assert race.severity == types.DiagnosticSeverity.Error  # root/pyproject.toml was read


async def test_a_file_without_a_django_project_gets_a_bounded_project(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "deep" / "er").mkdir(parents=True)
    (scratch / "x.py").write_text("print(1)\n")
    found = project_root(scratch / "x.py")
    assert found.folder == scratch and found.bounded
    django = tmp_path / "site"
    (django / "app").mkdir(parents=True)
    (django / "manage.py").write_text("")
    found = project_root(django / "app" / "views.py")
    assert found.folder == django and not found.bounded
    library = tmp_path / "library"
    (library / "pkg" / "apps" / "docs").mkdir(parents=True)
    (library / "setup.py").write_text('setup(install_requires=["Django>=4.2"])\n')
    (library / "pkg" / "pyproject.toml").write_text("[tool.black]\n")  # not a Django root
    found = project_root(library / "pkg" / "apps" / "docs" / "models.py")
    assert found == ProjectRoot(library, bounded=False)
    # No Django project above: the workspace folder holding the file, never the home folder.
    wheel = tmp_path / "unpacked"
    (wheel / "app" / "sub").mkdir(parents=True)
    found = project_root(wheel / "app" / "sub" / "models.py", [tmp_path / "elsewhere", wheel])
    assert found == ProjectRoot(wheel, bounded=False)
    found = project_root(wheel / "app" / "models.py", [Path(wheel.anchor)])
    assert found == ProjectRoot(wheel / "app", bounded=True)


async def test_a_scratch_file_gets_its_folder_indexed_not_the_tree_below(
    examples_client: Session,
) -> None:
    """`nvim x.py` in a folder with no project above it: the file's folder is indexed, the
    folders under it are not walked (a model defined below is unknown to explain)."""
    lsp = examples_client
    scratch = lsp.root
    (scratch / "below").mkdir(parents=True)
    (scratch / "below" / "models.py").write_text(model_source("Item", "deep_items"))
    (scratch / "models.py").write_text(model_source("Here", "here_items"))
    (scratch / "x.py").write_text("from models import Here\n")
    await lsp.client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    uri = lsp.open("x.py")
    await lsp.diagnostics(uri)
    here = await explain(lsp, "UNIQUE constraint failed: here_items.code")
    assert [loc["title"] for loc in here["locations"]][:1] == ["model scratch.Here"]
    below = await explain(lsp, "UNIQUE constraint failed: deep_items.code")
    assert below["locations"] == []


def model_source(name: str, table: str) -> str:
    return (
        "from django.db import models\n\n\n"
        f"class {name}(models.Model):\n"
        "    code = models.CharField(max_length=9, unique=True)\n\n"
        "    class Meta:\n"
        f'        app_label = "scratch"\n        db_table = "{table}"\n'
    )


async def explain(lsp: Session, text: str) -> dict[str, Any]:
    result = await lsp.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="integrity-lsp.explain", arguments=[text])
    )
    assert isinstance(result, dict)
    return result


@pytest.fixture
def examples_client(vscode_client: LanguageClient, tmp_path: Path) -> Session:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    return make_session(vscode_client, "visual-studio-code", scratch)
