"""Robustness and lifecycle: half-typed code, the explain command, shutdown, exit and EOF."""

from __future__ import annotations

import asyncio
import json
import subprocess
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from integrity_lsp.server.documents import path_to_uri
from tests.robustness.raw_lsp import RawServer
from tests.server.conftest import SERVER, Session

HALF_TYPED = textwrap.dedent(
    """\
    from shop.models import Product


    def add_product(request):
        sku = request.POST["sku"
        if not Product.objects.filter(sku=sku).exists(
            Product.objects.create(sku=sku, name=
        class
    """
)


async def test_half_typed_code_answers_every_request(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py", HALF_TYPED)
    await lsp.diagnostics(uri)
    lines = HALF_TYPED.split("\n")
    for line_number, line in enumerate(lines):
        for character in range(0, len(line) + 2, 3):
            position = types.Position(line=line_number, character=character)
            await lsp.client.text_document_hover_async(
                types.HoverParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), position=position
                )
            )
    everything = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=len(lines), character=0)
    )
    await lsp.code_actions(uri, [], everything)
    lsp.replace_all(uri, HALF_TYPED + "    )))\n\x00\ufeff")
    await lsp.diagnostics(uri)
    bogus = types.Diagnostic(
        range=everything, message="?", code="IL101", source="integrity-lsp", data={"v": 7}
    )
    await lsp.code_actions(uri, [bogus])
    assert all(m.type != types.MessageType.Error for m in lsp.client.messages)
    assert all(m.type != types.MessageType.Error for m in lsp.client.log_messages)


async def test_file_outside_any_django_app_gets_no_diagnostics(lsp: Session) -> None:
    await lsp.initialize()
    (lsp.root / "scripts").mkdir()
    (lsp.root / "scripts" / "tool.py").write_text("print('hello')\n")
    uri = lsp.open("scripts/tool.py")
    assert list(await lsp.diagnostics(uri)) == []


async def test_explain_command_points_at_model_and_write_sites(lsp: Session) -> None:
    result = await lsp.initialize()
    assert result.capabilities.execute_command_provider is not None
    assert "integrity-lsp.explain" in result.capabilities.execute_command_provider.commands
    answer = await lsp.client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="integrity-lsp.explain",
            arguments=[
                "django.db.utils.IntegrityError: UNIQUE constraint failed: shop_product.sku"
            ],
        )
    )
    assert answer is not None
    assert "shop.Product" in answer["summary"]
    uris = {location["uri"] for location in answer["locations"]}
    assert lsp.uri("shop/models.py") in uris
    assert lsp.uri("shop/views.py") in uris
    assert all({"uri", "range", "title"} <= set(location) for location in answer["locations"])
    nothing = await lsp.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="integrity-lsp.explain", arguments=["all good"])
    )
    assert nothing is not None
    assert nothing["locations"] == []


def _serve(stdin: bytes, timeout: float = 30) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(SERVER, input=stdin, capture_output=True, timeout=timeout, check=False)


def _message(payload: str) -> bytes:
    body = payload.encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def test_stdin_eof_ends_the_process() -> None:
    assert _serve(b"").returncode == 0


def test_exit_without_shutdown_is_an_error_status() -> None:
    init = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
    exit_ = '{"jsonrpc":"2.0","method":"exit"}'
    assert _serve(_message(init) + _message(exit_)).returncode == 1


def test_shutdown_then_exit_is_clean() -> None:
    init = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
    stdin = (
        _message(init)
        + _message('{"jsonrpc":"2.0","method":"initialized","params":{}}')
        + _message('{"jsonrpc":"2.0","id":2,"method":"shutdown"}')
        + _message('{"jsonrpc":"2.0","method":"exit"}')
    )
    process = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.flush()
    assert process.wait(timeout=30) == 0
    output = process.stdout.read() if process.stdout else b""
    assert b'"id": 2' in output or b'"id":2' in output


async def _read_message(reader: asyncio.StreamReader) -> dict[str, Any]:
    length = 0
    while True:
        header = await reader.readline()
        if header in (b"\r\n", b""):
            break
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    return dict(json.loads(await reader.readexactly(length)))


async def test_tcp_mode_serves_one_client(unused_tcp_port: int) -> None:
    process = await asyncio.create_subprocess_exec(
        *SERVER, "--tcp", f"127.0.0.1:{unused_tcp_port}", stderr=asyncio.subprocess.DEVNULL
    )
    try:
        for _ in range(200):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", unused_tcp_port)
                break
            except OSError:
                await asyncio.sleep(0.05)
        init = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
        writer.write(_message(init))
        answer = await asyncio.wait_for(_read_message(reader), 20)
        assert answer["result"]["serverInfo"]["name"] == "integrity-lsp"
        writer.write(_message('{"jsonrpc":"2.0","id":2,"method":"shutdown"}'))
        writer.write(_message('{"jsonrpc":"2.0","method":"exit"}'))
        await writer.drain()
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()


def large_project(root: Path, files: int = 1000) -> Path:
    """A Django project whose index takes seconds to build: `files` modules of models."""
    root.mkdir()
    (root / "manage.py").write_text("")
    for app in range(files // 25):
        models = root / f"app{app}" / "models"
        models.mkdir(parents=True)
        (models.parent / "__init__.py").write_text("")
        (models / "__init__.py").write_text("")
        for number in range(25):
            classes = "".join(
                f"class M{number}x{k}(models.Model):\n"
                "    code = models.CharField(max_length=9, unique=True)\n\n"
                for k in range(5)
            )
            (models / f"m{number}.py").write_text(f"from django.db import models\n\n{classes}")
    return root


@pytest.mark.parametrize("ending", ["eof", "exit"])
def test_the_server_ends_while_indexing(tmp_path: Path, ending: str) -> None:
    """The editor quits while a large tree is being indexed: stdin's end (or `exit`) ends
    the process without waiting for the index build — it exits before indexing reports its
    end. No time is asserted (a loaded CI machine is slow); the build of this tree takes
    many seconds, the exit a fraction of one."""
    root = large_project(tmp_path / "big")
    server = RawServer(root)
    try:
        uri = path_to_uri(root.resolve())
        server.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "big"}],
                "capabilities": {"window": {"workDoneProgress": True}},
            },
        )
        server.notify("initialized", {})
        server.wait_for(
            lambda m: (
                m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "begin"
            ),
            120,
            "the start of indexing",
        )
        if ending == "exit":
            server.notify("exit")
        assert server.process.stdin is not None
        server.process.stdin.close()
        quit_at = time.monotonic()
        server.process.wait(timeout=120)
        took = time.monotonic() - quit_at
        still_indexing = not any(
            m.get("method") == "$/progress" and m["params"]["value"].get("kind") == "end"
            for m in server.seen
        )
        # ended before the build finished: it was not waited for
        assert still_indexing, f"indexing ended before the exit ({took:.2f} s after stdin closed)"
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()
