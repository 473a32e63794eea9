"""The language server under hostile editing, over a real stdio session (pytest-lsp).

Every line-prefix of corpus files typed as incremental didChange with a pull and hovers after
each; an editing storm of 1,000 changes while hovering; 200 documents opened and closed;
wrong-typed initializationOptions and a broken pyproject table; hostile documents. Throughout:
every request is answered, no range lies outside its document, the server logs no error.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import shutil
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from benchmarks.huge_module import huge_module
from integrity_lsp.analysis.edits import compiles
from integrity_lsp.checker import check_source
from tests.robustness.lsp_support import (
    Driver,
    apply_text_edits,
    edits_of,
    lsp_lines,
    range_problem,
    touched_uris,
)
from tests.robustness.support import (
    EXAMPLES,
    LONG,
    corpus,
    corpus_id,
    fresh_environment,
)
from tests.robustness.test_fuzz_checker import MUTATIONS, _leaves
from tests.robustness.test_hostile_files import DEEP, ODD, RACE, VARIANTS

NEOVIM = "neovim@v0.11.0"  # pulls diagnostics, UTF-8 positions
VSCODE = "visual-studio-code"  # push diagnostics, UTF-16 positions

# CI types four representative files of examples/ (a service, views, models, a migration);
# the long run types every corpus file.
TYPED = (
    corpus()
    if LONG
    else [
        (EXAMPLES, EXAMPLES / name)
        for name in (
            "shop/services.py",
            "shop/views.py",
            "orders/models.py",
            # a seeded mutation here wrote `(… models).ForeignKey(…)`: a crash found here
            "orders/migrations/0002_orderline.py",
        )
    ]
)


def copy_root(root: Path, tmp_path: Path) -> Path:
    target = tmp_path / root.name
    shutil.copytree(
        root, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3", ".integrity-*")
    )
    return target


def _inside_root(uri: str, root: Path) -> bool:
    from integrity_lsp.server.documents import uri_to_path

    path = uri_to_path(uri)
    if path is None:
        return False
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


async def _check_actions(lsp: Driver, uri: str, diagnostics: list[types.Diagnostic]) -> None:
    """Every code action's edits stay inside the root and leave code that parses."""
    text = lsp.texts[uri]
    for diagnostic in diagnostics:
        for action in await lsp.code_actions(uri, [diagnostic]):
            uris = touched_uris(action.edit)
            assert all(_inside_root(u, lsp.root) for u in uris), (action.title, uris)
            edits = edits_of(action.edit).get(uri)
            if edits and compiles(text):
                fixed = apply_text_edits(text, edits, lsp.encoding)
                assert compiles(fixed), (action.title, fixed)


@pytest.mark.parametrize("item", TYPED, ids=corpus_id)
async def test_typing_every_line_of_a_file(
    item: tuple[Path, Path], lsp_client: LanguageClient, tmp_path: Path
) -> None:
    project, original = item
    root = copy_root(project, tmp_path)
    relative = original.relative_to(project).as_posix()
    lsp = Driver(lsp_client, root, NEOVIM)
    await lsp.initialize()
    text = original.read_text(encoding="utf-8")
    uri = lsp.open(relative, "")
    for number, line in enumerate(text.splitlines(keepends=True)):
        lsp.append(uri, line)
        diagnostics = await lsp.pull(uri)
        for diagnostic in diagnostics:
            problem = range_problem(diagnostic.range, lsp.texts[uri], lsp.encoding)
            assert problem is None, (number, diagnostic.code, problem)
        if number % 4 == 0:
            indent = len(line) - len(line.lstrip())
            _seconds, _hover = await lsp.hover(uri, number, indent)
    # The server's copy of the text is exactly what was typed: its findings are check_source's.
    final = await lsp.pull(uri)
    expected = check_source(text, root / relative, fresh_environment(root))
    assert sorted((d.range.start.line + 1, d.code) for d in final) == sorted(
        (f.span.start_line, f.code) for f in expected
    )
    await _check_actions(lsp, uri, list(final))
    rng = random.Random(relative)
    data = text.encode()
    states = [
        data[: rng.randrange(len(data) + 1)].decode("utf-8", errors="ignore")
        for _ in range(40 if LONG else 6)
    ]
    states += [mutate(text, rng) for _ in range(100 if LONG else 10)]
    for state in states:
        lsp.replace_all(uri, state)
        for diagnostic in await lsp.pull(uri):
            assert range_problem(diagnostic.range, state, lsp.encoding) is None
        _seconds, _hover = await lsp.hover(uri, rng.randrange(len(lsp_lines(state))), 4)
    assert lsp.errors() == []


def mutate(text: str, rng: random.Random) -> str:
    """One to four token mutations (as test_fuzz_checker's hypothesis strategy draws them)."""
    for _ in range(rng.randint(1, 4)):
        leaves = _leaves(text)
        if not leaves:
            break
        start, end = rng.choice(leaves)
        line_start = text.rfind("\n", 0, start) + 1
        kind = rng.choice(MUTATIONS)
        if kind == "delete":
            text = text[:start] + text[end:]
        elif kind == "duplicate":
            text = text[:end] + " " + text[start:end] + text[end:]
        elif kind == "bracket":
            text = text[:start] + rng.choice("()[]{}") + text[start:]
        elif kind == "indent":
            text = text[:line_start] + rng.choice([" ", "    ", "\t"]) + text[line_start:]
        else:
            rest = text[line_start:]
            width = min(len(rest) - len(rest.lstrip(" \t")), rng.randint(1, 4))
            text = text[:line_start] + rest[width:]
    return text


BAD_OPTIONS = [
    pytest.param([1, 2, 3], id="list"),
    pytest.param("select everything", id="string"),
    pytest.param(42, id="number"),
    pytest.param(
        {
            "select": 5,
            "ignore": {"IL1": True},
            "per-file-ignores": "views.py",
            "severity": ["error"],
            "atomic-requests": "yes",
            "django-version": [5, 2],
            "exclude": 3,
            "handler-decorators": None,
            "settings-module": 7,
            "no-such-key": 1,
        },
        id="wrong-types",
    ),
]


@pytest.mark.parametrize("options", BAD_OPTIONS)
async def test_wrong_typed_initialization_options(
    options: object, lsp_client: LanguageClient, tmp_path: Path
) -> None:
    root = copy_root(EXAMPLES, tmp_path)
    lsp = Driver(lsp_client, root, VSCODE)
    await lsp.initialize(options)
    uri = lsp.open("shop/services.py")
    await lsp.settle(uri, 1)
    assert any(d.code == "IL101" for d in lsp.client.diagnostics[uri])  # the defaults apply
    assert len(lsp.warnings_shown()) == 1, lsp.warnings_shown()
    assert lsp.errors() == []


async def test_a_broken_pyproject_table(lsp_client: LanguageClient, tmp_path: Path) -> None:
    root = copy_root(EXAMPLES, tmp_path)
    (root / "pyproject.toml").write_text('[tool.integrity-lsp]\nselect = "IL1\nignore = [\n')
    lsp = Driver(lsp_client, root, VSCODE)
    await lsp.initialize()
    uri = lsp.open("shop/services.py")
    await lsp.settle(uri, 1)
    assert any(d.code == "IL101" for d in lsp.client.diagnostics[uri])
    assert len(lsp.warnings_shown()) == 1, lsp.warnings_shown()
    assert lsp.errors() == []


# ---------------------------------------------------------------- editing storms

STORM = 1000
HOVER_EVERY = 20


async def _storm(lsp: Driver, uri: str, hover_at: tuple[int, int]) -> tuple[list[Any], int]:
    """STORM incremental changes as fast as the client can send them (typing a comment block
    at the end, a line every 40 keystrokes), a hover every HOVER_EVERY changes; returns the
    hovers' answers and the final version once its diagnostics were published."""
    hovers = []
    lsp.append(uri, "\n# ")
    for number in range(STORM - 1):
        lsp.append(uri, "\n# " if number % 40 == 39 else "x")
        if number % HOVER_EVERY == 0:
            hovers.append(asyncio.ensure_future(lsp.hover(uri, *hover_at)))
        await asyncio.sleep(0)
    answers = await asyncio.wait_for(asyncio.gather(*hovers), timeout=60)
    await lsp.settle(uri, lsp.versions[uri])
    # One more change after the storm, checked on its own: a late publication of a version
    # from the storm would have to overtake a whole further check to go unseen.
    lsp.append(uri, "x")
    final = lsp.versions[uri]
    await lsp.settle(uri, final)
    return [hover for _seconds, hover in answers], final


async def _storm_session(lsp: Driver) -> tuple[str, tuple[int, int]]:
    await lsp.initialize()
    uri = lsp.open("shop/services.py")
    await lsp.settle(uri, 1)
    lines = lsp.texts[uri].splitlines()
    line = next(n for n, text in enumerate(lines) if "Product.objects.create(" in text)
    return uri, (line, lines[line].index("Product") + 2)


async def test_editing_storm_while_hovering(lsp_client: LanguageClient, tmp_path: Path) -> None:
    lsp = Driver(lsp_client, copy_root(EXAMPLES, tmp_path), VSCODE)
    uri, hover_at = await _storm_session(lsp)
    before = len(lsp.published)
    answers, final = await _storm(lsp, uri, hover_at)
    # Every hover sent during the storm is answered, about the model under the cursor. How
    # fast is measured by benchmarks/lsp_latency.py, not here: on a loaded machine most of the
    # wait is the test client itself writing 1,000 changes.
    assert len(answers) == STORM // HOVER_EVERY
    assert all(hover is not None and "Product" in str(hover.contents) for hover in answers)
    versions = [p.version for p in lsp.published[before:] if p.uri == uri]
    # Never an older version after a newer one, and the storm is coalesced. Not "only the
    # last version": when the loaded client pauses longer than a check mid-storm, the text
    # of that moment is the newest and is rightly published (CI saw [403, 1001]).
    assert versions == sorted(set(versions)), versions
    assert versions[-1] == final, versions
    assert len(versions) < STORM // HOVER_EVERY, versions
    # The diagnostics are those of the text as typed (a comment block added at the end).
    published = lsp.published[-1].diagnostics
    env = fresh_environment(lsp.root)
    expected = check_source(lsp.texts[uri], lsp.root / "shop/services.py", env)
    assert sorted((d.range.start.line + 1, d.code) for d in published) == sorted(
        (f.span.start_line, f.code) for f in expected
    )
    assert lsp.errors() == []


async def test_memory_returns_near_its_start_after_storms(
    lsp_client: LanguageClient, tmp_path: Path
) -> None:
    """Regression (found here): pygls 2.1.1 keeps every incoming notification's Future and
    Task in JsonRPCProtocol._request_futures, ~3 KB per didChange forever; the server now
    drops the done ones."""
    lsp = Driver(lsp_client, copy_root(EXAMPLES, tmp_path), VSCODE)
    uri, hover_at = await _storm_session(lsp)
    await _storm(lsp, uri, hover_at)  # warm-up: caches, jedi, arenas
    start = lsp.rss_kib()
    for _ in range(3):
        await _storm(lsp, uri, hover_at)
    grown = lsp.rss_kib() - start
    assert grown < 3 * 1024, f"{grown} KiB more after {3 * STORM} changes"


async def test_200_documents_opened_and_closed(lsp_client: LanguageClient, tmp_path: Path) -> None:
    """Each document is checked (its diagnostics published), then closed: its diagnostics are
    cleared, and the server's memory does not keep what it held for them."""
    root = copy_root(EXAMPLES, tmp_path)
    lsp = Driver(lsp_client, root, VSCODE)
    await lsp.initialize()
    template = (root / "shop" / "services.py").read_text()

    async def open_and_close(batch: int) -> None:
        uris = []
        for number in range(200):
            relative = f"shop/generated_{batch}_{number}.py"
            uris.append(lsp.open(relative, template + f"\n\nBATCH = {batch}  # {number}\n"))
        for uri in uris:
            await lsp.settle(uri, 1)
            assert lsp.client.diagnostics[uri], uri
        for uri in uris:
            lsp.close(uri)
        # Waits for the clearing publications; the bound only ends a hung run.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and any(lsp.client.diagnostics.get(u) for u in uris):
            await asyncio.sleep(0.05)
        for uri in uris:
            assert not lsp.client.diagnostics.get(uri), f"{uri} keeps diagnostics after close"

    await open_and_close(0)  # warm-up
    start = lsp.rss_kib()
    await open_and_close(1)
    await open_and_close(2)
    grown = lsp.rss_kib() - start
    assert grown < 4 * 1024, f"{grown} KiB more after opening and closing 400 documents"
    assert lsp.errors() == []


# ---------------------------------------------------------------- hostile documents


async def _diagnostics(lsp: Driver, uri: str) -> list[types.Diagnostic]:
    """The document's current diagnostics, pulled or as published for its version."""
    if lsp.capabilities_of == NEOVIM:
        return list(await lsp.pull(uri))
    await lsp.settle(uri, lsp.versions[uri])
    return list(lsp.client.diagnostics[uri])


@pytest.mark.parametrize("client", [VSCODE, NEOVIM, "emacs"])
async def test_odd_line_endings_typed_in_every_encoding(
    client: str, lsp_client: LanguageClient, tmp_path: Path
) -> None:
    """CRLF, lone CR, form feeds, line/paragraph separators and NEL inside comments and
    strings, a BOM, tabs, astral characters -- typed line by line as incremental changes in
    UTF-16 (VS Code), UTF-8 (Neovim) and UTF-32 (Emacs): findings on the same lines as the
    plain text, every range inside its document, every fix parses."""
    lsp = Driver(lsp_client, copy_root(EXAMPLES, tmp_path), client)
    await lsp.initialize()
    baseline_uri = lsp.open("shop/plain.py", ODD)
    baseline = sorted((d.range.start.line, d.code) for d in await _diagnostics(lsp, baseline_uri))
    assert "IL101" in {code for _line, code in baseline}, baseline
    astral = ODD.replace("# a form feed", "# 🎉 中文 😀 a form feed").replace(
        "name=name)", 'name="😀" + name)'
    )
    for name, text in [*VARIANTS.items(), ("astral", astral)]:
        uri = lsp.open(f"shop/odd_{name.replace('-', '_')}.py", "")
        for piece in re.findall(r"[^\r\n]*(?:\r\n|\r|\n)?", text):
            if piece:
                lsp.append(uri, piece)
        found = await _diagnostics(lsp, uri)
        for diagnostic in found:
            assert range_problem(diagnostic.range, text, lsp.encoding) is None, name
        assert sorted((d.range.start.line, d.code) for d in found) == baseline, name
        await _check_actions(lsp, uri, found)
    assert lsp.errors() == []


def expected_line_of_a_create(lines: set[int]) -> int:
    """The 0-based line of the create() call nearest the middle of the module."""
    ordered = sorted(lines)
    return ordered[len(ordered) // 2] - 1


async def test_huge_deep_and_undecodable_files(lsp_client: LanguageClient, tmp_path: Path) -> None:
    """A 50,000-line module (every race found, a hover in its middle answered), 1,000-deep
    expressions (typed and checked without an error), a non-UTF-8 file on disk (skipped
    quietly)."""
    root = copy_root(EXAMPLES, tmp_path)
    (root / "shop" / "latin1.py").write_bytes("# caf\xe9\n".encode("latin-1") + b"x = 1\n")
    lsp = Driver(lsp_client, root, NEOVIM)
    await lsp.initialize()
    await lsp.client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(previous_result_ids=[])
    )
    big, expected_lines = huge_module(50_000)
    uri = lsp.open("shop/generated.py", big)
    found = await _diagnostics(lsp, uri)
    assert {d.range.start.line + 1 for d in found if d.code == "IL101"} == expected_lines
    # answered (how fast is `python -m benchmarks.huge_module`, not a test's business)
    _seconds, hover = await lsp.hover(uri, expected_line_of_a_create(expected_lines), 8)
    assert hover is not None
    for kind, expr in DEEP.items():
        uri = lsp.open(f"shop/deep_{kind}.py", f"from shop.models import Product\n\nx = {expr}\n")
        await _diagnostics(lsp, uri)
        lsp.append(uri, RACE)
        for diagnostic in await _diagnostics(lsp, uri):
            assert range_problem(diagnostic.range, lsp.texts[uri], lsp.encoding) is None
    await asyncio.sleep(0.3)
    assert lsp.errors() == []
    assert not [m for m in lsp.client.messages if m.type == types.MessageType.Error]


async def test_hover_in_a_deep_expression_logs_no_error(
    lsp_client: LanguageClient, tmp_path: Path
) -> None:
    """Regression (found here): the RecursionError in parso's get_leaf_for_position was
    logged to the client as an error traceback on every such hover."""
    lsp = Driver(lsp_client, copy_root(EXAMPLES, tmp_path), NEOVIM)
    await lsp.initialize()
    for kind, expr in DEEP.items():
        uri = lsp.open(f"shop/deep_{kind}.py", f"from shop.models import Product\n\nx = {expr}\n")
        await lsp.pull(uri)
        await lsp.hover(uri, 2, 10)
    assert lsp.errors() == []


# ---------------------------------------------------------------- nothing leaks out


def _symlinked_outside(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose shop/services.py and shop/migrations/ are symlinks to outside it."""
    root = copy_root(EXAMPLES, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "shop" / "services.py").rename(outside / "services.py")
    (root / "shop" / "services.py").symlink_to(outside / "services.py")
    (root / "shop" / "migrations").rename(outside / "migrations")
    (root / "shop" / "migrations").symlink_to(outside / "migrations", target_is_directory=True)
    return root, outside


async def test_no_fix_for_a_document_symlinked_outside_the_root(
    lsp_client: LanguageClient, tmp_path: Path
) -> None:
    """Regression (found here): fixes for a document symlinked outside the root named the
    outside file."""
    await _no_action_leaves_the_root(lsp_client, tmp_path, "shop/services.py", findings=True)


async def test_no_migration_generated_through_a_symlinked_folder(
    lsp_client: LanguageClient, tmp_path: Path
) -> None:
    await _no_action_leaves_the_root(
        lsp_client,
        tmp_path,
        "shop/migrations/0004_product_weight_grams_description.py",
        findings=False,  # the index does not follow a symlinked folder: nothing is offered
    )


async def _no_action_leaves_the_root(
    lsp_client: LanguageClient, tmp_path: Path, relative: str, *, findings: bool
) -> None:
    root, _outside = _symlinked_outside(tmp_path)
    lsp = Driver(lsp_client, root, NEOVIM)
    await lsp.initialize()
    # Named by the symlink, as editors name it (the file behind it, named by its own path,
    # is a file outside every project: a project of its own folder, server/roots.py).
    uri = lsp.open(relative, resolve=False)
    diagnostics = list(await lsp.pull(uri))
    assert bool(diagnostics) == findings
    for diagnostic in diagnostics:
        for action in await lsp.code_actions(uri, [diagnostic]):
            uris = touched_uris(action.edit)
            assert all(_inside_root(u, root) for u in uris), (action.title, uris)
    assert lsp.errors() == []


# ---------------------------------------------------------------- odd requests


async def test_odd_requests_are_answered(lsp_client: LanguageClient, tmp_path: Path) -> None:
    """Positions past the end, unknown and untitled documents, changes to documents never
    opened, a second open, explain with arguments of every wrong type: each request gets an
    answer (a result or an error response), the server stays up and logs no error."""
    lsp = Driver(lsp_client, copy_root(EXAMPLES, tmp_path), NEOVIM)
    await lsp.initialize()
    uri = lsp.open("shop/services.py")
    await lsp.pull(uri)
    client = lsp.client
    far = types.Position(line=10**6, character=10**6)
    for position in (far, types.Position(line=0, character=10**6)):
        here = types.TextDocumentIdentifier(uri=uri)
        await answered(client.text_document_hover_async(types.HoverParams(here, position)))
        context = types.CodeActionContext(diagnostics=[])
        action = types.CodeActionParams(here, types.Range(start=position, end=far), context)
        await answered(client.text_document_code_action_async(action))
    never = lsp.uri("shop/never_opened.py")
    for other in (never, "untitled:Untitled-1", "file:///nowhere/x.py"):
        there = types.TextDocumentIdentifier(uri=other)
        origin = types.Position(line=0, character=0)
        await answered(client.text_document_hover_async(types.HoverParams(there, origin)))
        pull = types.DocumentDiagnosticParams(text_document=there)
        await answered(client.text_document_diagnostic_async(pull))
    whole = types.TextDocumentContentChangeWholeDocument(text="x = 1\n")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=never, version=7), [whole]
        )
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=never))
    )
    untitled = "untitled:Untitled-2"
    item = types.TextDocumentItem(uri=untitled, language_id="python", version=1, text=RACE)
    client.text_document_did_open(types.DidOpenTextDocumentParams(item))
    pull = types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri=untitled))
    await answered(client.text_document_diagnostic_async(pull))
    lsp.open("shop/services.py")  # opened a second time
    weird: list[list[object]] = [[], [5], [None], [{"text": 1}], [["a"]], ["x" * 100_000]]
    for arguments in weird:
        command = types.ExecuteCommandParams(command="integrity-lsp.explain", arguments=arguments)
        await answered(client.workspace_execute_command_async(command))
    unknown = types.ExecuteCommandParams(command="integrity-lsp.no-such-command", arguments=[])
    await answered(client.workspace_execute_command_async(unknown))
    assert any(d.code == "IL101" for d in await lsp.pull(uri))  # still up, still right
    assert lsp.errors() == []


async def answered(request: Awaitable[object], timeout: float = 15) -> None:
    """The request got an answer: a result, or an error response (never no answer)."""
    with contextlib.suppress(JsonRpcException):
        await asyncio.wait_for(request, timeout)
