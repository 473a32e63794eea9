"""`integrity-lsp check`: which files, with which settings, then the report and the exit code.

The paths named are grouped by their project root and configuration file (a pre-commit run may
name files of two Django projects, or of folders with their own pyproject.toml); each group is
checked in its own environment and the findings are reported together, as one run.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from integrity_lsp.checker import CheckReport, Unchecked
from integrity_lsp.cli.commands import project_root
from integrity_lsp.cli.exit_codes import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError
from integrity_lsp.cli.output import Console, ReportOptions, write_report
from integrity_lsp.cli.progress import progress_for
from integrity_lsp.cli.selection import RunSettings
from integrity_lsp.config import ConfigError, Settings
from integrity_lsp.findings import Finding


@dataclass
class Group:
    """Paths checked together: one project root, one configuration."""

    root: Path
    settings: Settings
    paths: list[Path] = field(default_factory=list)


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    failed: bool = False  # exit 2: a named path could not be read, or a check crashed
    unchecked: list[Unchecked] = field(default_factory=list)  # files not checked: syntax errors
    fixed: list[Finding] = field(default_factory=list)  # what --fix made go away
    files_fixed: int = 0  # with --diff: the files the patch changes
    noqa_added: int = 0


def run_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    console = Console(err, quiet=args.quiet, silent=args.silent, verbose=args.verbose)
    if args.add_noqa and (args.fix or args.diff):
        raise UsageError("--add-noqa cannot be combined with --fix or --diff")
    try:
        run_settings = RunSettings(args)
    except ConfigError as error:  # `--config 'select = ['`: not TOML
        console.error(str(error))
        return EXIT_ERROR
    reads_stdin = any(str(path) == "-" for path in args.paths) or (
        args.stdin_filename is not None and not args.paths
    )
    if reads_stdin:
        if len(args.paths) > 1:
            raise UsageError("- (stdin) cannot be combined with other paths")
        from integrity_lsp.cli.stdin import check_stdin

        return check_stdin(args, run_settings, console, out)
    if args.stdin_filename is not None:
        raise UsageError("--stdin-filename needs - (stdin) as the path to check")
    paths: list[Path] = args.paths or [Path(".")]
    groups = _plan(paths, args, run_settings, console)
    if groups is None:
        return EXIT_ERROR
    result = _run(groups, args, console, out)
    if result is None:
        return EXIT_ERROR
    if args.add_noqa:  # what was added is the report (on stderr)
        return EXIT_ERROR if result.failed else EXIT_CLEAN
    if args.diff:  # the patch is the report (ruff: exit 1 when it changes something)
        if result.failed:
            return EXIT_ERROR
        return EXIT_FINDINGS if result.files_fixed and not args.exit_zero else EXIT_CLEAN
    options = ReportOptions.from_args(args, groups[0].root if groups else Path.cwd().resolve())
    code = write_report(
        result.findings, options, result.unchecked, console, out, failed=result.failed
    )
    if code is not None:
        return code
    if result.failed:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    if result.findings or result.unchecked:
        return EXIT_FINDINGS
    if args.exit_non_zero_on_fix and result.files_fixed:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _plan(
    paths: list[Path], args: argparse.Namespace, run_settings: RunSettings, console: Console
) -> list[Group] | None:
    """The groups to check; None (after saying why) when a path or a configuration is bad."""
    from integrity_lsp.checker import named_path_exists

    missing = [path for path in paths if not named_path_exists(path)]
    for path in missing:
        console.error(f"{path}: no such file or folder")
    if missing:
        return None
    groups: dict[tuple[Path, Path | None], Group] = {}
    reported: set[Path | None] = set()

    def add(path: Path, root: Path, settings: Settings) -> None:
        if settings.config_path not in reported:
            reported.add(settings.config_path)
            for warning in settings.warnings:
                console.warning(warning)
            console.verbose_line(f"settings: {settings.config_path or 'defaults'}")
        key = (root, settings.config_path)
        # Absolute (symlinks kept): what fixes write is placed against the root, not the
        # current folder; reports show paths relative to the current folder again.
        groups.setdefault(key, Group(root, settings)).paths.append(Path(os.path.abspath(path)))

    for path in paths:
        root = project_root(args.root, path, console.err)
        if root is None:
            return None
        try:
            settings = run_settings.settings_for(path)
            nested = _nested(path, root, settings, run_settings)
        except ConfigError as error:
            console.error(str(error))
            return None
        if settings.force_exclude and _force_excluded(path, settings, root):
            console.verbose_line(f"{path}: excluded (--force-exclude)")
            continue
        if nested is None:
            add(path, root, settings)
            continue
        for file, file_settings in nested:
            add(file, root, file_settings)
    if not groups:
        console.warning("no Python files found under the given paths")
    return list(groups.values())


def _nested(
    path: Path, root: Path, settings: Settings, run_settings: RunSettings
) -> list[tuple[Path, Settings]] | None:
    """A folder holding configuration files of its own below it: each of its files with the
    settings of its closest one, those a file's own configuration excludes left out (ruff's
    hierarchical configuration). None when one configuration covers the whole folder."""
    from integrity_lsp.syntax.files import is_dir
    from integrity_lsp.syntax.walk import python_files

    if not is_dir(path) or run_settings.isolated or run_settings.config_file is not None:
        return None
    files = [
        (file, run_settings.settings_for(file)) for file in python_files(path, settings, root=root)
    ]
    if all(found.config_path == settings.config_path for _, found in files):
        return None
    return [
        (file, found)
        for file, found in files
        if not found.is_excluded(Path(os.path.abspath(file)), root)
    ]


def _force_excluded(path: Path, settings: Settings, root: Path) -> bool:
    from integrity_lsp.syntax.gitignore import is_git_ignored

    return settings.is_excluded(path.absolute(), root) or (
        settings.respect_gitignore and is_git_ignored(path)
    )


def _run(
    groups: list[Group], args: argparse.Namespace, console: Console, out: TextIO
) -> RunResult | None:
    from integrity_lsp.checker import build_environment, check_paths
    from integrity_lsp.cli.fixing import add_noqa, fix, show_fixes

    result = RunResult()
    fixing_now = bool(args.fix or args.diff)  # --unsafe-fixes alone only shows them
    progress = progress_for(console.err, quiet=console.quiet or console.silent)
    for group in groups:
        env = build_environment(group.root, group.settings, lazy=True)
        # Fixes are computed from fresh results only: a cache file in the project is not
        # trusted to decide what gets written.
        use_cache = not (args.no_cache or fixing_now or args.add_noqa)
        try:
            report = check_paths(
                group.paths, env, jobs=args.jobs, cache=use_cache, progress=progress
            )
        finally:
            if progress is not None:
                progress.close()
        _take(report, result, console)
        findings = report.findings
        if args.add_noqa:
            # A finding silenced may uncover one it shadowed (IL201 under IL101): again.
            for _ in range(3):
                added = add_noqa(findings, group.root, console)
                if added is None:
                    return None
                result.noqa_added += added
                if not added:
                    break
                fresh = build_environment(group.root, group.settings, lazy=True)
                findings = check_paths(group.paths, fresh, jobs=args.jobs).findings
            findings = []
        elif fixing_now:
            findings, fixed, files = fix(findings, env, args, console, out)
            result.fixed.extend(fixed)
            result.files_fixed += files
            if args.diff:
                continue  # --diff reports the patch only
        result.findings.extend(findings)
    result.findings.sort(key=Finding.sort_key)
    if args.add_noqa:
        console.info(f"Added {result.noqa_added} noqa directive(s).")
    if args.fix and args.show_fixes:
        show_fixes(result.fixed, console)
    return result


def _take(report: CheckReport, result: RunResult, console: Console) -> None:
    for line in report.errors:
        console.warning(line, even_quiet=report.failed)
    if report.old_migration_findings:
        console.info(
            f"integrity-lsp: {report.old_migration_findings} finding(s) in migrations older "
            f"than {report.migration_base} not shown; --all-migrations shows them"
        )
    if report.unchanged_line_findings:
        console.info(
            f"integrity-lsp: {report.unchanged_line_findings} finding(s) on lines not changed "
            "since the --since base not shown"
        )
    result.unchecked.extend(report.syntax_errors)
    result.failed = result.failed or report.failed
