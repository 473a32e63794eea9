"""The command line: `integrity-lsp serve | check | explain | rule | rules`.

Exit codes (ruff's): 0 clean, 1 findings, 2 usage error, a broken configuration, a path that
cannot be read, or an internal error. Every failure the user can cause is one clear line on
stderr, never a traceback.

The package: `arguments` (the parser and its help texts), `check` (the `check` command),
`selection` (configuration files and the flags that override them), `fixing` (`--fix`,
`--diff`, `--add-noqa`), `output` (where and how the report is written) and `commands` (the
other sub-commands).
"""

from __future__ import annotations

import contextlib
import os
import sys
from argparse import ArgumentParser, Namespace
from collections.abc import Sequence

from integrity_lsp.cli.arguments import build_parser
from integrity_lsp.cli.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError

__all__ = ["EXIT_CLEAN", "EXIT_ERROR", "EXIT_FINDINGS", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args.command, args, parser)
    except UsageError as error:  # argparse's own shape: usage line, then the reason
        parser_for = getattr(args, "command_parser", parser)
        parser_for.print_usage(sys.stderr)
        sys.stderr.write(f"{parser_for.prog}: error: {error}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_ERROR
    except BrokenPipeError:  # `integrity-lsp rules | head`: the reader left, nothing to report
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the exit-time flush
        return EXIT_CLEAN
    except Exception as error:  # the last line of defence: one clear line, never a traceback
        sys.stderr.write(
            f"integrity-lsp: internal error: {type(error).__name__}: {error}\n"
            "Please report it with the command you ran.\n"
        )
        return EXIT_ERROR


def _dispatch(command: str | None, args: Namespace, parser: ArgumentParser) -> int:
    from integrity_lsp.cli import commands
    from integrity_lsp.cli.check import run_check

    if command == "check":
        return run_check(args, sys.stdout, sys.stderr)
    if command == "serve":
        return commands.serve(args)
    if command == "explain":
        return commands.explain(args, sys.stdout, sys.stderr)
    if command == "rule":
        return commands.rule(args.code, sys.stdout, sys.stderr)
    if command == "rules":
        return commands.rules(sys.stdout)
    parser.print_help(sys.stderr)
    return EXIT_ERROR
