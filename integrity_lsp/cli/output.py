"""Where `check` writes: the report (stdout or `--output-file`, in `--output-format`, or the
`--statistics` table) and the messages on stderr, as loud as `--quiet` / `--silent` /
`--verbose` say."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from integrity_lsp.checker import Unchecked
from integrity_lsp.cli.exit_codes import EXIT_ERROR
from integrity_lsp.findings import Finding
from integrity_lsp.reporters import REPORTERS, ReportContext, fixability, repository_root


@dataclass
class Console:
    """Messages on stderr: errors always, warnings and notes unless quiet or silent, details
    only when verbose."""

    err: TextIO
    quiet: bool = False
    silent: bool = False
    verbose: bool = False

    def error(self, message: str) -> None:
        self.err.write(f"integrity-lsp: error: {message}\n")

    def warning(self, message: str, *, even_quiet: bool = False) -> None:
        """`even_quiet`: what explains the exit status (a file not checked, a named path
        that cannot be read) is shown under --quiet too, as ruff shows syntax errors."""
        if not self.silent and (even_quiet or not self.quiet):
            self.err.write(f"integrity-lsp: warning: {message}\n")

    def info(self, message: str) -> None:
        if not (self.quiet or self.silent):
            self.err.write(f"{message}\n")

    def verbose_line(self, message: str) -> None:
        if self.verbose:
            self.err.write(f"integrity-lsp: {message}\n")


@dataclass(frozen=True)
class ReportOptions:
    output_format: str
    output_file: Path | None
    statistics: bool
    color: str
    unsafe_fixes: bool
    root: Path

    @classmethod
    def from_args(cls, args: argparse.Namespace, root: Path) -> ReportOptions:
        return cls(
            output_format=args.output_format or "text",
            output_file=Path(args.output_file) if args.output_file else None,
            statistics=args.statistics,
            color=args.color,
            unsafe_fixes=bool(args.unsafe_fixes),
            root=root,
        )


def write_report(
    findings: Sequence[Finding],
    options: ReportOptions,
    unchecked: Sequence[Unchecked],
    console: Console,
    out: TextIO,
    *,
    failed: bool = False,
) -> int | None:
    """Write the report; an exit code when it could not be written, else None."""
    for line in unchecked:
        console.warning(str(line), even_quiet=True)
    if console.silent and options.output_file is None:
        return None
    try:
        with _target(options.output_file, out) as target:
            context = ReportContext(
                root=options.root,
                repository=repository_root(options.root),
                unsafe_fixes=options.unsafe_fixes,
                color=use_color(options.color, target),
                quiet=console.quiet,
                unchecked=tuple(unchecked),
                failed=failed,
            )
            if options.statistics:
                write_statistics(findings, context, options.output_format, target)
            else:
                REPORTERS[options.output_format](findings, context, target)
    except OSError as error:
        console.error(f"--output-file {options.output_file}: {error.strerror or error}")
        return EXIT_ERROR
    return None


@contextlib.contextmanager
def _target(path: Path | None, out: TextIO) -> Iterator[TextIO]:
    """stdout, or the output file -- written only once the whole report is ready, so a
    failing run never leaves half a report behind."""
    if path is None:
        yield out
        return
    buffer = io.StringIO()
    yield buffer
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as file:
        file.write(buffer.getvalue())


def use_color(choice: str, target: TextIO) -> bool:
    """--color: always, never, or auto (a terminal, unless NO_COLOR is set; FORCE_COLOR
    forces it), the convention of https://no-color.org and ruff."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def write_statistics(
    findings: Sequence[Finding], context: ReportContext, output_format: str, out: TextIO
) -> None:
    """ruff's `--statistics`: per rule, how many findings and whether `--fix` fixes them."""
    counts = Counter(finding.code for finding in findings)
    names = {finding.code: finding.name for finding in findings}
    fixable = {
        finding.code
        for finding in findings
        if fixability(finding, context.unsafe_fixes) == "fixable"
    }
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if output_format == "json":
        rows = [
            {"code": code, "name": names[code], "count": count, "fixable": code in fixable}
            for code, count in ordered
        ]
        json.dump(rows, out, indent=2)
        out.write("\n")
        return
    width = max((len(str(count)) for count in counts.values()), default=1)
    for code, count in ordered:
        mark = "[*]" if code in fixable else "[ ]"
        out.write(f"{count:>{width}}\t{code}\t{mark} {names[code]}\n")
