"""Whole-process measurement: wall time and peak RSS of a command and all its children.

CPU time is the user + system time `wait4` reports: the process's own and that of every child
it waited for (worker processes included), so it hardly moves when other jobs share the cores.
Peak RSS is the larger of the kernel's exact high-water mark of the main process (`wait4`) and
the peak of the summed RSS of the whole process tree, sampled from /proc every 20 ms (so worker
processes count). On systems without /proc only the first is available.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    peak_rss_kib: int
    returncode: int
    stderr_tail: str
    cpu: float = 0.0  # user + system seconds of the process and the children it waited for


@dataclass(frozen=True)
class Summary:
    runs: tuple[Run, ...]

    @property
    def median_wall(self) -> float:
        return statistics.median(run.wall for run in self.runs)

    @property
    def median_cpu(self) -> float:
        return statistics.median(run.cpu for run in self.runs)

    @property
    def peak_rss_mib(self) -> float:
        return max(run.peak_rss_kib for run in self.runs) / 1024

    @property
    def ok(self) -> bool:
        return all(run.returncode == 0 for run in self.runs)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as stream:
                found.extend(int(part) for part in stream.read().split())
        except (OSError, ValueError):
            continue
    return found


def rss_kib(pid: int, key: str = "VmRSS") -> int:
    """A /proc/<pid>/status value in KiB (VmRSS, VmHWM, ...); 0 when unavailable."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as stream:
            for line in stream:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kib(pid: int) -> int:
    total, queue, seen = 0, [pid], set()
    while queue:
        current = queue.pop()
        if current in seen:
            continue
        seen.add(current)
        total += rss_kib(current)
        queue.extend(_children(current))
    return total


def run_once(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600.0,
) -> Run:
    """Run `command` to completion, its output discarded; wall time and peak RSS."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(SAMPLE_SECONDS):
                peak[0] = max(peak[0], tree_rss_kib(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            timer.cancel()
            done.set()
        wall = time.perf_counter() - start
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(wall, max(peak[0], int(usage.ru_maxrss)), process.returncode, tail, cpu)


def measure(
    command: Sequence[str],
    runs: int,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600.0,
) -> Summary:
    return Summary(tuple(run_once(command, cwd=cwd, env=env, timeout=timeout) for _ in range(runs)))
