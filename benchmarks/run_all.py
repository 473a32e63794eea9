"""Run every benchmark and write benchmarks/RESULTS.md: `python -m benchmarks.run_all`.

Generates the small, medium and large projects (seeded), measures `check` throughput on each
(the parse floors and integrity-lsp on all sizes; ruff and pylint-django on the largest), the
editor latency through a real LSP client on the largest, and writes the machine's
description, every number, and the targets of issue 9 with whether each is met.
`--sizes small --runs 1 --edits 10` makes a quick run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from benchmarks import check_throughput, lsp_latency
from benchmarks.generate import SIZES, generate

HERE = Path(__file__).resolve().parent
ORDER = ("small", "medium", "large")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "?",
    )
    memory = next(
        (
            line.split()[1]
            for line in _read("/proc/meminfo").splitlines()
            if line.startswith("MemTotal")
        ),
        "",
    )
    versions = []
    for name in (
        "parso",
        "jedi",
        "pygls",
        "lsprotocol",
        "django",
        "pylint",
        "astroid",
        "pylint-django",
    ):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    load = (
        " ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    )
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": f"{int(memory) / 1024 / 1024:.1f} GiB" if memory else "?",
        "OS": platform.platform(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "integrity-lsp": check_throughput.integrity_version(),
        "ruff": _ruff_version(),
        "libraries": ", ".join(versions),
        "load average at start (1/5/15 min)": load,
    }


def _ruff_version() -> str:
    ruff = check_throughput.ruff_command()
    return (check_throughput._version([ruff, "--version"]) if ruff else None) or "(not installed)"


def _row(rows: list[dict[str, object]], tool: str) -> dict[str, object] | None:
    return next((row for row in rows if row["tool"] == tool and row["ok"]), None)


def _num(row: dict[str, object] | None, key: str) -> float | None:
    value = row.get(key) if row else None
    return float(value) if isinstance(value, (int, float)) else None


def targets(
    throughput: dict[str, list[dict[str, object]]], latency: lsp_latency.LatencyResult | None
) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) for each target of issue 9."""
    largest = next((size for size in reversed(ORDER) if size in throughput), None)
    rows = throughput.get(largest or "", [])
    floor = _num(_row(rows, check_throughput.FLOOR), "median_s")
    cold = _num(_row(rows, check_throughput.COLD), "median_s")
    warm = _num(_row(rows, check_throughput.WARM), "median_s")
    pylint = _num(_row(rows, check_throughput.PYLINT), "median_s")
    found: list[tuple[str, str, str]] = []

    def verdict(ok: bool | None) -> str:
        return "n/a" if ok is None else ("**met**" if ok else "**missed**")

    speedup = pylint / cold if pylint and cold else None
    found.append(
        (
            f"`check` of the {largest} project ≥ 15× faster than pylint-django",
            f"{speedup:.1f}× (pylint {pylint:.1f} s / check {cold:.1f} s)"
            if speedup and pylint and cold
            else "pylint-django not measured",
            verdict(speedup >= 15 if speedup else None),
        )
    )
    ratio = cold / floor if cold and floor else None
    warm_ratio = warm / floor if warm and floor else None
    found.append(
        (
            f"`check` of the {largest} project ≤ 3× the `ast.parse` floor",
            (f"cold {ratio:.1f}×" if ratio else "?")
            + (f"; warm cache {warm_ratio:.1f}×" if warm_ratio else ""),
            verdict(ratio <= 3 if ratio else None)
            + (f" cold; {verdict(warm_ratio <= 3)} warm" if warm_ratio else ""),
        )
    )
    if latency is not None and not latency.error:
        p95 = latency.edit_p95_ms
        found.append(
            (
                "didChange → diagnostics p95 ≤ 100 ms (warm, 1,000-line module)",
                f"p95 {p95} ms, p50 {latency.edit_p50_ms} ms, {latency.edit_timeouts} timeouts"
                if p95 is not None
                else f"no diagnostics ({latency.edit_timeouts} timeouts)",
                verdict(p95 <= 100 and latency.edit_timeouts == 0 if p95 is not None else False),
            )
        )
        cold_open = latency.cold_initialize_to_diagnostics_s
        found.append(
            (
                "cold: initialize → first diagnostics of the opened view ≤ 2 s",
                f"{cold_open} s (didOpen → diagnostics {latency.cold_open_to_diagnostics_s} s)",
                verdict(cold_open <= 2 if cold_open is not None else None),
            )
        )
        rss = latency.hwm_after_index_mib
        found.append(
            (
                "server RSS after indexing ≤ 400 MiB",
                f"VmHWM {rss} MiB, VmRSS {latency.rss_after_index_mib} MiB",
                verdict(rss <= 400 if rss is not None else None),
            )
        )
    else:
        error = latency.error if latency else "not run"
        found.append(
            (
                "editor targets (didChange p95, cold open, server RSS)",
                f"not measured: {error}",
                "n/a",
            )
        )
    per_file: dict[str, float] = {}
    for size in ORDER:
        row = _row(throughput.get(size, []), check_throughput.COLD)
        seconds = _num(row, "median_s")
        files = _num(row, "files")
        if seconds and files:
            per_file[size] = seconds / files * 1000
    if len(per_file) >= 2:
        first, last = next(iter(per_file)), list(per_file)[-1]
        growth = per_file[last] / per_file[first]
        found.append(
            (
                "cost grows linearly with project size (ms per file roughly constant)",
                ", ".join(f"{size} {value:.1f} ms/file" for size, value in per_file.items())
                + f" ({last}/{first} = {growth:.2f})",
                verdict(growth <= 1.5),
            )
        )
    return found


def render(
    info: dict[str, str],
    throughput: dict[str, list[dict[str, object]]],
    latency: lsp_latency.LatencyResult | None,
    projects: dict[str, dict[str, object]],
    seconds: float,
    command: str,
) -> str:
    out = [
        "# Benchmarks",
        "",
        f"Written by `{command}` in {seconds:.0f} s. Whole-process wall times, medians; "
        "peak RSS is the process tree's (workers included). Ratios come from one run on one "
        "machine; absolute times are only orientation.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
        "## Targets (issue 9)",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in targets(throughput, latency)),
        "",
        "## Generated projects",
        "",
        "| size | .py files | lines | apps | models | seed |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {size} | {p['files']} | {p['lines']} | {p['apps']} | {p['models']} | {p['seed']} |"
            for size, p in projects.items()
        ),
        "",
        "## `check` throughput",
        "",
    ]
    for size, rows in throughput.items():
        out += [f"### {size}", "", check_throughput.markdown(rows)]
        failed = [row for row in rows if not row["ok"]]
        for row in failed:
            out += [f"- {row['tool']} failed: `{str(row['error']).strip()[-300:]}`", ""]
    out += ["## Editor latency (LSP over stdio)", ""]
    if latency is None:
        out += ["Not run.", ""]
    else:
        out += ["```json", json.dumps(asdict(latency), indent=2), "```", ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark and write RESULTS.md.")
    parser.add_argument("--sizes", default=",".join(ORDER), help="comma-separated sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peer-runs", type=int, default=1)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--no-lsp", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [size for size in ORDER if size in args.sizes.split(",")]
    unknown = set(args.sizes.split(",")) - set(SIZES)
    if unknown or not sizes:
        parser.error(f"unknown sizes: {', '.join(sorted(unknown)) or '(none given)'}")
    started = time.perf_counter()
    info = machine()
    throughput: dict[str, list[dict[str, object]]] = {}
    projects: dict[str, dict[str, object]] = {}
    latency = None
    with tempfile.TemporaryDirectory(prefix="integrity-lsp-bench-") as scratch:
        for size in sizes:
            project = generate(Path(scratch) / size, size, args.seed)
            projects[size] = project.manifest()
            largest = size == sizes[-1]
            sys.stderr.write(f"{size}: {project.files} files\n")
            throughput[size] = check_throughput.run(
                project.root,
                runs=args.runs,
                peer_runs=args.peer_runs,
                peers=largest and not args.no_peers,
            )
            if largest and not args.no_lsp:
                sys.stderr.write(f"{size}: editor latency ({args.edits} edits)\n")
                latency = lsp_latency.run(project.root, edits=args.edits)
    command = "python -m benchmarks.run_all" + (
        f" {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip()
    )
    text = render(info, throughput, latency, projects, time.perf_counter() - started, command)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
