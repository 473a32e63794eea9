"""Packaging: the pre-commit hook, the project metadata, an sdist whose tests run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.cli.support import git_init, shop
from tests.helpers import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "node_modules",
    ".integrity-lsp-cache", ".mypy_cache", ".ruff_cache", ".pytest_cache", "generated",
)  # fmt: skip


def test_project_metadata() -> None:
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "Framework :: Django" in project["classifiers"]
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= set(project["urls"])
    (parso,) = [dep for dep in project["dependencies"] if dep.startswith("parso")]
    assert "<" in parso, "parso's diff parser is private API: cap the version"
    for name in ("LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", ".pre-commit-hooks.yaml"):
        assert (REPO / name).is_file(), name
    assert "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")


def test_pre_commit_hook_definition() -> None:
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "integrity-lsp"
    assert hook["require_serial"] is True and hook["types"] == ["python"]
    assert hook["entry"].split()[:2] == ["integrity-lsp", "check"]
    assert "--force-exclude" in hook["entry"]
    assert hook["language"] == "python"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "id: integrity-lsp" in readme


def _sdist(tmp_path: Path) -> Path:
    import setuptools

    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip(f"setuptools {setuptools.__version__} cannot build SPDX metadata (>= 77)")
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=COPY_IGNORE)
    out = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-c", f"import setuptools.build_meta as b; b.build_sdist({str(out)!r})"],
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (archive,) = out.glob("*.tar.gz")
    return archive


def test_the_sdist_runs_its_tests(tmp_path: Path) -> None:
    archive = _sdist(tmp_path)
    with tarfile.open(archive) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        tar.extractall(tmp_path / "unpacked", filter="data")
    for needed in (
        "tests/helpers.py",
        "tests/cli/sarif-schema-2.1.0.json",
        "tests/fixtures",
        "examples/manage.py",
        "scripts/gen_docs.py",
        "docs/rules/IL101.md",
        "LICENSE",
        ".pre-commit-hooks.yaml",
    ):
        assert any(name == needed or name.startswith(f"{needed}/") for name in names), needed
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_docs.py", "tests/cli/test_selection.py"],
        cwd=unpacked,
        env={**os.environ, "PYTHONPATH": str(unpacked)},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]


def test_pre_commit_try_repo(tmp_path: Path) -> None:
    """The hook as pre-commit installs and runs it, on a throwaway repository with a race."""
    if (
        shutil.which("pre-commit") is None
        and shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None
    ):
        pytest.skip("pre-commit is not installed")
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or "pre-commit"
    hooks = tmp_path / "hooks"
    shutil.copytree(REPO, hooks, ignore=COPY_IGNORE)
    git_init(hooks)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "add", "-A"], cwd=hooks, check=True, capture_output=True)
    subprocess.run([*git, "commit", "-qm", "hooks"], cwd=hooks, check=True, capture_output=True)
    project = git_init(shop(tmp_path / "project"))
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, capture_output=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        [pre_commit, "try-repo", str(hooks), "integrity-lsp", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "IL101" in done.stdout and "services.py" in done.stdout
    (project / "shop" / "services.py").write_text("x = 1\n")
    clean = subprocess.run(
        [pre_commit, "try-repo", str(hooks), "integrity-lsp", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
