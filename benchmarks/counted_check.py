"""`integrity-lsp check`, counting what parso parses: `python -m benchmarks.counted_check
STATS_FILE CHECK_ARGS ...` runs the CLI in this process exactly as `integrity-lsp CHECK_ARGS`
would, and appends one line per file whose tree the check builds to STATS_FILE:
`<lines parso read>\\t<path>` (lines that are blank in the text parso was given not counted).
Worker processes inherit the hook and append their own lines (appends of one short line are
atomic), so the file counts the whole run.
"""

from __future__ import annotations

import os
import sys
from functools import cached_property
from typing import Any

from integrity_lsp.syntax import source


def install(stats_path: str) -> None:
    descriptor = os.open(stats_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    parse = source.parse

    def counting_parse(text: str) -> Any:
        read = sum(1 for line in text.splitlines() if line.strip())
        os.write(descriptor, f"{read}\t{current[-1] if current else '?'}\n".encode())
        return parse(text)

    build_tree = source.SourceFile.tree.func
    current: list[str] = []

    def tree(self: source.SourceFile) -> Any:
        current.append(str(self.path))
        source.parse = counting_parse  # only the parses of checked files, not the index's
        try:
            return build_tree(self)
        finally:
            source.parse = parse
            current.pop()

    counted = cached_property(tree)
    counted.__set_name__(source.SourceFile, "tree")
    source.SourceFile.tree = counted  # type: ignore[assignment,method-assign]


def read_stats(stats_path: str) -> tuple[int, int]:
    """(files parsed, lines parso read) from a stats file."""
    files: set[str] = set()
    lines = 0
    try:
        with open(stats_path, encoding="utf-8", errors="replace") as stream:
            for row in stream:
                count, _, path = row.rstrip("\n").partition("\t")
                files.add(path)
                lines += int(count) if count.isdigit() else 0
    except OSError:
        return 0, 0
    return len(files), lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        sys.stderr.write("usage: python -m benchmarks.counted_check STATS_FILE CHECK_ARGS ...\n")
        return 2
    install(args[0])
    from integrity_lsp.cli import main as cli_main

    return cli_main(args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
