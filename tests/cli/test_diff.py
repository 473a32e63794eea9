"""`--diff` is a patch: `git apply` and `patch -p1` take it, and applying it gives what
`--fix` writes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.support import git_init, run
from tests.helpers import EXAMPLES_NEW_MIGRATIONS, copy_project


def git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = git_init(copy_project("examples", tmp_path))
    git(root, "add", "-A")
    assert git(root, "commit", "-qm", "examples").returncode == 0
    return root


def files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
        and ".git" not in path.parts
        and "__pycache__" not in path.parts
        and ".integrity-lsp-cache" not in path.parts
    }


def test_the_diff_applies_with_git_apply_and_equals_fix(repository: Path, tmp_path: Path) -> None:
    # The migrations with hazards are the branch's new work: only those may be fixed.
    new = sorted(
        str(p.relative_to(repository)) for g in EXAMPLES_NEW_MIGRATIONS for p in repository.glob(g)
    )
    git(repository, "rm", "-q", "--cached", "--", *new)
    assert git(repository, "commit", "-qm", "the applied history").returncode == 0
    done = run("check", "--diff", "--unsafe-fixes", "--no-cache", ".", cwd=repository)
    assert done.code == 1, done.err
    patch = done.out
    assert "a//" not in patch and str(repository) not in patch
    assert "--- /dev/null" in patch and "new file mode" in patch  # migrations the fixes add
    assert "+++ b/shop/services.py" in patch
    checked = git(repository, "apply", "--check", "-v", "-", stdin=patch)
    assert checked.returncode == 0, checked.stderr
    # Applied, it gives what --fix writes.
    fixed = tmp_path / "fixed"
    shutil.copytree(repository, fixed)
    assert git(repository, "apply", "-", stdin=patch).returncode == 0
    run("check", "--fix", "--unsafe-fixes", "--no-cache", ".", cwd=fixed)
    assert files(repository) == files(fixed)


def test_the_diff_applies_with_patch_p1_from_a_subfolder(repository: Path) -> None:
    if shutil.which("patch") is None:
        pytest.skip("no `patch` program here")
    shop = repository / "shop"
    patch = run("check", "--diff", "--no-cache", ".", cwd=shop).out
    assert "+++ b/services.py" in patch
    done = subprocess.run(
        ["patch", "-p1", "--dry-run"], cwd=shop, input=patch, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_file_without_a_final_newline(repository: Path) -> None:
    services = repository / "shop" / "services.py"
    services.write_text(services.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    git(repository, "commit", "-qam", "no final newline")
    patch = run("check", "--diff", "--select", "IL1", "--no-cache", ".", cwd=repository).out
    assert git(repository, "apply", "--check", "-", stdin=patch).returncode == 0


def test_diff_writes_nothing_and_exits_zero_when_nothing_to_fix(repository: Path) -> None:
    before = files(repository)
    done = run("check", "--diff", "--select", "IL205", "--no-cache", ".", cwd=repository)
    assert done.code == 0 and done.out == ""
    assert files(repository) == before
