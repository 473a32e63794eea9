"""Which files: `.gitignore` respected, `--force-exclude` as ruff (exclusions apply to paths
named on the command line only with it), a named path that cannot be read is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.support import SERVICE, codes, git_init, run, shop, write


def json_check(*args: str) -> list[tuple[str, str]]:
    done = run("check", "--output-format", "json", "--no-cache", *args)
    assert done.code in (0, 1), done.err
    return codes(done)


def test_git_ignored_files_and_folders_are_not_checked(tmp_path: Path) -> None:
    git_init(tmp_path)
    shop(tmp_path, {"generated/copy.py": SERVICE, "shop/scratch.py": SERVICE})
    write(tmp_path, {".gitignore": "# local\n/generated/\nscratch.py\n"})
    assert json_check(str(tmp_path)) == [("services.py", "IL101")]
    assert len(json_check("--no-respect-gitignore", str(tmp_path))) == 3


def test_negated_and_nested_gitignore_patterns(tmp_path: Path) -> None:
    git_init(tmp_path)
    shop(tmp_path, {"shop/keep_me.py": SERVICE, "shop/drop_me.py": SERVICE})
    write(tmp_path, {".gitignore": "*_me.py\n", "shop/.gitignore": "!keep_me.py\n"})
    assert sorted(json_check(str(tmp_path))) == [
        ("keep_me.py", "IL101"),
        ("services.py", "IL101"),
    ]


def test_gitignore_outside_a_repository_is_not_read(tmp_path: Path) -> None:
    shop(tmp_path, {"shop/scratch.py": SERVICE})
    write(tmp_path, {".gitignore": "scratch.py\n"})
    assert len(json_check(str(tmp_path))) == 2


@pytest.mark.parametrize("pattern", ["shop/services.py", "services.py", "shop", "shop/"])
def test_force_exclude(tmp_path: Path, pattern: str) -> None:
    """Without it a named file is checked, excluded or not (file or folder pattern alike);
    with it the exclusions apply (pre-commit names files)."""
    shop(tmp_path)
    write(tmp_path, {"pyproject.toml": f'[tool.integrity-lsp]\nexclude = ["{pattern}"]\n'})
    named = str(tmp_path / "shop" / "services.py")
    assert json_check(named) == [("services.py", "IL101")]
    assert json_check("--force-exclude", named) == []
    assert json_check(str(tmp_path)) == []  # found by walking: excluded either way


def test_force_exclude_applies_to_git_ignored_named_files(tmp_path: Path) -> None:
    git_init(tmp_path)
    shop(tmp_path)
    write(tmp_path, {".gitignore": "services.py\n"})
    named = str(tmp_path / "shop" / "services.py")
    assert json_check(named) == [("services.py", "IL101")]
    assert json_check("--force-exclude", named) == []


def test_force_exclude_from_the_configuration(tmp_path: Path) -> None:
    shop(tmp_path)
    write(
        tmp_path,
        {"pyproject.toml": '[tool.integrity-lsp]\nexclude = ["shop"]\nforce-exclude = true\n'},
    )
    assert json_check(str(tmp_path / "shop" / "services.py")) == []


def test_exclude_flags(tmp_path: Path) -> None:
    """`--exclude` replaces the configured `exclude`, `--extend-exclude` adds to it. (A `jobs`
    folder, not `scripts`: that is command code, where the race rules are silent.)"""
    shop(tmp_path, {"legacy/old.py": SERVICE, "jobs/run.py": SERVICE})
    write(tmp_path, {"pyproject.toml": '[tool.integrity-lsp]\nexclude = ["legacy"]\n'})
    root = str(tmp_path)
    assert sorted(json_check(root)) == [("run.py", "IL101"), ("services.py", "IL101")]
    assert json_check("--extend-exclude", "jobs", root) == [("services.py", "IL101")]
    assert sorted(json_check("--exclude", "jobs", root)) == [
        ("old.py", "IL101"),
        ("services.py", "IL101"),
    ]
    assert json_check("--exclude", "jobs,legacy", "--extend-exclude", "shop", root) == []
