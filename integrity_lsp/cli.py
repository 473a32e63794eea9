"""The command line: `integrity-lsp serve | check | explain | rule | rules`.

Exit codes: 0 clean, 1 findings (or an explained error), 2 usage or internal error. Every
failure the user can cause (a missing path, a broken config, an unreadable file) is one clear
line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from integrity_lsp._version import __version__
from integrity_lsp.config import ConfigError, Settings, load_settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integrity-lsp",
        description="Find Django code that will raise IntegrityError, and fix it.",
    )
    parser.add_argument("--version", action="version", version=f"integrity-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default)")

    check = commands.add_parser("check", help="check files or folders (default: .)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    check.add_argument("--root", type=Path, help="the project root (default: found upwards)")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.add_argument("--select", help="comma-separated codes or prefixes to enable")
    check.add_argument("--ignore", help="comma-separated codes or prefixes to disable")
    check.add_argument("--fix", action="store_true", help="apply safe fixes")
    check.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    check.add_argument(
        "--diff", action="store_true", help="print the fixes as a diff; write nothing"
    )
    scope = check.add_mutually_exclusive_group()
    scope.add_argument(
        "--since",
        metavar="REF",
        help="IL301-IL303 report on migrations changed since the merge-base of REF and HEAD "
        "(default: the merge-base with the default branch; outside git: every migration)",
    )
    scope.add_argument(
        "--all-migrations",
        action="store_true",
        help="IL301-IL303 report on every migration, not only the new ones",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the results cache (.integrity-lsp-cache/)",
    )

    explain = commands.add_parser("explain", help="explain an IntegrityError message")
    explain.add_argument("message", help="the error text, or - to read it from stdin")
    explain.add_argument("--root", type=Path, help="the project root (default: found upwards)")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.add_argument(
        "--all", action="store_true", help="list every write site (default: the first 10)"
    )

    rule = commands.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code")
    commands.add_parser("rules", help="list every rule")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "check":
            return _check(args, sys.stdout, sys.stderr)
        if args.command == "explain":
            return _explain(args, sys.stdout, sys.stderr)
        if args.command == "rule":
            return _rule(args.code, sys.stdout, sys.stderr)
        if args.command == "rules":
            return _rules(sys.stdout)
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
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _serve(args: argparse.Namespace) -> int:
    from integrity_lsp.server.app import start

    return start(tcp=args.tcp)


def _settings_for(root: Path, args: argparse.Namespace, err: TextIO) -> Settings | None:
    try:
        settings = load_settings(root)
    except ConfigError as error:
        err.write(f"integrity-lsp: error: {error}\n")
        return None
    overrides: dict[str, object] = {}
    if getattr(args, "select", None):
        overrides["select"] = args.select
    if getattr(args, "ignore", None):
        overrides["ignore"] = args.ignore
    if getattr(args, "all_migrations", False):
        overrides["migrations-since"] = "all"
    elif getattr(args, "since", None):
        overrides["migrations-since"] = args.since
    settings = settings.merged(overrides, origin="command line")
    for warning in settings.warnings:
        err.write(f"integrity-lsp: warning: {warning}\n")
    return settings


def _project_root(args: argparse.Namespace, paths: Sequence[Path], err: TextIO) -> Path | None:
    from integrity_lsp.checker import find_root

    if args.root is not None:
        if not args.root.is_dir():
            err.write(f"integrity-lsp: error: --root {args.root}: no such folder\n")
            return None
        return Path(args.root).resolve()
    return find_root(paths[0] if paths else Path.cwd())


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from integrity_lsp.checker import build_environment, check_paths, named_path_exists
    from integrity_lsp.fixer import compute_fixes, unified_diff, write_fixes
    from integrity_lsp.reporters import REPORTERS

    paths: list[Path] = args.paths or [Path.cwd()]
    missing = [path for path in paths if not named_path_exists(path)]
    if missing:
        for path in missing:
            err.write(f"integrity-lsp: error: {path}: no such file or folder\n")
        return EXIT_ERROR
    root = _project_root(args, paths, err)
    if root is None:
        return EXIT_ERROR
    settings = _settings_for(root, args, err)
    if settings is None:
        return EXIT_ERROR
    env = build_environment(root, settings, lazy=True)
    # Fixes are computed from fresh results only: a cache file in the project is not trusted
    # to decide what gets written.
    fixing = args.fix or args.diff or args.unsafe_fixes
    report = check_paths(paths, env, jobs=args.jobs, cache=not (args.no_cache or fixing))
    for line in report.errors:
        err.write(f"integrity-lsp: warning: {line}\n")
    findings = report.findings
    if args.fix or args.diff or args.unsafe_fixes:
        result = compute_fixes(findings, env, unsafe=args.unsafe_fixes)
        for line in result.errors:
            err.write(f"integrity-lsp: warning: {line}\n")
        if args.diff:
            out.write(unified_diff(result.changed))
            return EXIT_FINDINGS if result.changed and not args.exit_zero else EXIT_CLEAN
        written, problems = write_fixes(result.changed, root)
        for problem in problems:
            err.write(f"integrity-lsp: warning: {problem}\n")
        if written:
            err.write(f"Fixed {result.applied} finding(s) in {written} file(s).\n")
            findings = check_paths(
                paths,
                build_environment(root, settings, lazy=True),
                jobs=args.jobs,
                cache=not args.no_cache,  # reporting only: the files just written are re-checked
            ).findings
    REPORTERS[args.format](findings, root, out)
    if report.failed:
        return EXIT_ERROR
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from integrity_lsp.explain import run_explain

    text = sys.stdin.read() if args.message == "-" else args.message
    root = _project_root(args, [], err)
    if root is None:
        return EXIT_ERROR
    return run_explain(text, root, args.format, out, show_all=args.all)


def _rule(code: str, out: TextIO, err: TextIO) -> int:
    from integrity_lsp.rules import load_rules

    rules = load_rules()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if rule is None:
        err.write(
            f"integrity-lsp: error: unknown rule {code!r}; `integrity-lsp rules` lists them\n"
        )
        return EXIT_ERROR
    out.write(f"# {rule.name} ({rule.code})\n\nDefault severity: {rule.severity.value}\n\n")
    out.write(rule.doc + "\n")
    return EXIT_CLEAN


def _rules(out: TextIO) -> int:
    from integrity_lsp.rules import load_rules

    for rule in load_rules().values():
        out.write(f"{rule.code}  {rule.name:<40} {rule.summary}\n")
    return EXIT_CLEAN
