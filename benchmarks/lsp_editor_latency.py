"""Editor latency of `integrity-lsp serve` on a real project, push and pull, through a real client.

On a copy of a project (default: `examples/`), with VS Code's captured capabilities (push) and
Neovim 0.11's (pull), it times:

- cold open: `initialized` then at once `didOpen` → the first diagnostics of that file
  (includes building the project index, which the first check waits for);
- warm open: `didOpen` of another file once the index is built → its first diagnostics;
- change: `didChange` (one edit on a line with a finding) → `publishDiagnostics` for that
  version (includes the server's debounce);
- cross-file: an unsaved edit of the models file → the view re-published;
- pull: `textDocument/diagnostic` after open and after each change (no debounce).

`python -m benchmarks.lsp_editor_latency [--project PATH] [--view REL] [--runs N]` prints a
Markdown table (median, p90, min, max in milliseconds); `--json FILE` writes it too.
(`benchmarks/lsp_latency.py` measures a generated ~1,000-line module instead.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pytest_lsp import client_capabilities

REPO = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "integrity_lsp", "serve"]
Published = tuple[float, int | None, int]  # (time, version, number of diagnostics)


class Client:
    """A pygls client that records when each document's diagnostics arrive."""

    def __init__(self, capabilities: str) -> None:
        self.lsp = LanguageClient("lsp-editor-latency", "1")
        self.capabilities = client_capabilities(capabilities)
        self.published: dict[str, list[Published]] = {}
        self.logs: list[str] = []
        self.versions: dict[str, int] = {}
        self.event = asyncio.Event()
        lsp = self.lsp

        @lsp.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
        def publish(params: types.PublishDiagnosticsParams) -> None:
            entry = (time.perf_counter(), params.version, len(params.diagnostics))
            self.published.setdefault(params.uri, []).append(entry)
            self.event.set()

        @lsp.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
        def log(params: types.LogMessageParams) -> None:
            self.logs.append(params.message)

        @lsp.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)  # type: ignore[untyped-decorator]
        def progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

        @lsp.feature(types.PROGRESS)  # type: ignore[untyped-decorator]
        def progress(params: types.ProgressParams) -> None:
            return None

        @lsp.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]
        def configuration(params: types.ConfigurationParams) -> list[Any]:
            return [None for _ in params.items]

        @lsp.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
        def register(params: types.RegistrationParams) -> None:
            return None

    async def start(self, root: Path) -> None:
        await self.lsp.start_io(*SERVER)
        uri = root.as_uri()
        await self.lsp.initialize_async(
            types.InitializeParams(
                capabilities=self.capabilities,
                root_uri=uri,
                workspace_folders=[types.WorkspaceFolder(uri=uri, name="project")],
            )
        )
        self.lsp.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await self.lsp.shutdown_async(None)
        self.lsp.exit(None)
        await self.lsp.stop()  # type: ignore[no-untyped-call]

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.versions[uri] = 1
        self.lsp.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=path.read_text("utf-8")
                )
            )
        )
        return uri

    def change(self, uri: str, line: int, column: int, old: str, new: str) -> int:
        """Replace `old` at (line, column) with `new` (ASCII only: columns in any encoding)."""
        self.versions[uri] += 1
        start = types.Position(line=line, character=column)
        end = types.Position(line=line, character=column + len(old))
        self.lsp.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=start, end=end), text=new
                    )
                ],
            )
        )
        return self.versions[uri]

    async def wait_publish(
        self, uri: str, accept: Callable[[Published], bool], since: float
    ) -> float:
        while True:
            for entry in self.published.get(uri, []):
                if entry[0] >= since and accept(entry):
                    return entry[0]
            self.event.clear()
            await asyncio.wait_for(self.event.wait(), 60)

    async def pull(self, uri: str) -> Any:
        return await self.lsp.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )


def edit_point(text: str) -> tuple[int, int, str]:
    """A string literal on an ORM line to retype: (line, column, literal)."""
    for number, line in enumerate(text.split("\n")):
        if "objects." in line and '"' in line and line.isascii():
            column = line.index('"')
            return number, column, line[column : line.index('"', column + 1) + 1]
    raise SystemExit("no ORM line with a string literal to edit in the view")


def _of_version(version: int) -> Callable[[Published], bool]:
    return lambda entry: entry[1] == version


def ms(start: float, end: float) -> float:
    return (end - start) * 1000


async def push_run(root: Path, view: Path, other: Path, models: Path, edits: int) -> dict[str, Any]:
    client = Client("visual-studio-code")
    results: dict[str, list[float]] = {}
    await client.start(root)
    started = time.perf_counter()
    view_uri = client.open(view)
    results["push: cold open → diagnostics"] = [
        ms(started, await client.wait_publish(view_uri, lambda e: True, started))
    ]
    started = time.perf_counter()
    other_uri = client.open(other)
    results["push: warm open → diagnostics"] = [
        ms(started, await client.wait_publish(other_uri, lambda e: True, started))
    ]
    line, column, current = edit_point(view.read_text("utf-8"))
    changes = []
    for index in range(edits):
        replacement = f'"edit{index}"'
        started = time.perf_counter()
        version = client.change(view_uri, line, column, current, replacement)
        current = replacement
        done = await client.wait_publish(view_uri, _of_version(version), started)
        changes.append(ms(started, done))
    results["push: change → diagnostics"] = changes
    models_uri = client.open(models)
    target = next(n for n, t in enumerate(models.read_text("utf-8").split("\n")) if "class " in t)
    cross = []
    for index in range(min(edits, 5)):
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        field = f"    extra_{index} = models.IntegerField(default=0)\n"
        client.change(models_uri, target + 1, 0, "", field)
        cross.append(ms(started, await client.wait_publish(view_uri, lambda e: True, started)))
    results["push: unsaved models edit → view re-published"] = cross
    await client.stop()
    return results


async def pull_run(root: Path, view: Path, edits: int) -> dict[str, list[float]]:
    client = Client("neovim@v0.11.0")
    await client.start(root)
    uri = client.open(view)
    started = time.perf_counter()
    await client.pull(uri)
    first = [ms(started, time.perf_counter())]
    line, column, current = edit_point(view.read_text("utf-8"))
    pulls = []
    for index in range(edits):
        replacement = f'"edit{index}"'
        client.change(uri, line, column, current, replacement)
        current = replacement
        started = time.perf_counter()
        await client.pull(uri)
        pulls.append(ms(started, time.perf_counter()))
    await client.stop()
    return {"pull: cold open → report": first, "pull: change → report": pulls}


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p90": ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))],
        "min": ordered[0],
        "max": ordered[-1],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=REPO / "examples")
    parser.add_argument("--view", default="shop/services.py")
    parser.add_argument("--other", default="shop/views.py")
    parser.add_argument("--models", default="shop/models/catalog.py")
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3, help="fresh server processes")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    merged: dict[str, list[float]] = {}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder).resolve() / "project"
            shutil.copytree(args.project, root, ignore=shutil.ignore_patterns("__pycache__"))
            view, other, models = root / args.view, root / args.other, root / args.models
            runs = [
                asyncio.run(push_run(root, view, other, models, args.edits)),
                asyncio.run(pull_run(root, view, args.edits)),
            ]
            for run in runs:
                for name, values in run.items():
                    merged.setdefault(name, []).extend(values)
    table = {name: summarise(values) for name, values in merged.items()}
    print(f"{args.project} ({args.view}); {args.runs} run(s), fresh server each\n")
    print("| measurement | n | median ms | p90 ms | min ms | max ms |")
    print("|---|---|---|---|---|---|")
    for name, stats in table.items():
        print(
            f"| {name} | {stats['n']:.0f} | {stats['median']:.0f} | {stats['p90']:.0f} "
            f"| {stats['min']:.0f} | {stats['max']:.0f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
