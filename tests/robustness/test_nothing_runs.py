"""Nothing of the analysed project ever runs: not its settings, models, apps, migrations,
conftest or manage.py, not its virtualenv's interpreter.

`tests/fixtures/hostile/nothing_runs` writes `<file>.IMPORTED` (and `.READY`, `.CLASS-BODY`,
`.CONFIGURED`) next to any of its files that is imported; the test adds a `conftest.py` and a
fake `.venv/bin/python` that marks itself when executed. Each front end runs on a copy, then no
marker may exist.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.robustness.lsp_support import Driver
from tests.robustness.support import TESTS

FIXTURE = TESTS / "fixtures" / "hostile" / "nothing_runs"
MESSAGES = (
    "UNIQUE constraint failed: shop_product.sku",
    "NOT NULL constraint failed: shop_product.category_id",
    "CHECK constraint failed: price_gte_0",
    'duplicate key value violates unique constraint "shop_category_name_key"\n'
    "DETAIL:  Key (name)=(x) already exists.",
)


# Written into the copy only: a conftest.py in the repository would be loaded by pytest itself.
CONFTEST = (
    '__import__("pathlib").Path(__file__).with_suffix(".IMPORTED").write_text("imported")\n'
    "\n\n"
    "def pytest_configure(config):\n"
    '    __import__("pathlib").Path(__file__).with_suffix(".CONFIGURED").write_text("x")\n'
)


def marked_project(destination: Path) -> Path:
    """A copy of the fixture, with its conftest.py and the fake virtualenv interpreter."""
    root = destination / "nothing_runs"
    shutil.copytree(FIXTURE, root)
    (root / "conftest.py").write_text(CONFTEST)
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    fake = venv / "bin" / "python"
    fake.write_text(f'#!/bin/sh\ntouch "$0.IMPORTED"\nexec {sys.executable} "$@"\n')
    fake.chmod(0o755)
    (venv / "bin" / "python3").symlink_to("python")
    return root


def markers(root: Path) -> list[str]:
    suffixes = (".IMPORTED", ".READY", ".CLASS-BODY", ".CONFIGURED")
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.suffix in suffixes)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m integrity_lsp ARGS` as a separate process, like a user or CI runs it."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-m", "integrity_lsp", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_check_fix_and_explain_import_nothing(tmp_path: Path) -> None:
    root = marked_project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for output in ("text", "json", "sarif", "github"):
        result = run("check", "--format", output, str(root), cwd=elsewhere)
        assert result.returncode == 1, result.stderr
    result = run("check", "--diff", "--unsafe-fixes", str(root), cwd=elsewhere)
    assert result.returncode == 1, result.stderr
    result = run("check", "--fix", "--unsafe-fixes", str(root), cwd=elsewhere)
    assert "internal error" not in result.stderr
    for message in MESSAGES:
        for output in ("text", "json"):
            result = run("explain", "--root", str(root), "--format", output, message, cwd=elsewhere)
            assert "internal error" not in result.stderr, result.stderr
    assert markers(root) == []


def test_running_inside_the_project_imports_nothing_of_it(tmp_path: Path) -> None:
    """From the project's own folder (what a user types; how editors start the server)."""
    root = marked_project(tmp_path)
    result = run("check", "--format", "json", ".", cwd=root)
    assert result.returncode == 1, result.stderr
    result = run("explain", MESSAGES[0], cwd=root)
    assert "internal error" not in result.stderr
    assert markers(root) == []


def test_a_project_module_shadowing_the_stdlib_is_not_imported(tmp_path: Path) -> None:
    root = marked_project(tmp_path)
    marker = '__import__("pathlib").Path(__file__).with_suffix(".IMPORTED").write_text("x")\n'
    (root / "platform.py").write_text(marker)
    result = run("check", "--no-cache", ".", cwd=root)
    assert result.returncode == 1, result.stderr
    assert markers(root) == []


async def test_a_full_server_session_imports_nothing(
    lsp_client: LanguageClient, tmp_path: Path
) -> None:
    """Open every file, pull, hover on every line, every code action (resolved), explain,
    save, watched-file changes, workspace diagnostics, shutdown (by the fixture)."""
    root = marked_project(tmp_path)
    lsp = Driver(lsp_client, root, "neovim@v0.11.0")
    await lsp.initialize()
    files = sorted(p for p in root.rglob("*.py") if ".venv" not in p.parts)
    for path in files:
        relative = path.relative_to(root).as_posix()
        uri = lsp.open(relative)
        diagnostics = list(await lsp.pull(uri))
        for number, line in enumerate(lsp.texts[uri].splitlines()):
            for column in {len(line) - len(line.lstrip()), max(0, len(line) // 2)}:
                await lsp.hover(uri, number, column)
        for diagnostic in diagnostics:
            await lsp.code_actions(uri, [diagnostic])
        lsp.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    for message in MESSAGES:
        await lsp.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="integrity-lsp.explain", arguments=[message])
        )
    lsp.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=lsp.uri(p.relative_to(root).as_posix()), type=kind)
                for p in files
                for kind in (types.FileChangeType.Changed,)
            ]
        )
    )
    await lsp.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    assert lsp.errors() == []
    assert markers(root) == []
