"""LSP framing (issue 17, item 8): a broken `Content-Length` header neither kills the server
nor puts it out of step with the client -- the requests after it are all answered.

A real `integrity-lsp serve` over stdio gets the broken message, then ten ordinary requests;
each must be answered within a bounded wait. `Frames` (the parser) is also fed the same
streams directly, cut into pieces of every size.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.robustness.raw_lsp import RawServer, frame, raw_server
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

HOVER = {"jsonrpc": "2.0", "id": 9999, "method": "textDocument/hover"}
BODY = json.dumps({"jsonrpc": "2.0", "method": "$/ignored", "params": {}}).encode()
BROKEN = {
    "huge length": b"Content-Length: 99999999999\r\n\r\n" + BODY,
    "no length": b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + BODY,
    "negative length": b"Content-Length: -5\r\n\r\n" + BODY,
    "non-numeric length": b"Content-Length: twelve\r\n\r\n" + BODY,
    "a length of 400 digits": b"Content-Length: " + b"9" * 400 + b"\r\n\r\n" + BODY,
    "a length longer than the body": b"Content-Length: %d\r\n\r\n" % (len(BODY) + 500) + BODY,
    "a length shorter than the body": b"Content-Length: %d\r\n\r\n" % (len(BODY) - 9) + BODY,
    "garbage without a header": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + BODY,
    "a body that is not JSON": b"Content-Length: 9\r\n\r\nnot json!",
}


def _requests(server: RawServer, count: int) -> list[dict[str, object]]:
    return [server.request_message("workspace/executeCommand", _explain()) for _ in range(count)]


def _explain() -> dict[str, object]:
    return {"command": "integrity-lsp.explain", "arguments": ["no IntegrityError here"]}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("framing"), PROJECT)


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_header_is_skipped_and_the_next_requests_are_answered(
    project: Path, case: str
) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        requests = _requests(server, 10)
        # The broken message and the first request arrive together, as a client would send
        # them: the parser must find the request's header after the broken bytes.
        server.send_bytes(BROKEN[case] + frame(requests[0]))
        for request in requests[1:]:
            server.send(request)
        for request in requests:
            answer = server.response(request["id"], timeout=60)
            assert "result" in answer, answer
        assert server.process.poll() is None, "the server died"


@pytest.mark.parametrize("case", BROKEN)
@pytest.mark.parametrize("piece", [1, 7, 64, 100_000])
def test_frames_resynchronise_on_the_next_header(case: str, piece: int) -> None:
    from integrity_lsp.server.transport import Frames  # here: the server tests run without it

    good = [json.dumps({"jsonrpc": "2.0", "id": n, "method": "shutdown"}).encode() for n in (1, 2)]
    stream = frame_bytes(good[0]) + BROKEN[case] + frame_bytes(good[1])
    frames = Frames()
    bodies = [
        body
        for start in range(0, len(stream), piece)
        for body in frames.feed(stream[start : start + piece])
    ]
    assert good[0] in bodies and good[1] in bodies, bodies
    assert bodies.index(good[0]) < bodies.index(good[1])


def frame_bytes(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
