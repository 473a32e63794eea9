"""Project files that cannot be read the ordinary way never crash or hang the tool (issue 17,
items 4, 5, 6, 7 and 12): a subfolder the user cannot enter (a docker `pgdata/`), `tool = 1`
in pyproject.toml, a `requirements.txt` that is a symlink to `/dev/zero` or a FIFO, a FIFO
named like a module -- for `check`, `explain` and the server -- and a path named on the
command line that is no regular file (an error, exit 2). Every run is a subprocess with a
bounded wait (and, for `/dev/zero`, bounded memory).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.robustness.processes import ordinary_user, run_cli
from tests.robustness.raw_lsp import RawServer, raw_server
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

MESSAGE = "UNIQUE constraint failed: shop_product.sku"
MEMORY = 1536 * 1024**2  # a server or a check reading /dev/zero runs out of this at once


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", PROJECT)


def _finds_the_race(server: RawServer, root: Path) -> None:
    uri = server.open(root / "shop" / "services.py")
    assert any(d["code"] == "IL101" for d in server.pull(uri, timeout=60))


def _explains(server: RawServer) -> None:
    answer = server.request(
        "workspace/executeCommand", {"command": "integrity-lsp.explain", "arguments": [MESSAGE]}
    )
    assert "shop.Product" in answer["result"]["summary"], answer


def _hovers(server: RawServer, root: Path) -> None:
    uri = (root / "shop" / "services.py").as_uri()
    answer = server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 16}},
    )
    assert "result" in answer, answer


# -- item 4: a folder the user cannot enter -------------------------------------------------


@pytest.fixture
def locked(root: Path) -> Iterator[Path]:
    """`pgdata/`, a folder its owner cannot enter (mode 000), with a file inside."""
    folder = write_tree(root / "pgdata", {"base/1/PG_VERSION": "16\n"})
    folder.chmod(0o000)
    yield root
    folder.chmod(0o755)


def test_check_and_explain_skip_a_folder_that_cannot_be_entered(locked: Path) -> None:
    user = ordinary_user()
    done = run_cli(["check", str(locked)], cwd=locked, prefix=user)
    assert done.returncode == 1, done.stderr
    assert "IL101" in done.stdout
    assert "pgdata" in done.stderr and "Permission denied" in done.stderr, done.stderr
    explained = run_cli(["explain", MESSAGE], cwd=locked, prefix=user)
    assert explained.returncode != 2, explained.stderr
    assert "shop.Product" in explained.stdout and "services.py" in explained.stdout
    # a pasted traceback whose frames lie in the folder: looked for there, without a crash
    traceback = (
        "Traceback (most recent call last):\n"
        '  File "/srv/app/pgdata/base/1/views.py", line 3, in add\n'
        "    Product.objects.create(sku=sku)\n"
        f"django.db.utils.IntegrityError: {MESSAGE}\n"
    )
    explained = run_cli(["explain", "-"], cwd=locked, prefix=user, stdin=traceback.encode())
    assert explained.returncode != 2, explained.stderr
    assert "shop.Product" in explained.stdout


def test_the_server_skips_a_folder_that_cannot_be_entered(locked: Path) -> None:
    with raw_server(locked, prefix=ordinary_user()) as server:
        server.initialize(locked)
        _finds_the_race(server, locked)
        _explains(server)


# -- item 5: `tool = 1` ----------------------------------------------------------------------


def test_a_tool_key_that_is_not_a_table(root: Path) -> None:
    (root / "pyproject.toml").write_text("tool = 1\n", encoding="utf-8")
    done = run_cli(["check", str(root)], cwd=root)
    assert done.returncode == 1, done.stderr
    assert "internal error" not in done.stderr
    assert "`tool` must be a table" in done.stderr, done.stderr
    with raw_server(root) as server:
        server.initialize(root)
        _finds_the_race(server, root)
        _hovers(server, root)
        _explains(server)


# -- items 6 and 7: requirements.txt that never ends, or blocks --------------------------------


def _requirements(root: Path, kind: str) -> None:
    target = root / "requirements.txt"
    if kind == "/dev/zero":
        target.symlink_to("/dev/zero")
    else:
        os.mkfifo(target)


@pytest.mark.parametrize("kind", ["/dev/zero", "FIFO"])
@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cache", "no-cache"])
def test_check_with_a_requirements_file_that_never_ends(
    root: Path, kind: str, cache: list[str]
) -> None:
    _requirements(root, kind)
    done = run_cli(["check", *cache, str(root)], cwd=root, memory_bytes=MEMORY, timeout=90)
    assert done.returncode == 1, done.stderr
    assert "IL101" in done.stdout
    assert "requirements.txt" in done.stderr and "not a regular file" in done.stderr


@pytest.mark.parametrize("kind", ["/dev/zero", "FIFO"])
def test_the_server_with_a_requirements_file_that_never_ends(root: Path, kind: str) -> None:
    """The IL301 fix of the migration depends on the Django version, which is read from the
    requirements."""
    _requirements(root, kind)
    with raw_server(root, memory_bytes=MEMORY) as server:
        server.initialize(root)
        migration = server.open(root / "shop" / "migrations" / "0002_product_weight.py")
        assert any(d["code"] == "IL301" for d in server.pull(migration, timeout=60))
        _finds_the_race(server, root)
        _hovers(server, root)
        assert server.process.poll() is None
        problems = [line for line in server.logged() if "failed" in line or "Error" in line]
        assert not problems, problems


def test_explain_with_a_fifo_named_like_a_module(root: Path) -> None:
    os.mkfifo(root / "shop" / "pipe.py")
    done = run_cli(["explain", MESSAGE], cwd=root, timeout=90)
    assert done.returncode != 2, done.stderr
    assert "shop.Product" in done.stdout


@pytest.mark.parametrize(
    "notification",
    ["textDocument/didSave", "textDocument/didClose", "workspace/didChangeWatchedFiles"],
)
def test_the_server_is_told_about_a_fifo(root: Path, notification: str) -> None:
    fifo = root / "shop" / "pipe.py"
    os.mkfifo(fifo)
    with raw_server(root) as server:
        server.initialize(root)
        _finds_the_race(server, root)
        uri = fifo.as_uri()
        if notification == "workspace/didChangeWatchedFiles":
            server.notify(notification, {"changes": [{"uri": uri, "type": 2}]})
        else:
            if notification == "textDocument/didClose":
                server.open(fifo, text="")
            server.notify(notification, {"textDocument": {"uri": uri}})
        _hovers(server, root)  # the event loop still answers
        _explains(server)


# -- item 12: a path named on the command line that is no regular file -----------------------


@pytest.mark.parametrize("named", ["pipe.py", "/dev/zero", "/dev/stdin"])
def test_a_named_path_that_cannot_be_read_is_an_error(root: Path, named: str) -> None:
    if named == "pipe.py":
        os.mkfifo(root / named)
    done = run_cli(["check", named], cwd=root, stdin=b"", timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert named in done.stderr, done.stderr
    assert "All checks passed!" not in done.stdout, done.stdout
    assert "Not every file could be checked" in done.stdout, done.stdout
