"""The results cache in the project is not trusted (issue 17, items 2 and 9).

Writing: a committed `.integrity-lsp-cache` symlink leading out of the project is neither
written through nor read, and dangling `.gitignore` / `CACHEDIR.TAG` symlinks inside the
cache folder create nothing. Reading: a tampered cache -- wrong types, a forged "no findings"
entry, a `reads` list naming `/dev/zero` or a FIFO -- is ignored whole: the run gives what a
fresh run gives, in bounded time and memory. Every run is a real `integrity-lsp check` in a
subprocess, with the cache in the project (no INTEGRITY_LSP_CACHE_DIR) and the user's key in
a temporary folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.robustness.processes import run_cli
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

CACHE = ".integrity-lsp-cache"
RESULTS = "results-v1.json"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("INTEGRITY_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return write_tree(tmp_path / "proj", PROJECT)


def _check(root: Path) -> tuple[int, list[Any], str]:
    done = run_cli(
        ["check", "--format", "json", str(root)],
        cwd=root,
        memory_bytes=2 * 1024**3,
        timeout=90,
    )
    assert "internal error" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout or "[]"), done.stderr


def test_a_cache_symlink_leading_out_of_the_project_is_neither_written_nor_read(
    root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / CACHE).symlink_to(outside, target_is_directory=True)
    code, findings, err = _check(root)
    assert code == 1 and findings
    assert list(outside.iterdir()) == [], "the cache was written through the symlink"
    assert CACHE in err and "symlink" in err, err


def test_dangling_symlinks_in_the_cache_folder_create_nothing(root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / CACHE).mkdir()
    (root / CACHE / ".gitignore").symlink_to(outside / "ignore-me")
    (root / CACHE / "CACHEDIR.TAG").symlink_to(outside / "tag-me")
    code, _findings, _err = _check(root)
    assert code == 1
    assert list(outside.iterdir()) == [], "a file was created through a dangling symlink"
    assert (root / CACHE / RESULTS).is_file()  # the results themselves are cached


def _entries(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["entries"].values())


def _fifo(tmp: Path) -> str:
    path = tmp / "reads.fifo"
    if not path.exists():
        os.mkfifo(path)
    return str(path)


TAMPERINGS: dict[str, Callable[[dict[str, Any], Path], Any]] = {
    "reads is a list": lambda d, _t: [e.update(reads=[]) for e in _entries(d)],
    "findings is a string": lambda d, _t: [e.update(findings="x") for e in _entries(d)],
    "a finding of the wrong shape": lambda d, _t: [
        e.update(findings=[{"code": 1, "span": ["a"]}]) for e in _entries(d)
    ],
    "no findings anywhere": lambda d, _t: [e.update(findings=[]) for e in _entries(d)],
    "entries is a list": lambda d, _t: d.update(entries=[]),
    "reads names /dev/zero": lambda d, _t: [
        e.update(reads={"/dev/zero": "0"}) for e in _entries(d)
    ],
    "reads names a FIFO": lambda d, t: [e.update(reads={_fifo(t): "0"}) for e in _entries(d)],
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_a_tampered_cache_is_ignored_whole(root: Path, tmp_path: Path, tampering: str) -> None:
    code, fresh, _err = _check(root)
    assert code == 1 and fresh
    results = root / CACHE / RESULTS
    document = json.loads(results.read_text(encoding="utf-8"))
    TAMPERINGS[tampering](document, tmp_path)
    results.write_text(json.dumps(document), encoding="utf-8")
    code, again, _err = _check(root)
    assert (code, again) == (1, fresh)


def test_a_cache_file_that_is_not_json_or_not_an_object_is_ignored(root: Path) -> None:
    _code, fresh, _err = _check(root)
    results = root / CACHE / RESULTS
    for text in ("[]", "{not json", "null", '{"fingerprint": 1}'):
        results.write_text(text, encoding="utf-8")
        code, again, _err = _check(root)
        assert (code, again) == (1, fresh), text
