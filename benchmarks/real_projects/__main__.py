"""python -m benchmarks.real_projects fetch|run|report|compare — see README.md beside this."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.real_projects import compare, corpus, labels, report, run


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _threshold(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a fraction between 0 and 1, e.g. 0.9")
    return value


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m benchmarks.real_projects",
        description="The real-projects corpus: fetch it, check it, score the findings.",
    )
    commands = main.add_subparsers(dest="command", required=True)
    suite = argparse.ArgumentParser(add_help=False)
    suite.add_argument(
        "--suite", choices=sorted(corpus.SUITES), default="main",
        help="main: the corpus (default); race-fixes: releases just before a race fix",
    )  # fmt: skip

    fetch = commands.add_parser(
        "fetch", help="download and unpack (what is there is kept)", parents=[suite]
    )
    fetch.add_argument("names", nargs="*", metavar="NAME")
    fetch.add_argument(
        "--with-deps", action="store_true", help="also install each into <cache>/venvs/<name>"
    )

    check = commands.add_parser(
        "run", help="check each project; `-- ARGS` are passed to check", usage="%(prog)s "
        "[-h] [--suite S] [--jobs N] [--timeout S] [NAME ...] [-- CHECK_ARGS ...]",
        parents=[suite],
    )  # fmt: skip
    check.add_argument("names", nargs="*", metavar="NAME")
    check.add_argument("--jobs", type=int, default=1, help="projects checked at once (1)")
    check.add_argument("--timeout", type=float, default=run.DEFAULT_TIMEOUT, help="per project")

    score = commands.add_parser(
        "report", help="cases found, precision per rule, stale verdicts", parents=[suite]
    )
    score.add_argument("names", nargs="*", metavar="NAME")
    output = score.add_mutually_exclusive_group()
    output.add_argument("--markdown", action="store_true", help="the tables in Markdown")
    output.add_argument(
        "--unjudged", action="store_true", help="print [[verdict]] stubs of unjudged findings"
    )
    score.add_argument("--fail-under-recall", type=_threshold, metavar="FRACTION")
    score.add_argument("--fail-under-precision", type=_threshold, metavar="FRACTION")

    diff = commands.add_parser("compare", help="findings added/removed between two results dirs")
    diff.add_argument("old", type=Path, metavar="OLD_DIR")
    diff.add_argument("new", type=Path, metavar="NEW_DIR")
    return main


def _report(args: argparse.Namespace, projects: Sequence[corpus.Project]) -> int:
    cache = corpus.Cache.from_env(args.suite)
    folder = corpus.SUITES[args.suite]
    try:
        marks = labels.load(folder / "cases", folder / "verdicts")
    except labels.LabelError as error:
        _log(f"error: {error}")
        return 2
    reports = [report.build(project, cache, marks) for project in projects]
    problems = report.orphans(marks, corpus.load_projects(folder / "projects.toml"))
    if args.unjudged:
        sys.stdout.write(report.unjudged_stubs(reports, marks))
        return 0
    sys.stdout.write(report.render(reports, markdown=args.markdown, problems=problems))
    failures = report.gate(reports, args.fail_under_recall, args.fail_under_precision)
    for failure in failures:
        _log(f"not met: {failure}")
    return 1 if failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    args = parser().parse_args(argv)
    if extra and args.command != "run":
        parser().error("`-- ARGS` is for `run` only")
    if args.command == "compare":
        text, status = compare.compare(args.old, args.new)
        sys.stdout.write(text)
        return status
    projects = corpus.select(
        corpus.load_projects(corpus.SUITES[args.suite] / "projects.toml"), args.names
    )
    cache = corpus.Cache.from_env(args.suite)
    if args.command == "fetch":
        return corpus.fetch(projects, cache, with_deps=args.with_deps, log=_log)
    if args.command == "run":
        stats = run.run_all(projects, cache, extra, jobs=args.jobs, timeout=args.timeout, log=_log)
        args.markdown = args.unjudged = False
        args.fail_under_recall = args.fail_under_precision = None
        status = _report(args, projects)
        return status or int(any(s.error for s in stats))
    return _report(args, projects)


if __name__ == "__main__":
    sys.exit(main())
