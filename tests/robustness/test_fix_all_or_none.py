"""`check --fix` is all or none, and writes only what it may (issue 17, item 3).

A fix whose files cannot all be written (a read-only `migrations/` folder, a dangling symlink
where a migration would be generated, a symlink leading out of the root, a read-only file, a
hard-linked file, `.git/`) is left out with a message naming the file; the other fixes are
written. When a write fails after others succeeded, those are put back. Written files keep
their mode, owner and group. The read-only folder is tested as an ordinary user (root writes
anywhere: `tests/robustness/processes.py`).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp import fixer
from tests.robustness.processes import ordinary_user, run_cli
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT, SERVICES, leftovers, run_fix, snapshot

MIGRATIONS = "shop/migrations"
GENERATED = ("0002_backfill_product_weight.py", "0002_alter_product_weight.py")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "proj", PROJECT)


def _services(root: Path) -> str:
    return (root / "shop" / "services.py").read_text(encoding="utf-8")


def test_a_read_only_migrations_folder_leaves_out_only_the_fixes_writing_there(
    root: Path,
) -> None:
    folder = root / MIGRATIONS
    before = snapshot(folder)
    folder.chmod(0o555)
    try:
        done = run_cli(
            ["check", "--fix", "--unsafe-fixes", str(root)], cwd=root, prefix=ordinary_user()
        )
    finally:
        folder.chmod(0o755)
    assert "internal error" not in done.stderr, done.stderr
    assert done.returncode != 2, done.stderr
    assert snapshot(folder) == before, "a migration was written in part"
    assert "not writable" in done.stderr and "migrations" in done.stderr, done.stderr
    assert "get_or_create" in _services(root)  # the fix elsewhere is written


def test_a_failed_write_puts_back_the_files_already_written(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second rename of the run fails (a disk error): the first file written gets its
    old content back, and nothing is left behind."""
    before = snapshot(root)
    real_replace = os.replace
    calls: list[str] = []

    def failing_replace(source: Any, target: Any) -> None:
        if str(target).endswith(".py") and not str(source).endswith(".bak.tmp"):
            calls.append(str(target))
            if len(calls) == 2:
                raise OSError(errno.EIO, "Input/output error", str(target))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    _code, err = run_fix(root, "--unsafe-fixes")
    monkeypatch.undo()
    assert len(calls) == 2, calls
    assert snapshot(root) == before, err
    assert not leftovers(root)
    assert "Input/output error" in err


def test_a_dangling_symlink_where_a_migration_would_be_generated(root: Path) -> None:
    folder = root / MIGRATIONS
    (folder / GENERATED[0]).symlink_to("gone/missing.py")
    before = snapshot(folder)
    _code, err = run_fix(root, "--unsafe-fixes")
    assert snapshot(folder) == before, "the migration fix was written in part"
    assert not (folder / "gone").exists()
    assert GENERATED[0] in err, err
    assert "get_or_create" in _services(root)


def test_a_read_only_file_is_not_rewritten(root: Path) -> None:
    services = root / "shop" / "services.py"
    services.chmod(0o444)
    _code, err = run_fix(root)
    assert services.read_text(encoding="utf-8") == SERVICES
    assert services.stat().st_mode & 0o777 == 0o444
    assert "services.py" in err and "read-only" in err, err


def test_the_owner_and_group_of_a_fixed_file_are_kept(root: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file another owner to start with")
    services = root / "shop" / "services.py"
    os.chown(services, 4321, 4322)
    services.chmod(0o640)
    run_fix(root)
    status = services.stat()
    assert "get_or_create" in _services(root)
    assert (status.st_uid, status.st_gid, status.st_mode & 0o777) == (4321, 4322, 0o640)


def test_a_hard_linked_file_is_refused_not_split(root: Path) -> None:
    services = root / "shop" / "services.py"
    twin = root / "shop" / "services_twin.py"
    os.link(services, twin)
    _code, err = run_fix(root)
    assert services.read_text(encoding="utf-8") == SERVICES
    assert os.path.samefile(services, twin)
    assert "hard links" in err, err


def test_one_symlink_leading_out_does_not_block_the_other_fixes(root: Path, tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"other.py": SERVICES}) / "other.py"
    (root / "shop" / "other.py").symlink_to(outside)
    _code, err = run_fix(root)
    assert outside.read_text(encoding="utf-8") == SERVICES
    assert "get_or_create" in _services(root)
    assert "other.py" in err and "outside the project root" in err, err
    assert "run again" not in err


def test_relative_paths_are_taken_from_the_root_not_the_working_folder(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = write_tree(tmp_path / "decoy", {"shop/services.py": SERVICES})
    monkeypatch.chdir(decoy)
    fixed = SERVICES.replace("name=name)", "name=name)  # fixed")
    written, problems = fixer.write_fixes({Path("shop/services.py"): (SERVICES, fixed)}, root)
    assert (written, problems) == (1, [])
    assert _services(root) == fixed
    assert (decoy / "shop" / "services.py").read_text(encoding="utf-8") == SERVICES


@pytest.mark.parametrize("name", [".git/config", ".git/hooks/pre-commit"])
def test_nothing_is_written_inside_git(root: Path, name: str) -> None:
    target = write_tree(root, {name: "original\n"}) / name
    written, problems = fixer.write_fixes({target: ("original\n", "evil\n")}, root)
    assert written == 0 and any(".git" in problem for problem in problems), problems
    assert target.read_text(encoding="utf-8") == "original\n"
