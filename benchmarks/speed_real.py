"""Speed of `integrity-lsp check` on real projects, every number of one project measured side by
side in one run: the `ast.parse` and `parso.parse` floors, a cold `check --no-cache`, a warm
`check` (results cache filled by an unmeasured run), pylint with pylint-django (Django messages
only, `-j 1`) when an interpreter with it is found, the peak RSS and the files parso parsed.

    python -m benchmarks.speed_real                      # every fetched project of projects.toml
    python -m benchmarks.speed_real --project wagtail PATH ...   # some of them, any folder
    python -m benchmarks.speed_real --write              # and regenerate REAL_PROJECTS.md

The tools run in rounds (floor, parso, cold, warm, floor, parso, …), so that a change of load
on a shared machine touches them all alike; medians are reported. Wall times on a loaded
machine move with the load, CPU times (user + system of the whole process tree) hardly do:
the ratios of both are printed, and the targets are judged on CPU time when the machine is
loaded. A project's venv (`<cache>/venvs/<name>`) is used as `VIRTUAL_ENV` as by
`benchmarks.real_projects run`. Bytecode is written and used (PYTHONDONTWRITEBYTECODE is not
passed on), as for an installed package.

pylint-django: `--pylint-python PY` (default: `$PYLINT_PYTHON`, else this interpreter when it
has pylint_django). With a project venv, its site-packages are put on pylint's path so that
astroid sees the project's Django.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.counted_check import read_stats
from benchmarks.explain_latency import BEGIN as EXPLAIN_SECTION
from benchmarks.measure import Run, run_once
from benchmarks.parse_only import python_files
from benchmarks.real_projects.corpus import Cache, load_projects

REPO = Path(__file__).resolve().parent.parent
MARKDOWN = REPO / "benchmarks" / "REAL_PROJECTS.md"
FLOOR, PARSO, COLD, WARM, PYLINT = "ast floor", "parso floor", "cold", "warm", "pylint-django"
PYLINT_DJANGO_MESSAGES = (
    "model-unicode-not-callable,hard-coded-auth-user,imported-auth-user,"
    "http-response-with-json-dumps,http-response-with-content-type-json,"
    "redundant-content-type-for-json-response,model-missing-unicode,model-has-unicode,"
    "model-no-explicit-unicode,modelform-uses-exclude,format-html-interpolation,"
    "mark-safe-interpolation"
)
# The targets of issue 18, as ratios measured in the same run.
COLD_OVER_FLOOR = 3.0
PYLINT_OVER_COLD = 15.0
WARM_OVER_FLOOR = 0.5
PEAK_MIB = 400.0


@dataclass(frozen=True)
class Target:
    name: str
    path: Path
    venv: Path | None = None


@dataclass
class Measured:
    target: Target
    files: int
    runs: dict[str, list[Run]] = field(default_factory=dict)
    parsed_files: int = 0
    parsed_lines: int = 0
    total_lines: int = 0
    pylint_version: str = ""

    def wall(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return statistics.median(r.wall for r in runs) if runs else None

    def cpu(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return statistics.median(r.cpu for r in runs) if runs else None

    def peak_mib(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return max(r.peak_rss_kib for r in runs) / 1024 if runs else None

    def failed(self, tool: str) -> str:
        bad = [r for r in self.runs.get(tool, []) if r.returncode != 0]
        return bad[-1].stderr_tail.strip()[-300:] if bad else ""

    def as_json(self) -> dict[str, object]:
        tools = {}
        for tool, runs in self.runs.items():
            tools[tool] = {
                "wall_s": [round(r.wall, 3) for r in runs],
                "cpu_s": [round(r.cpu, 3) for r in runs],
                "peak_rss_mib": round(max(r.peak_rss_kib for r in runs) / 1024, 1),
                "error": self.failed(tool),
            }
        return {
            "project": self.target.name,
            "files": self.files,
            "lines": self.total_lines,
            "parsed_files": self.parsed_files,
            "parsed_lines": self.parsed_lines,
            "tools": tools,
        }


def targets(paths: Sequence[Path], names: Sequence[str], cache: Cache) -> list[Target]:
    found: list[Target] = []
    projects = load_projects()
    chosen = [p for p in projects if p.name in names or p.folder in names]
    unknown = set(names) - {key for p in projects for key in (p.name, p.folder)}
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
    if not paths and not names:
        chosen = [p for p in projects if cache.src(p).is_dir()]
    for project in chosen:
        src = cache.src(project)
        if not src.is_dir():
            raise SystemExit(f"{src} does not exist: python -m benchmarks.real_projects fetch")
        venv = cache.venv(project) if cache.has_venv(project) else None
        found.append(Target(project.name, src.resolve(), venv))
    found.extend(Target(path.resolve().name, path.resolve()) for path in paths)
    return found


def pylint_python(option: str | None) -> str | None:
    candidate = option or os.environ.get("PYLINT_PYTHON")
    if candidate:
        return candidate
    probe = [sys.executable, "-c", "import pylint, pylint_django"]
    ok = subprocess.run(probe, capture_output=True, check=False).returncode == 0
    return sys.executable if ok else None


def _site_packages(venv: Path) -> list[str]:
    return sorted(glob.glob(str(venv / "lib" / "python3*" / "site-packages")))


def commands(target: Target, stats: str, pylint: str | None) -> dict[str, list[str]]:
    python = sys.executable
    root = str(target.path)
    check = [python, "-m", "benchmarks.counted_check", stats, "check", "--root", root]
    check += ["--format", "json", "--exit-zero"]
    found = {
        FLOOR: [python, "-m", "benchmarks.parse_only", "ast", root],
        PARSO: [python, "-m", "benchmarks.parse_only", "parso", root],
        COLD: [*check, "--no-cache", root],
        WARM: [*check, root],
    }
    if pylint:
        path = [root, *(_site_packages(target.venv) if target.venv else [])]
        hook = f"import sys; sys.path[:0] = {path!r}"
        found[PYLINT] = [
            pylint, "-m", "pylint", "--load-plugins=pylint_django", "--disable=all",
            f"--enable={PYLINT_DJANGO_MESSAGES}", "--recursive=y", "-j", "1", "--score=n",
            "--exit-zero", f"--init-hook={hook}", root,
        ]  # fmt: skip
    return found


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return " ".join(done.stdout.split())


def measure_target(
    target: Target, runs: int, pylint: str | None, pylint_runs: int, log: bool = True
) -> Measured:
    files = list(python_files(target.path))
    result = Measured(target, len(files))
    result.total_lines = sum(_line_count(path) for path in files)
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-speed-") as scratch:
        stats = os.path.join(scratch, "parsed.tsv")
        # Bytecode is written and read (an installed package has its .pyc files): with
        # PYTHONDONTWRITEBYTECODE every run would compile integrity-lsp's modules again.
        hidden = ("VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE")
        env = {key: value for key, value in os.environ.items() if key not in hidden}
        env["INTEGRITY_LSP_CACHE_DIR"] = os.path.join(scratch, "cache")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        if target.venv:
            env["VIRTUAL_ENV"] = str(target.venv)
        tools = commands(target, os.path.join(scratch, "ignored.tsv"), pylint)
        warm_up = commands(target, os.path.join(scratch, "ignored.tsv"), None)[WARM]
        run_once(warm_up, cwd=REPO, env=env)  # fills the results cache the warm runs read
        cold_stats = commands(target, stats, None)[COLD]
        for round_ in range(runs):
            for tool, command in tools.items():
                if tool == PYLINT and round_ >= pylint_runs:
                    continue
                if tool == COLD and round_ == 0:
                    command = cold_stats  # the parse counts of one cold run
                if log:
                    sys.stderr.write(f"  {target.name}: {tool} (round {round_ + 1}/{runs}) ...")
                    sys.stderr.flush()
                started = time.perf_counter()
                run = run_once(command, cwd=REPO, env=env)
                result.runs.setdefault(tool, []).append(run)
                if log:
                    status = "" if run.returncode == 0 else f" exit {run.returncode}"
                    took = time.perf_counter() - started
                    sys.stderr.write(f" {took:.1f} s wall, {run.cpu:.1f} s cpu{status}\n")
        result.parsed_files, result.parsed_lines = read_stats(stats)
    if pylint:
        result.pylint_version = _version([pylint, "-m", "pylint", "--version"])
    return result


def _line_count(path: Path) -> int:
    try:
        with path.open("rb") as stream:
            return sum(1 for _ in stream)
    except OSError:
        return 0


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return top / bottom if top is not None and bottom else None


def _fmt(value: float | None, unit: str = "", digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}{unit}"


def verdicts(m: Measured, clock: str) -> list[str]:
    """Each target of issue 18 on one clock ("cpu" or "wall"): met or missed by how much."""
    time_of = m.cpu if clock == "cpu" else m.wall
    floor = time_of(FLOOR)
    lines = []

    def judge(label: str, value: float | None, limit: float, at_most: bool) -> None:
        if value is None:
            lines.append(f"- {label}: not measured")
            return
        met = value <= limit if at_most else value >= limit
        word = "met" if met else "missed"
        sign = "≤" if at_most else "≥"
        lines.append(f"- {label}: {value:.2f} ({sign} {limit:g}: **{word}**)")

    judge(f"cold ÷ ast floor ({clock})", _ratio(time_of(COLD), floor), COLD_OVER_FLOOR, True)
    pylint_ratio = _ratio(time_of(PYLINT), time_of(COLD))
    judge(f"pylint-django ÷ cold ({clock})", pylint_ratio, PYLINT_OVER_COLD, False)
    judge(f"warm ÷ ast floor ({clock})", _ratio(time_of(WARM), floor), WARM_OVER_FLOOR, True)
    return lines


def table(results: Sequence[Measured]) -> str:
    head = (
        "| project | files | lines | parsed by parso (files / lines) | ast floor | parso floor "
        "| cold | cold ÷ floor | warm | warm ÷ floor | pylint-django | pylint ÷ cold "
        "| peak RSS cold |"
    )
    rows = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for m in results:
        for clock in ("cpu", "wall"):
            time_of = m.cpu if clock == "cpu" else m.wall
            floor = time_of(FLOOR)
            rows.append(
                f"| {m.target.name} ({clock}) | {m.files:,} | {m.total_lines:,} "
                f"| {m.parsed_files:,} / {m.parsed_lines:,} | {_fmt(floor, ' s')} "
                f"| {_fmt(time_of(PARSO), ' s')} | {_fmt(time_of(COLD), ' s')} "
                f"| **{_fmt(_ratio(time_of(COLD), floor), '×')}** | {_fmt(time_of(WARM), ' s')} "
                f"| **{_fmt(_ratio(time_of(WARM), floor), '×')}** "
                f"| {_fmt(time_of(PYLINT), ' s', 1)} "
                f"| **{_fmt(_ratio(time_of(PYLINT), time_of(COLD)), '×', 1)}** "
                f"| {_fmt(m.peak_mib(COLD), ' MiB', 0)} |"
            )
    return "\n".join(rows) + "\n"


def render(results: Sequence[Measured], runs: int, command: str) -> str:
    from integrity_lsp import __version__

    head = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    pylint = next((m.pylint_version for m in results if m.pylint_version), "not installed")
    parts = [
        "# Real projects: speed\n",
        f"Generated by `{command}` (benchmarks/speed_real.py) at integrity-lsp {__version__} "
        f"({head}), Python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load:.1f} at the end; {runs} rounds, medians; pylint-django run "
        f"{'once' if results and len(results[0].runs.get(PYLINT, [])) == 1 else 'per round'}: "
        f"{pylint}.\n",
        "Every number of a row comes from the same run, the tools taking turns. *cpu* rows are "
        "user + system time of the whole process tree (stable when other jobs share the "
        "machine), *wall* rows elapsed time. The cold check uses the default worker processes "
        "(one per core); the floors and pylint (`-j 1`) one process. Peak RSS is that of the "
        "check's process tree.\n",
        "Targets (issue 18): cold ≤ 3× the `ast.parse` floor, ≥ 15× faster than pylint-django, "
        "warm ≤ 0.5× the floor, peak ≤ 400 MiB.\n",
        table(results),
    ]
    for m in results:
        parts.append(f"### {m.target.name}\n")
        peak = m.peak_mib(COLD)
        peak_line = f"- peak RSS of the cold check: {_fmt(peak, ' MiB', 0)} (≤ {PEAK_MIB:g}: "
        peak_line += "**met**)" if peak is not None and peak <= PEAK_MIB else "**missed**)"
        failures = [f"- {tool} failed: `{m.failed(tool)}`" for tool in m.runs if m.failed(tool)]
        parts.append("\n".join([*verdicts(m, "cpu"), *verdicts(m, "wall"), peak_line, *failures]))
        parts.append("")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.speed_real", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="any project folder")
    parser.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="NAME",
        help="a project of benchmarks/real_projects/projects.toml (repeatable)",
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds (3)")
    parser.add_argument("--pylint-python", help="an interpreter with pylint and pylint_django")
    parser.add_argument("--pylint-runs", type=int, default=1, help="rounds with pylint (1)")
    parser.add_argument("--no-pylint", action="store_true")
    parser.add_argument("--json", type=Path, help="also write every run's numbers here")
    parser.add_argument("--write", action="store_true", help=f"write {MARKDOWN.name}")
    args = parser.parse_args(argv)
    chosen = targets(args.paths, args.project, Cache.from_env())
    if not chosen:
        parser.error("no project fetched and no PATH given")
    pylint = None if args.no_pylint else pylint_python(args.pylint_python)
    if pylint is None and not args.no_pylint:
        sys.stderr.write("pylint-django not found (--pylint-python PY): not measured\n")
    results = [measure_target(t, args.runs, pylint, args.pylint_runs) for t in chosen]
    shown = ["python -m benchmarks.speed_real", *(argv if argv is not None else sys.argv[1:])]
    text = render(results, args.runs, " ".join(shown))
    sys.stdout.write(text)
    if args.write:
        old = MARKDOWN.read_text(encoding="utf-8") if MARKDOWN.exists() else ""
        kept = old[old.find(EXPLAIN_SECTION) :] if EXPLAIN_SECTION in old else ""
        MARKDOWN.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")
    if args.json:
        rows = [m.as_json() for m in results]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
