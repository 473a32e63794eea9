"""Running integrity-lsp in a subprocess for the hostile-input tests: bounded in time (a hang
is a failed test, never a stuck suite), optionally bounded in memory, optionally as an
ordinary user.

The tests run as root in CI, and root reads and writes whatever the permission bits say, so
`chmod 000` proves nothing there. `ordinary_user()` is a command prefix that runs the
program as an ordinary user who owns the project: `unshare --user --map-user=1000` maps the
files' owner (root, outside) to uid 1000 inside a user namespace, where the process has no
capabilities -- permission bits apply to it as to any user on their own files. (`unshare -U
-r` maps root to root and keeps its capabilities over root's files: `chmod 000` would still
prove nothing.) Not as root, no prefix is needed.
"""

from __future__ import annotations

import functools
import os
import resource
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "integrity_lsp"]
_NAMESPACE = ["unshare", "--user", "--map-user=1000", "--map-group=1000"]


@functools.cache
def ordinary_user() -> tuple[str, ...]:
    if os.geteuid() != 0:
        return ()
    try:
        probe = subprocess.run([*_NAMESPACE, "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"cannot run a program as an ordinary user here: {error}")
    if probe.returncode != 0:
        pytest.fail(f"cannot run a program as an ordinary user here: {probe.stderr!r}")
    return tuple(_NAMESPACE)


def run_cli(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float = 120,
    prefix: Sequence[str] = (),
    memory_bytes: int | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """`integrity-lsp ARGS` in a subprocess; fails the test if it has not ended in time."""

    def limit_memory() -> None:  # pragma: no cover - runs in the child
        if memory_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    try:
        done = subprocess.run(
            [*prefix, *CLI, *args],
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            preexec_fn=limit_memory,
            input=stdin,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`integrity-lsp {' '.join(args)}` did not end within {timeout:.0f} s")
    return subprocess.CompletedProcess(
        done.args,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )
