"""Smoke test of a packaged .vsix: its bundled server, started from the unpacked package with a
Python that has none of the server's dependencies, runs a real LSP session.

    python3 smoke_vsix.py --vsix integrity-lsp-0.1.0.vsix --python /usr/bin/python3 \\
        --project examples --file shop/services.py --expect IL101

1. checks that `--python` cannot import pygls, lsprotocol, jedi, parso or integrity_lsp (run in
   an empty folder, with PYTHONPATH/PYTHONHOME/VIRTUAL_ENV removed from the environment);
2. unzips the .vsix into a temporary folder;
3. starts `<python> extension/bundled/tool/server.py serve` there, exactly as the extension does
   with `integrityLsp.importStrategy: useBundled`, in the project folder;
4. speaks LSP over stdio (Content-Length framing): initialize (with the initializationOptions the
   extension sends: the `integrity-lsp` table, `python` and `logLevel`), initialized, didOpen of
   the file, waits for a publishDiagnostics with the expected code, then shutdown and exit, and
   checks that the process ends with status 0. Requests from the server
   (workspace/configuration, window/workDoneProgress/create, client/registerCapability, ...) are
   answered as a client would. A warning or error shown with window/showMessage fails the test.

Standard library only, so that it runs with the system Python too.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

DEPENDENCIES = ("pygls", "lsprotocol", "jedi", "parso", "cattrs", "attrs", "integrity_lsp")
LAUNCHER = Path("extension", "bundled", "tool", "server.py")


def log(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def clean_environment() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "CONDA_PREFIX"):
        env.pop(name, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def check_python(python: str, scratch: Path) -> str:
    """The interpreter's version; fails when any server dependency is importable."""
    env = clean_environment()
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0], sys.executable)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=scratch,
        env=env,
    ).stdout.strip()
    for module in DEPENDENCIES:
        probe = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, text=True, cwd=scratch, env=env
        )
        if probe.returncode == 0:
            raise SystemExit(
                f"smoke: {python} can import {module}: it must have none of the server's "
                "dependencies (choose another interpreter with --python)"
            )
        last = probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else "failed"
        log(f"{python} -c 'import {module}': {last}")
    return version


class Client:
    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.next_id = 0
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            headers: dict[str, str] = {}
            while True:
                line = stream.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                key, _, value = line.decode("ascii").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = stream.read(int(headers["content-length"]))
            self.inbox.put(json.loads(body.decode("utf-8")))

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def request(self, method: str, params: Any) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def receive(self, deadline: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        try:
            message = self.inbox.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError from None
        if message is None:
            raise EOFError("the server closed its stdout")
        return message


def answer_server_request(client: Client, message: dict[str, Any]) -> None:
    method = message["method"]
    if method == "workspace/configuration":
        items = message["params"]["items"]
        result: Any = [{} if item.get("section") == "integrity-lsp" else None for item in items]
    else:  # window/workDoneProgress/create, client/registerCapability, .../refresh, ...
        result = None
    client.send({"id": message["id"], "result": result})


def run_session(args: argparse.Namespace, server: Path, python: str) -> None:
    project: Path = args.project.resolve()
    document = (project / args.file).resolve()
    root_uri = project.as_uri()
    command = [python, str(server), "serve"]
    log("starting " + " ".join(command) + f" in {project}")
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=project,
        env=clean_environment(),
    )
    client = Client(process)
    shown: list[dict[str, Any]] = []
    responses: dict[int, dict[str, Any]] = {}
    diagnostics: dict[str, list[dict[str, Any]]] = {}

    def pump(deadline: float, until: Any) -> None:
        while not until():
            message = client.receive(deadline)
            if "id" in message and "method" in message:
                answer_server_request(client, message)
            elif "id" in message:
                responses[message["id"]] = message
            elif message.get("method") == "textDocument/publishDiagnostics":
                diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
            elif message.get("method") == "window/showMessage":
                shown.append(message["params"])
                log(f"window/showMessage: {message['params']}")
            elif message.get("method") == "window/logMessage":
                log(f"server log: {message['params']['message'].strip()[:300]}")

    try:
        init = client.request(
            "initialize",
            {
                "processId": os.getpid(),
                "clientInfo": {"name": "integrity-lsp vsix smoke test", "version": "1"},
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": project.name}],
                "initializationOptions": {
                    "integrity-lsp": {},
                    "python": python,
                    "logLevel": "info",
                },
                "capabilities": {
                    "general": {"positionEncodings": ["utf-16"]},
                    "workspace": {"configuration": True, "workspaceFolders": True},
                    "window": {"workDoneProgress": True},
                    "textDocument": {
                        "synchronization": {"didSave": True},
                        "publishDiagnostics": {"relatedInformation": True},
                        "codeAction": {},
                        "hover": {},
                    },
                },
            },
        )
        deadline = time.monotonic() + args.timeout
        pump(deadline, lambda: init in responses)
        result = responses[init]
        if "error" in result:
            raise SystemExit(f"smoke: initialize failed: {result['error']}")
        info = result["result"].get("serverInfo", {})
        took = time.monotonic() - started
        log(f"initialize: {info.get('name')} {info.get('version')} in {took:.2f} s")
        client.notify("initialized", {})
        uri = document.as_uri()
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": document.read_text(encoding="utf-8"),
                }
            },
        )
        opened = time.monotonic()

        def found() -> bool:
            return any(d.get("code") == args.expect for d in diagnostics.get(uri, []))

        pump(deadline, found)
        log(f"diagnostics for {args.file} {time.monotonic() - opened:.2f} s after didOpen:")
        for item in diagnostics[uri]:
            line = item["range"]["start"]["line"] + 1
            log(f"  {args.file}:{line}: {item.get('code')} {item['message'][:90]}")
        bad = [m for m in shown if m.get("type") in (1, 2)]
        if bad:
            raise SystemExit(f"smoke: the server showed warnings or errors: {bad}")

        shutdown = client.request("shutdown", None)
        pump(time.monotonic() + 10, lambda: shutdown in responses)
        client.notify("exit", None)
        status = process.wait(timeout=10)
        log(f"shutdown/exit: the server ended with status {status}")
        if status != 0:
            raise SystemExit(f"smoke: the server exited with status {status}")
    except (TimeoutError, EOFError) as error:
        what = "timed out" if isinstance(error, TimeoutError) else str(error)
        sys.stderr.write("".join(client.stderr))
        raise SystemExit(
            f"smoke: {what} (diagnostics so far: {json.dumps(diagnostics)[:2000]})"
        ) from None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if client.stderr:
        log("server stderr:\n" + "".join(client.stderr).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--vsix", type=Path, required=True)
    parser.add_argument("--python", default="/usr/bin/python3")
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--file", default="shop/services.py")
    parser.add_argument("--expect", default="IL101")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="integrity-lsp-vsix-") as scratch:
        root = Path(scratch)
        empty = root / "empty"
        empty.mkdir()
        version = check_python(args.python, empty)
        log(f"python: {version}")
        unpacked = root / "vsix"
        with zipfile.ZipFile(args.vsix) as archive:
            names = archive.namelist()
            archive.extractall(unpacked)
        bundled = [name for name in names if name.startswith("extension/bundled/")]
        where = "under extension/bundled/"
        log(f"unpacked {args.vsix.name}: {len(names)} files, {len(bundled)} {where}")
        server = unpacked / LAUNCHER
        if not server.is_file():
            raise SystemExit(f"smoke: {LAUNCHER} is not in {args.vsix}")
        run_session(args, server, args.python)
    log("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
