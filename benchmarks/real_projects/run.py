"""`run`: check each project in its own process, normalise the findings, time the run.

The command is `python -m integrity_lsp check --no-cache --output-format json --exit-zero
<src/folder>` (`--format` where the CLI has no `--output-format`), run from the repository with
VIRTUAL_ENV=<cache>/venvs/<name> when that venv exists (and without VIRTUAL_ENV otherwise, so the
harness's own environment is never taken for the project's). The findings go to
results/<name>.json with paths relative to the project folder, sorted, as stable JSON: two runs
of the same code give byte-identical files. Wall time, peak RSS of the process tree and the
number of .py files go to runs/<name>.json.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.measure import SAMPLE_SECONDS, tree_rss_kib
from benchmarks.parse_only import python_files
from benchmarks.real_projects.corpus import Cache, Project

REPO = Path(__file__).resolve().parents[2]
DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True)
class RunStats:
    project: str
    version: str
    files: int
    findings: int
    wall: float  # seconds
    peak_rss_kib: int  # the process tree's, sampled, or the kernel's high-water mark
    venv: str  # the status line of venvs/<name>, "no venv: …" when none was used
    commit: str  # integrity-lsp's
    command: list[str]
    error: str = ""  # empty when the check ran and printed JSON

    @classmethod
    def load(cls, path: Path) -> RunStats:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def check_help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "integrity_lsp", "check", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


@functools.cache
def commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def check_command(src: Path, extra: Sequence[str]) -> list[str]:
    """`--output-format` where `check --help` offers it, else the older `--format`; `--root`
    where offered, so that no folder above the project is taken for its root. The path is
    resolved: the cache folder may be reached through a symlink, and the checker resolves
    `--root` but not the paths, which then miss its index (IL30x went silent on wagtail)."""
    src = src.resolve()
    offered = check_help()
    output = "--output-format" if "--output-format" in offered else "--format"
    root = ["--root", str(src)] if "--root" in offered else []
    command = [sys.executable, "-m", "integrity_lsp", "check", "--no-cache", *root]
    return [*command, output, "json", "--exit-zero", *extra, str(src)]


def _relocate(value: Any, prefixes: Sequence[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for old, new in prefixes:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_relocate(item, prefixes) for item in value]
    if isinstance(value, dict):
        return {key: _relocate(item, prefixes) for key, item in value.items()}
    return value


def _sort_key(finding: dict[str, Any]) -> tuple[str, int, int, str, str]:
    location = finding.get("location") or {}
    return (
        str(finding.get("filename", "")),
        int(location.get("row", 0)),
        int(location.get("column", 0)),
        str(finding.get("code", "")),
        json.dumps(finding, sort_keys=True),
    )


def normalise(findings: list[dict[str, Any]], project: Project, cache: Cache) -> str:
    """The stable text of results/<name>.json: paths relative to the project folder (the venv's
    as `<venv>/…`), findings sorted, keys sorted."""
    prefixes: list[tuple[str, str]] = []
    for folder, mark in ((cache.src(project), ""), (cache.venv(project), "<venv>/")):
        for form in {str(folder), str(folder.resolve())}:
            prefixes.append((form + os.sep, mark))
    relocated = sorted(_relocate(findings, prefixes), key=_sort_key)
    data = {"project": project.name, "version": project.version, "findings": relocated}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _timed(
    command: Sequence[str], env: dict[str, str], stdout: Any, timeout: float
) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS (KiB) of the process tree, exit code, stderr tail."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
            stderr=errors, start_new_session=True,
        )  # fmt: skip
        peak, done = [0], threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_rss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def kill_group() -> None:  # the check and its worker processes
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill_group)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except BaseException:
            kill_group()
            raise
        finally:
            timer.cancel()
            done.set()
        wall = time.perf_counter() - start
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", "replace")
    return wall, max(peak[0], int(usage.ru_maxrss)), process.returncode, tail


def run_project(
    project: Project, cache: Cache, extra: Sequence[str] = (), timeout: float = DEFAULT_TIMEOUT
) -> RunStats:
    src = cache.src(project)
    results = cache.results / f"{project.name}.json"
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    if cache.has_venv(project):
        env["VIRTUAL_ENV"] = str(cache.venv(project))
        venv = cache.venv_status(project)
    else:
        venv = cache.venv_status(project)
        venv = venv if venv.startswith("no venv") else "no venv: " + venv
    command = check_command(src, extra)
    findings: list[dict[str, Any]] = []
    error = ""
    if not src.is_dir():
        wall, rss, error = 0.0, 0, f"{src} does not exist: run fetch first"
    else:
        with tempfile.TemporaryFile() as out:
            wall, rss, code, tail = _timed(command, env, out, timeout)
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        try:
            findings = json.loads(text)
        except ValueError:
            error = f"exit {code}, no JSON on stdout: {tail.strip()[-500:]}"
        if code != 0 and not error:
            error = f"exit {code}: {tail.strip()[-500:]}"
    cache.results.mkdir(parents=True, exist_ok=True)
    if error:
        results.unlink(missing_ok=True)  # never report a previous run's findings as this one's
    else:
        results.write_text(normalise(findings, project, cache), encoding="utf-8")
    files = sum(1 for _ in python_files(src)) if src.is_dir() else 0
    stats = RunStats(
        project=project.name,
        version=project.version,
        files=files,
        findings=len(findings),
        wall=round(wall, 2),
        peak_rss_kib=rss,
        venv=venv,
        commit=commit(),
        command=["python", *(part.replace(str(cache.root), "<cache>") for part in command[1:])],
        error=error,
    )  # fmt: skip
    cache.runs.mkdir(parents=True, exist_ok=True)
    (cache.runs / f"{project.name}.json").write_text(
        json.dumps(asdict(stats), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return stats


def run_all(
    projects: Sequence[Project],
    cache: Cache,
    extra: Sequence[str] = (),
    *,
    jobs: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    log: Callable[[str], None] = lambda _: None,
) -> list[RunStats]:
    """Check the projects, `jobs` at a time (times are comparable only with jobs=1)."""

    def one(project: Project) -> RunStats:
        stats = run_project(project, cache, extra, timeout)
        outcome = stats.error or f"{stats.findings} findings"
        log(f"{project.name}: {stats.files} files, {stats.wall:.1f} s, {outcome}")
        return stats

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, projects))
