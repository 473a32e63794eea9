"""The parser of `integrity-lsp`: every sub-command, flag and help text.

`check`'s flags are ruff's where ruff has the same concept (`--select`, `--extend-select`,
`--ignore`, `--output-format`, `--statistics`, `--add-noqa`, `--stdin-filename`, ...), so a
team's muscle memory and CI scripts carry over. Flags that take codes may be repeated and take
comma-separated lists; every occurrence counts (`--select IL1 --select IL2` selects both).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]

from integrity_lsp._version import __version__

FORMATS = ("text", "json", "sarif", "github")
COLOR_CHOICES = ("auto", "always", "never")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integrity-lsp",
        description="Find Django code that will raise IntegrityError, and fix it.",
    )
    parser.add_argument("--version", action="version", version=f"integrity-lsp {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve(commands)
    _check(commands)
    _explain(commands)
    rule = commands.add_parser("rule", help="show the documentation of one rule")
    rule.add_argument("code", metavar="CODE", help="a rule code (IL101) or name")
    rule.set_defaults(command_parser=rule)
    rules = commands.add_parser("rules", help="list every rule: code, name, what it finds")
    rules.set_defaults(command_parser=rules)
    return parser


def _serve(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    serve.set_defaults(command_parser=serve)


def _explain(commands: Commands) -> None:
    explain = commands.add_parser("explain", help="explain an IntegrityError message")
    explain.add_argument("message", help="the error text, or - to read it from stdin")
    explain.add_argument("--root", type=Path, help="the project root (default: found upwards)")
    explain.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    explain.add_argument(
        "--all", action="store_true", help="list every write site (default: the first 10)"
    )
    explain.add_argument(
        "--no-cache",
        action="store_true",
        help="read every file afresh (default: reuse what the last check or explain read)",
    )
    explain.set_defaults(command_parser=explain)


def _check(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="check files or folders (default: .)",
        description="Check Python files for code that will raise IntegrityError. Settings come "
        "from the closest pyproject.toml with a [tool.integrity-lsp] table, looked for upwards "
        "from each file up to the repository root; flags override them.",
    )
    check.set_defaults(command_parser=check)
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders to check (default: the current folder); - reads one file from "
        "stdin (name it with --stdin-filename)",
    )
    rules = check.add_argument_group("rule selection")
    rules.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="comma-separated codes or prefixes to enable (or ALL); replaces the configured "
        "`select`; may be repeated",
    )
    rules.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="codes or prefixes to enable on top of `select`; may be repeated",
    )
    rules.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="codes or prefixes to disable, on top of the configured `ignore`; may be repeated",
    )

    files = check.add_argument_group("files and configuration")
    files.add_argument(
        "--root",
        type=Path,
        metavar="FOLDER",
        help="the Django project root (default: the closest folder upwards holding manage.py, "
        "pyproject.toml or .git)",
    )
    files.add_argument(
        "--config",
        action="append",
        metavar="FILE_OR_OPTION",
        help="a pyproject.toml to use instead of the discovered ones, or one TOML `KEY = VALUE` "
        "setting that overrides the configuration (may be repeated)",
    )
    files.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    files.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERNS",
        help="comma-separated file patterns to exclude; replaces the configured `exclude`",
    )
    files.add_argument(
        "--extend-exclude",
        action="append",
        metavar="PATTERNS",
        help="file patterns to exclude on top of `exclude`",
    )
    _pair(
        files,
        "force-exclude",
        "apply the exclusions to paths named on the command line too (for pre-commit)",
    )
    _pair(
        files,
        "respect-gitignore",
        "skip files ignored by .gitignore, .git/info/exclude (default: on)",
    )
    files.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the path of the file read from stdin (for its settings and the report)",
    )
    files.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the results cache (.integrity-lsp-cache/)",
    )
    files.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="worker processes (default: cores)"
    )

    migrations = check.add_argument_group("migrations (IL301-IL303)")
    scope = migrations.add_mutually_exclusive_group()
    scope.add_argument(
        "--since",
        metavar="REF",
        help="report only findings on lines changed since the merge-base of REF and HEAD "
        "(uncommitted and untracked changes included), and IL301-IL303 only on migrations "
        "new since then (without --since: the merge-base with the default branch; outside "
        "git: every migration)",
    )
    scope.add_argument(
        "--all-migrations",
        action="store_true",
        help="IL301-IL303 report on every migration, not only the new ones",
    )

    fixes = check.add_argument_group("fixes")
    _pair(fixes, "fix", "apply the safe fixes")
    _pair(
        fixes,
        "unsafe-fixes",
        "with --fix or --diff, apply the unsafe fixes too; alone, only show them",
    )
    fixes.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a patch (git apply / patch -p1); write nothing",
    )
    fixes.add_argument("--show-fixes", action="store_true", help="list the fixes applied by --fix")
    fixes.add_argument(
        "--add-noqa",
        action="store_true",
        help="add a `# noqa: CODE` comment to every line with a finding (adopt on a legacy "
        "project)",
    )

    report = check.add_argument_group("output")
    report.add_argument(
        "--output-format",
        "--format",
        dest="output_format",
        choices=FORMATS,
        default=None,
        help="text (default), json (ruff's shape), sarif (GitHub code scanning) or github "
        "(workflow annotations)",
    )
    report.add_argument(
        "-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout"
    )
    report.add_argument(
        "--statistics", action="store_true", help="count the findings per rule instead"
    )
    report.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text report: auto (on a terminal, unless NO_COLOR is set), always "
        "or never",
    )
    loudness = report.add_mutually_exclusive_group()
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="print the findings and nothing else"
    )
    loudness.add_argument(
        "-s", "--silent", action="store_true", help="print nothing; the exit code tells"
    )
    loudness.add_argument(
        "-v", "--verbose", action="store_true", help="also say which settings and files are used"
    )
    report.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    report.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if no finding is left",
    )


def _pair(group: argparse._ArgumentGroup, name: str, help_text: str) -> None:
    """`--NAME` / `--no-NAME`, ruff's shape for booleans (None: not given)."""
    group.add_argument(
        f"--{name}", action=argparse.BooleanOptionalAction, default=None, help=help_text
    )
