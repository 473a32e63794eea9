"""The server's end of the LSP base protocol (`Content-Length` framing) over stdio or TCP, in
place of pygls's reader, which trusts every header: `Content-Length: 99999999999` made it
allocate the whole length (MemoryError), and a missing, negative, non-numeric or wrong length
left it out of step with the client for good.

`Frames` cuts the incoming bytes into message bodies. A header block must carry one decimal
`Content-Length` of at most `MAX_BODY` bytes; anything else is skipped, with the bytes after
it, up to the next `Content-Length:` header -- a JSON body never holds the raw header line
(its strings cannot contain a raw line break), so that is where the next message starts. The
same rule catches a length longer than its body: when the next header shows up inside the
bytes the length claims, the body ends there. A body that is not JSON (a length shorter than
its body cuts it) is skipped. Every skip is logged; the server keeps answering what comes
next.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, BinaryIO

from pygls.exceptions import JsonRpcException
from pygls.io_ import StdoutWriter

from integrity_lsp.server.lifecycle import LifecycleProtocol

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024 * 1024  # far above any real message (a 20 MB document is ~25 MB)
MAX_HEADER = 8 * 1024
_HEADER_END = b"\r\n\r\n"
_HEADER_NAME = re.compile(rb"content-(?:length|type)\s*:", re.IGNORECASE)
_NEXT_MESSAGE = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r\n", re.IGNORECASE)
_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*$", re.IGNORECASE)


class Frames:
    """Message bodies from a byte stream fed in pieces of any size."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None  # of the body after the header block, once parsed
        self._scanned = 0  # how much of that body was searched for the next header

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._buffer += data
        while True:
            if self._length is None:
                if not self._header():
                    return
                continue
            body = self._body()
            if body is None:
                return
            yield body

    def _header(self) -> bool:
        """Parse the header block at the start of the buffer, skipping what is no header;
        False when more bytes are needed."""
        if not self._skip_to_header():
            return False
        end = self._buffer.find(_HEADER_END, 0, MAX_HEADER + len(_HEADER_END))
        if end < 0:
            if len(self._buffer) <= MAX_HEADER:
                return False
            log.warning("integrity-lsp: skipped a header block longer than %d bytes", MAX_HEADER)
            del self._buffer[:1]  # and on to the next header
            return True
        lines = bytes(self._buffer[:end]).split(b"\r\n")
        del self._buffer[: end + len(_HEADER_END)]
        lengths = [int(m.group(1)) for line in lines if (m := _LENGTH.match(line.strip()))]
        if len(lengths) != 1 or not 0 < lengths[0] <= MAX_BODY:
            shown = b" | ".join(lines)[:200].decode("ascii", "replace")
            log.warning("integrity-lsp: skipped a message with a bad header: %s", shown)
            return True  # its body, if any, is skipped up to the next header
        self._length, self._scanned = lengths[0], 0
        return True

    def _skip_to_header(self) -> bool:
        """Drop what comes before the next header name (the rest of a skipped message): the
        last header name on the first line, lines without one dropped whole. False when more
        bytes are needed."""
        skipped = 0
        while True:
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                if len(self._buffer) > MAX_HEADER:  # a line this long is no header
                    skipped += len(self._buffer) - 64
                    del self._buffer[: len(self._buffer) - 64]
                break
            starts = [m.start() for m in _HEADER_NAME.finditer(self._buffer, 0, line_end)]
            if starts:
                skipped += starts[-1]
                del self._buffer[: starts[-1]]
                break
            skipped += line_end + 2
            del self._buffer[: line_end + 2]
        if skipped:
            log.warning("integrity-lsp: skipped %d bytes that were not a message", skipped)
        return self._buffer.find(b"\r\n") >= 0

    def _body(self) -> bytes | None:
        length = self._length or 0
        window = min(len(self._buffer), length)
        found = _NEXT_MESSAGE.search(self._buffer, max(0, self._scanned - 64), window)
        if found is not None:  # the length was longer than the body: it ends here
            end = found.start()
            log.warning("integrity-lsp: a message was shorter than its Content-Length")
        elif len(self._buffer) >= length:
            end = length
        else:
            self._scanned = window
            return None
        body = bytes(self._buffer[:end])
        del self._buffer[:end]
        self._length = None
        return body


async def serve(
    read: Callable[[], Awaitable[bytes]],
    protocol: LifecycleProtocol,
    stop: threading.Event,
    report: Callable[[Exception, Any], Any],
) -> None:
    """Hand every message read to `protocol` until the stream ends or `stop` is set; a body
    that is not JSON is logged and skipped."""
    frames = Frames()
    while not stop.is_set():
        data = await read()
        if not data:
            break
        for body in frames.feed(data):
            try:
                protocol.handle_raw(json.loads(body))
            except Exception as error:
                log.exception("integrity-lsp: unable to handle a message")
                report(error, JsonRpcException)


def serve_stdio(server: Any, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """What pygls's `start_io` does, with `Frames`; stdin is read by a daemon thread of its
    own (pygls's thread pool is shared with handlers, and a blocked read in it would hold
    the process at exit)."""
    source = stdin or sys.stdin.buffer
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes] = asyncio.Queue()
        threading.Thread(
            target=_pump, args=(source, loop, chunks), name="integrity-stdin", daemon=True
        ).start()
        await serve(chunks.get, server.protocol, stop, server.report_server_error)

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("integrity-lsp: the connection to the client is lost")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


def _pump(source: BinaryIO, loop: asyncio.AbstractEventLoop, chunks: asyncio.Queue[bytes]) -> None:
    """Read `source` until it ends, handing each piece to the event loop ("" at the end).
    From the file descriptor, not the buffered stream: a daemon thread blocked inside a
    buffered read holds its lock, and the interpreter aborts at exit waiting for it."""
    descriptor = source.fileno()
    while True:
        try:
            data = os.read(descriptor, 65536)
        except (OSError, ValueError):
            data = b""
        try:
            loop.call_soon_threadsafe(chunks.put_nowait, data)
        except RuntimeError:  # the loop is closed: the server is gone
            return
        if not data:
            return


def serve_tcp(server: Any, host: str, port: int) -> None:
    """What pygls's `start_tcp` does (one client), with `Frames` reading the socket."""
    server._stop_event = stop = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)

        async def read() -> bytes:
            return await reader.read(65536)

        await serve(read, server.protocol, stop, server.report_server_error)
        server.shutdown()

    async def listen() -> None:
        server._server = await asyncio.start_server(connection, host, port)
        async with server._server:
            await server._server.serve_forever()

    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(listen())
