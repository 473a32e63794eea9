"""Throughput of `integrity-lsp check` against the parse-only floor and against peers.

Over a generated project (`--size small|medium|large`) or any path, each tool runs as its own
process, N times, and the median wall time, files/s and peak RSS (process tree) are reported:

- `ast.parse` of every file and `parso` parse of every file (the floors),
- `integrity-lsp check` with no cache (cold) and again with a filled cache (warm),
- `ruff check --select DJ` and pylint with pylint-django, when installed.

`python -m benchmarks.check_throughput --size large --runs 3` prints a Markdown table;
`--json FILE` also writes the numbers.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from benchmarks.measure import Summary, measure
from benchmarks.parse_only import python_files

REPO = Path(__file__).resolve().parent.parent
FLOOR = "ast.parse (floor)"
COLD = "integrity-lsp check (cold)"
WARM = "integrity-lsp check (warm cache)"
PYLINT = "pylint + pylint-django"


@dataclass(frozen=True)
class Tool:
    name: str
    command: tuple[str, ...]
    version: str
    runs: int
    cwd: Path = REPO
    warm_up: bool = False  # run once, unmeasured, before measuring (fills caches)


@dataclass(frozen=True)
class Result:
    tool: Tool
    summary: Summary
    files: int

    def row(self, floor: float | None) -> dict[str, object]:
        wall = self.summary.median_wall
        return {
            "tool": self.tool.name,
            "version": self.tool.version,
            "runs": len(self.summary.runs),
            "median_s": round(wall, 3),
            "files_per_s": round(self.files / wall, 1) if wall else None,
            "peak_rss_mib": round(self.summary.peak_rss_mib, 1),
            "x_floor": round(wall / floor, 2) if floor else None,
            "ok": self.summary.ok,
            "error": "" if self.summary.ok else self.summary.runs[-1].stderr_tail[-300:],
        }


def ruff_command() -> str | None:
    """ruff from this interpreter's environment (a venv that is not activated), else PATH."""
    beside = shutil.which("ruff", path=str(Path(sys.executable).parent))
    return beside or shutil.which("ruff")


def _version(command: list[str]) -> str:
    try:
        found = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return " ".join(found.stdout.split())


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def integrity_version() -> str:
    from integrity_lsp import __version__

    head = _version(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return f"{__version__} ({head})" if head and head != "?" else __version__


def supports_no_cache() -> bool:
    found = subprocess.run(
        [sys.executable, "-m", "integrity_lsp", "check", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    return "--no-cache" in found.stdout


def settings_module(root: Path) -> str | None:
    """DJANGO_SETTINGS_MODULE as manage.py sets it (read, never run)."""
    manage = root / "manage.py"
    if not manage.is_file():
        return None
    found = re.search(
        r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]",
        manage.read_text("utf-8", "replace"),
    )
    return found.group(1) if found else None


def tools(path: Path, runs: int, peer_runs: int, peers: bool) -> list[Tool]:
    python = sys.executable
    check = [python, "-m", "integrity_lsp", "check", "--format", "json", "--exit-zero"]
    own = integrity_version()
    found = [
        Tool(
            FLOOR,
            (python, "-m", "benchmarks.parse_only", "ast", str(path)),
            "Python " + sys.version.split()[0],
            runs,
        ),
        Tool(
            "parso.parse",
            (python, "-m", "benchmarks.parse_only", "parso", str(path)),
            _dist_version("parso"),
            runs,
        ),
    ]
    if supports_no_cache():
        found.append(Tool(COLD, (*check, "--no-cache", str(path)), own, runs))
        found.append(Tool(WARM, (*check, str(path)), own, runs, warm_up=True))
    else:
        found.append(Tool(COLD, (*check, str(path)), own, runs))
    if not peers:
        return found
    ruff = ruff_command()
    if ruff:
        found.append(
            Tool(
                "ruff check --select DJ",
                (ruff, "check", "--select", "DJ", "--no-cache", "--exit-zero", "-q", str(path)),
                _version([ruff, "--version"]),
                runs,
            )
        )
    if importlib.util.find_spec("pylint") and importlib.util.find_spec("pylint_django"):
        root = path if path.is_dir() else path.parent
        command = [python, "-m", "pylint", "--load-plugins=pylint_django", "--exit-zero"]
        command += ["--recursive=y", "-j", "0", "--score=n"]
        module = settings_module(root)
        if module:
            command.append(f"--django-settings-module={module}")
        command += [f"--init-hook=import sys; sys.path.insert(0, {str(root)!r})", str(path)]
        version = f"pylint {_dist_version('pylint')}, astroid {_dist_version('astroid')}, "
        version += f"pylint-django {_dist_version('pylint-django')}"
        found.append(Tool(PYLINT, tuple(command), version, peer_runs, cwd=root))
    return found


def run(
    path: Path, *, runs: int = 3, peer_runs: int = 1, peers: bool = True, log: bool = True
) -> list[dict[str, object]]:
    """Measure every tool over `path`; rows in the order of `tools()`."""
    files = sum(1 for _ in python_files(path))
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-bench-cache-") as cache:
        env = dict(os.environ)
        env["INTEGRITY_LSP_CACHE_DIR"] = cache
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
        results: list[Result] = []
        for tool in tools(path, runs, peer_runs, peers):
            if log:
                sys.stderr.write(f"  {tool.name} x{tool.runs} over {files} files ...\n")
            if tool.warm_up:
                measure(tool.command, 1, cwd=tool.cwd, env=env)
            summary = measure(tool.command, tool.runs, cwd=tool.cwd, env=env)
            results.append(Result(tool, summary, files))
    floor = next((r.summary.median_wall for r in results if r.tool.name == FLOOR), None)
    rows = [result.row(floor) for result in results]
    for row in rows:
        row["files"] = files
    return rows


def markdown(rows: list[dict[str, object]]) -> str:
    lines = [
        "| tool | version | runs | median wall (s) | files/s | peak RSS (MiB) | × ast floor |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        status = "" if row["ok"] else " (failed)"
        lines.append(
            f"| {row['tool']}{status} | {row['version']} | {row['runs']} | {row['median_s']} | "
            f"{row['files_per_s']} | {row['peak_rss_mib']} | {row['x_floor']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Throughput of integrity-lsp check vs peers.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("path", nargs="?", type=Path, help="any project folder or file")
    target.add_argument("--size", choices=("small", "medium", "large"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=1, help="runs of pylint (slow)")
    parser.add_argument("--no-peers", action="store_true", help="skip ruff and pylint")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-bench-") as scratch:
        path: Path = args.path
        if args.size:
            from benchmarks.generate import generate

            path = generate(Path(scratch) / args.size, args.size, args.seed).root
        rows = run(path, runs=args.runs, peer_runs=args.peer_runs, peers=not args.no_peers)
    sys.stdout.write(markdown(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0 if all(row["ok"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
