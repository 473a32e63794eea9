"""A raw LSP client over a real `integrity-lsp serve` subprocess, for what pytest-lsp cannot
send: broken framing, requests out of lifecycle order, crafted `data`, a server started in a
chosen folder or as an ordinary user. Every wait is bounded: a server that stops answering
fails the test (`NoAnswer`), it never hangs the suite; the process is killed on the way out.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from integrity_lsp.server.documents import path_to_uri

SERVER = [sys.executable, "-m", "integrity_lsp", "serve"]
CAPABILITIES: dict[str, Any] = {
    "textDocument": {
        "diagnostic": {"dynamicRegistration": False},
        "codeAction": {"resolveSupport": {"properties": ["edit"]}},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
    },
    "workspace": {"workspaceEdit": {"documentChanges": True}},
}


class NoAnswer(AssertionError):
    """The server did not send what was waited for in time."""


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class RawServer:
    """One server process; messages it sends are collected by a reader thread."""

    def __init__(
        self,
        cwd: Path,
        *,
        prefix: Sequence[str] = (),
        env: dict[str, str] | None = None,
        memory_bytes: int | None = None,
    ) -> None:
        def limit_memory() -> None:  # pragma: no cover - runs in the child
            if memory_bytes is not None:
                resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

        self.process = subprocess.Popen(
            [*prefix, *SERVER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=limit_memory,
        )
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = bytearray()
        self._next_id = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- the wire ------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line == b"\r\n" and length is not None:
                    break
            self.received.put(json.loads(stream.read(length)))

    def _read_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        for line in iter(stream.readline, b""):
            self.stderr += line

    def send_bytes(self, data: bytes) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        stdin.write(data)
        stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.send_bytes(frame(message))

    # -- messages ------------------------------------------------------------------------

    def request_message(self, method: str, params: Any = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        return message

    def request(self, method: str, params: Any = None, timeout: float = 60) -> dict[str, Any]:
        """Send a request and wait for its response (result or error)."""
        message = self.request_message(method, params)
        self.send(message)
        return self.response(message["id"], timeout)

    def notify(self, method: str, params: Any = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)

    def response(self, request_id: Any, timeout: float = 60) -> dict[str, Any]:
        return self.wait_for(
            lambda m: m.get("id") == request_id and "method" not in m,
            timeout,
            f"the answer to request {request_id}",
        )

    def wait_for(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        """The first message (already seen or still to come) that `wanted` accepts; requests
        from the server are answered with null on the way."""
        for message in self.seen:
            if wanted(message):
                return message
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NoAnswer(f"no {what} within {timeout:.0f} s; stderr:\n{self.stderr_text}")
            try:
                message = self.received.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            self.seen.append(message)
            if "method" in message and "id" in message:  # registerCapability, progress…
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            if wanted(message):
                return message

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")

    def logged(self) -> list[str]:
        """What the server sent to window/logMessage and window/showMessage so far."""
        self.wait_idle()
        return [
            str(m["params"].get("message"))
            for m in self.seen
            if m.get("method") in ("window/logMessage", "window/showMessage")
        ]

    def wait_idle(self, seconds: float = 0.3) -> None:
        """Take in what the server has sent by now."""
        with contextlib.suppress(NoAnswer):
            self.wait_for(lambda m: False, seconds, "nothing")

    # -- a session -----------------------------------------------------------------------

    def initialize(self, root: Path, options: Any = None) -> dict[str, Any]:
        uri = path_to_uri(root.resolve())
        answer = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri,
                "workspaceFolders": [{"uri": uri, "name": "project"}],
                "capabilities": CAPABILITIES,
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})
        return answer

    def open(self, path: Path, text: str | None = None) -> str:
        uri = path_to_uri(path.resolve())
        if text is None:
            text = path.read_text(encoding="utf-8")
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        return uri

    def pull(self, uri: str, timeout: float = 60) -> list[dict[str, Any]]:
        """The diagnostics of a document, by a pull request."""
        answer = self.request("textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout)
        assert "result" in answer, answer
        return list(answer["result"].get("items", []))

    def close(self) -> None:
        """shutdown and exit, then the process must end; killed if it does not."""
        with contextlib.suppress(NoAnswer, OSError, ValueError):
            self.request("shutdown", timeout=10)
            self.notify("exit")
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def raw_server(
    cwd: Path,
    *,
    prefix: Sequence[str] = (),
    env: dict[str, str] | None = None,
    memory_bytes: int | None = None,
) -> Iterator[RawServer]:
    server = RawServer(cwd, prefix=prefix, env=env, memory_bytes=memory_bytes)
    try:
        yield server
    finally:
        server.close()
        for stream in (server.process.stdin, server.process.stdout, server.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
