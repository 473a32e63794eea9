"""`check -` (with `--stdin-filename PATH`): one file read from stdin, as editors' format-on-save
hooks and ruff's integrations pass it.

The text is checked as the file at PATH would be (its settings, its project; models it
declares are read from the text, not the disk). With `--fix` the fixed text is printed on
stdout and the findings left go to stderr, as ruff does; fixes that would edit another file
(a migration) are not applied -- only the text on stdin is ever changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cli.commands import project_root
from integrity_lsp.cli.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from integrity_lsp.cli.output import Console, ReportOptions, write_report
from integrity_lsp.cli.selection import RunSettings
from integrity_lsp.config import ConfigError
from integrity_lsp.findings import Finding

MAX_PASSES = 8


def check_stdin(
    args: argparse.Namespace, run_settings: RunSettings, console: Console, out: TextIO
) -> int:
    from integrity_lsp.checker import Unchecked, build_environment, check_source
    from integrity_lsp.checker.file_checks import syntax_error

    path = Path(args.stdin_filename) if args.stdin_filename else Path("stdin.py")
    absolute = path.absolute()
    root = project_root(args.root, absolute.parent, console.err)
    if root is None:
        return EXIT_ERROR
    try:
        settings = run_settings.settings_for(absolute.parent)
    except ConfigError as error:
        console.error(str(error))
        return EXIT_ERROR
    for warning in settings.warnings:
        console.warning(warning)
    text = _read_stdin()
    if text is None:
        console.error("stdin: not valid UTF-8")
        return EXIT_ERROR
    if settings.force_exclude and settings.is_excluded(absolute, root):
        if args.fix:
            out.write(text)  # an excluded file passes through unchanged
        return EXIT_CLEAN
    env = build_environment(root, settings, lazy=True)
    findings = check_source(text, absolute, env)
    problem = syntax_error(text)
    unchecked = [] if problem is None else [Unchecked(path, *problem)]
    if unchecked:
        findings = []
    if args.fix or args.diff:
        fixed_text, findings = _fix_text(text, absolute, env, findings, bool(args.unsafe_fixes))
        if args.diff:
            from integrity_lsp.cli.patch import unified_patch

            out.write(unified_patch({path: (text, fixed_text)} if fixed_text != text else {}))
            return EXIT_FINDINGS if fixed_text != text and not args.exit_zero else EXIT_CLEAN
        out.write(fixed_text)
        out = console.err  # the findings left are reported on stderr, the code on stdout
    options = ReportOptions.from_args(args, root)
    code = write_report(findings, options, unchecked, console, out)
    if code is not None:
        return code
    if (findings or unchecked) and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _read_stdin() -> str | None:
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read()
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _fix_text(
    text: str, path: Path, env: Environment, findings: list[Finding], unsafe: bool
) -> tuple[str, list[Finding]]:
    """The text with the fixes that edit only it applied, pass after pass, and the findings
    left; the same selection as `--fix` (`checker.fixes.select_fixes`)."""
    from integrity_lsp.analysis.edits import EditConflict, apply_edits, compiles
    from integrity_lsp.checker import check_source
    from integrity_lsp.checker.fixes import allowed, select_fixes

    current = text
    for _ in range(MAX_PASSES):
        fixes = select_fixes(
            findings,
            allowed(unsafe),
            lambda fix: all(edit.path == path for edit in fix.edits),
        )
        if not fixes:
            break
        try:
            updated = apply_edits(current, [edit for fix in fixes for edit in fix.edits])
        except EditConflict:
            break
        if compiles(current) and not compiles(updated):
            break
        current = updated
        findings = check_source(current, path, env)
    return current, findings
