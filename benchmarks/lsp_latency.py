"""Editor latency of `integrity-lsp serve`, measured through a real LSP client over stdio.

A pygls `LanguageClient` starts the server as a subprocess on a generated project and measures:

- cold: `initialize` sent -> the first `publishDiagnostics` of the opened ~1,000-line views
  module (and, separately, didOpen -> those diagnostics);
- warm: 100 `didChange` edits of that module (typing in the body of its last function), each
  -> the `publishDiagnostics` for that document version: p50 / p95 / max;
- hover on a model name in an ORM call: p50 / p95 over 20 requests;
- the server's RSS after indexing and after the edits (VmRSS and VmHWM from /proc).

`python -m benchmarks.lsp_latency --size large` prints the numbers as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from benchmarks.measure import rss_kib

REPO = Path(__file__).resolve().parent.parent


@dataclass
class LatencyResult:
    files: int
    cold_initialize_to_diagnostics_s: float | None = None
    cold_open_to_diagnostics_s: float | None = None
    initial_diagnostics: int = 0
    edits: int = 0
    edit_timeouts: int = 0
    edit_p50_ms: float | None = None
    edit_p95_ms: float | None = None
    edit_max_ms: float | None = None
    hover_p50_ms: float | None = None
    hover_p95_ms: float | None = None
    hover_found: bool = False
    rss_after_index_mib: float | None = None
    hwm_after_index_mib: float | None = None
    rss_after_edits_mib: float | None = None
    hwm_after_edits_mib: float | None = None
    error: str = ""
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


class _Diagnostics:
    """Published diagnostics by URI, with a way to wait for the next matching one."""

    def __init__(self) -> None:
        self.latest: dict[str, tuple[int | None, int, float]] = {}  # uri -> (version, count, t)
        self.server_messages: list[str] = []  # errors and warnings the server logged
        self._event = asyncio.Event()

    def publish(self, params: types.PublishDiagnosticsParams) -> None:
        self.latest[params.uri] = (params.version, len(params.diagnostics), time.perf_counter())
        self._event.set()

    async def wait(self, uri: str, version: int | None, after: float, timeout: float) -> float:
        """Time at which diagnostics for `uri` arrived: of `version` when the server sends
        versions, else the first published after `after`."""
        deadline = time.perf_counter() + timeout
        while True:
            found = self.latest.get(uri)
            if found is not None:
                got_version, _, at = found
                if (got_version is not None and version is not None and got_version >= version) or (
                    got_version is None and at > after
                ):
                    return at
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except asyncio.TimeoutError:
                continue


def _client(diagnostics: _Diagnostics) -> LanguageClient:
    client = LanguageClient("integrity-lsp-bench", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        diagnostics.publish(params)

    @client.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]
    def on_configuration(params: types.ConfigurationParams) -> list[Any]:
        return [None for _ in params.items]

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)  # type: ignore[untyped-decorator]
    def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)  # type: ignore[untyped-decorator]
    def on_progress(params: types.ProgressParams) -> None:
        return None

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)  # type: ignore[untyped-decorator]
    def on_register(params: types.RegistrationParams) -> None:
        return None

    @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
    def on_log(params: types.LogMessageParams) -> None:
        if params.type in (types.MessageType.Error, types.MessageType.Warning):
            diagnostics.server_messages.append(params.message[:2000])

    return client


def _capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind.Utf16]
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
            ),
        ),
        workspace=types.WorkspaceClientCapabilities(configuration=True),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )


async def _drain(stream: asyncio.StreamReader | None, tail: list[bytes]) -> None:
    """Read the server's stderr so that it never blocks on a full pipe; keep the end."""
    if stream is None:
        return
    while True:
        line = await stream.readline()
        if not line:
            return
        tail.append(line)
        del tail[:-20]


def _mib(kib: int) -> float | None:
    return round(kib / 1024, 1) if kib else None


async def measure_latency(
    root: Path,
    module: Path,
    hover: tuple[int, int],
    edit_line: int,
    *,
    edits: int = 100,
    hovers: int = 20,
    timeout: float = 120.0,
    edit_timeout: float = 10.0,
    files: int = 0,
) -> LatencyResult:
    """Run the scenario against `integrity-lsp serve` on `root`; see the module docstring.

    An edit whose diagnostics take longer than `edit_timeout` seconds counts as a timeout (the
    benchmark's budget); a test of the plumbing passes a long one, since it asserts that every
    edit is answered, not how fast (a loaded CI machine is slow).
    """
    result = LatencyResult(files=files)
    diagnostics = _Diagnostics()
    client = _client(diagnostics)
    stderr_tail: list[bytes] = []
    uri = module.resolve().as_uri()
    text = module.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "integrity_lsp", "serve", cwd=str(root))
    server = client._server  # pygls keeps the process here; its pid is what /proc describes
    drain = asyncio.create_task(_drain(server.stderr if server else None, stderr_tail))
    try:
        init = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=None,
                    root_uri=root.resolve().as_uri(),
                    workspace_folders=[
                        types.WorkspaceFolder(uri=root.resolve().as_uri(), name=root.name)
                    ],
                    capabilities=_capabilities(),
                )
            ),
            timeout,
        )
        client.initialized(types.InitializedParams())
        opened = time.perf_counter()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        arrived = await diagnostics.wait(uri, 1, opened, timeout)
        result.cold_initialize_to_diagnostics_s = round(arrived - start, 3)
        result.cold_open_to_diagnostics_s = round(arrived - opened, 3)
        result.initial_diagnostics = diagnostics.latest[uri][1]
        await asyncio.sleep(1.0)  # let background indexing settle before reading memory
        if server is not None:
            result.rss_after_index_mib = _mib(rss_kib(server.pid, "VmRSS"))
            result.hwm_after_index_mib = _mib(rss_kib(server.pid, "VmHWM"))

        incremental = _is_incremental(init.capabilities.text_document_sync)
        samples: list[float] = []
        original = lines[edit_line - 1]
        indent = original[: len(original) - len(original.lstrip())]
        for number in range(edits):
            version = number + 2
            new_line = f'{indent}return JsonResponse({{"ok": True, "edit": {number}}})\n'
            lines[edit_line - 1] = new_line
            change: types.TextDocumentContentChangeEvent
            if incremental:
                change = types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=edit_line - 1, character=0),
                        end=types.Position(line=edit_line, character=0),
                    ),
                    text=new_line,
                )
            else:
                change = types.TextDocumentContentChangeWholeDocument(text="".join(lines))
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[change],
                )
            )
            try:
                arrived = await diagnostics.wait(uri, version, sent, edit_timeout)
            except TimeoutError:
                result.edit_timeouts += 1
                continue
            samples.append((arrived - sent) * 1000)
        result.edits = edits
        if samples:
            result.edit_p50_ms = round(statistics.median(samples), 1)
            result.edit_p95_ms = round(percentile(samples, 0.95), 1)
            result.edit_max_ms = round(max(samples), 1)

        hover_samples: list[float] = []
        position = types.Position(line=hover[0] - 1, character=hover[1])
        for _ in range(hovers):
            sent = time.perf_counter()
            answer = await asyncio.wait_for(
                client.text_document_hover_async(
                    types.HoverParams(
                        text_document=types.TextDocumentIdentifier(uri=uri), position=position
                    )
                ),
                timeout,
            )
            hover_samples.append((time.perf_counter() - sent) * 1000)
            result.hover_found = result.hover_found or answer is not None
        result.hover_p50_ms = round(statistics.median(hover_samples), 1)
        result.hover_p95_ms = round(percentile(hover_samples, 0.95), 1)
        if server is not None:
            result.rss_after_edits_mib = _mib(rss_kib(server.pid, "VmRSS"))
            result.hwm_after_edits_mib = _mib(rss_kib(server.pid, "VmHWM"))
    except Exception as error:  # a benchmark reports what broke instead of dying
        result.error = f"{type(error).__name__}: {error}"
        tail = b"".join(stderr_tail).decode("utf-8", "replace").strip()
        if tail:
            result.notes.append(f"server stderr (end): {tail[-800:]}")
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), 10)
            client.exit(None)
        except Exception:  # a crashed or hung server: stop it below
            pass
        await asyncio.wait_for(client.stop(), 10)  # type: ignore[no-untyped-call]
        drain.cancel()
    return result


def _is_incremental(sync: Any) -> bool:
    kind = getattr(sync, "change", sync)
    return bool(kind == types.TextDocumentSyncKind.Incremental)


def run(
    root: Path, *, edits: int = 100, hovers: int = 20, edit_timeout: float = 10.0
) -> LatencyResult:
    """The scenario on a generated project (its manifest names the module and positions)."""
    from benchmarks.generate import load_manifest
    from benchmarks.parse_only import python_files

    manifest = load_manifest(root)
    hover = manifest["hover"]
    assert isinstance(hover, list)
    return asyncio.run(
        measure_latency(
            root,
            root / str(manifest["dashboard"]),
            (int(hover[0]), int(hover[1])),
            int(str(manifest["edit_line"])),
            edits=edits,
            hovers=hovers,
            edit_timeout=edit_timeout,
            files=sum(1 for _ in python_files(root)),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Editor latency of integrity-lsp serve.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--size", choices=("small", "medium", "large"))
    target.add_argument("--root", type=Path, help="a project made by benchmarks.generate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--hovers", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-bench-") as scratch:
        root: Path = args.root
        if args.size:
            from benchmarks.generate import generate

            root = generate(Path(scratch) / args.size, args.size, args.seed).root
        result = run(root, edits=args.edits, hovers=args.hovers)
    json.dump(asdict(result), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if result.error else 0


if __name__ == "__main__":
    raise SystemExit(main())
