"""The sub-commands other than `check`: `serve`, `explain`, `rule`, `rules`."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TextIO

from integrity_lsp.cli.exit_codes import EXIT_CLEAN, EXIT_ERROR, UsageError


def serve(args: argparse.Namespace) -> int:
    from integrity_lsp.server.app import start

    tcp = args.tcp
    if tcp is not None:
        host, _, port = tcp.rpartition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise UsageError(f"--tcp {tcp!r}: expected HOST:PORT or PORT, such as 127.0.0.1:2087")
        tcp = f"{host or '127.0.0.1'}:{port}"
    return start(tcp=tcp)


def project_root(root: Path | None, start: Path, err: TextIO) -> Path | None:
    """`--root` when given (it must be a folder), else the root found upwards from `start`."""
    from integrity_lsp.checker import find_root

    if root is not None:
        if not root.is_dir():
            err.write(f"integrity-lsp: error: --root {root}: no such folder\n")
            return None
        return Path(root).resolve()
    return find_root(start)


def explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from integrity_lsp.explain import run_explain

    text = sys.stdin.read() if args.message == "-" else args.message
    root = project_root(args.root, Path.cwd(), err)
    if root is None:
        return EXIT_ERROR
    return run_explain(text, root, args.format, out, show_all=args.all, cache=not args.no_cache)


def rule(code: str, out: TextIO, err: TextIO) -> int:
    from integrity_lsp.analysis.rule_docs import rule_page
    from integrity_lsp.rules import load_rules

    rules = load_rules()
    found = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if found is None:
        err.write(
            f"integrity-lsp: error: unknown rule {code!r}; `integrity-lsp rules` lists them\n"
        )
        return EXIT_ERROR
    out.write(rule_page(found))
    return EXIT_CLEAN


def rules(out: TextIO) -> int:
    """One rule a line (`CODE  NAME  summary`) on a wide terminal; elsewhere the code and name,
    then the summary wrapped below them: no line longer than the terminal (80 when none)."""
    from integrity_lsp.rules import load_rules

    listed = list(load_rules().values())
    name_width = max((len(item.name) for item in listed), default=0)
    width = shutil.get_terminal_size((80, 24)).columns
    columns = " " * (len("IL000") + 2 + name_width + 2)
    side_by_side = width - len(columns) >= 60
    for item in listed:
        if side_by_side:
            lead = f"{item.code}  {item.name:<{name_width}}  "
            text = textwrap.fill(
                item.summary, width=width, initial_indent=lead, subsequent_indent=columns
            )
        else:
            body = textwrap.fill(
                item.summary, width=max(width, 40), initial_indent="    ", subsequent_indent="    "
            )
            text = f"{item.code}  {item.name}\n{body}"
        out.write(text + "\n")
    return EXIT_CLEAN
