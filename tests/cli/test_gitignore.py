"""git's ignore rules as `syntax/gitignore.py` reads them (the walker skips what they ignore)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.syntax.gitignore import GitIgnore, is_git_ignored
from tests.cli.support import git_init, write


@pytest.mark.parametrize(
    ("rules", "path", "ignored"),
    [
        ("local.py", "a/b/local.py", True),
        ("/local.py", "a/local.py", False),  # anchored to the .gitignore's folder
        ("/local.py", "local.py", True),
        ("a/local.py", "x/a/local.py", False),  # a slash inside: anchored too
        ("build/", "build/x.py", True),  # a folder pattern: what lies under it
        ("build/", "build.py", False),
        ("*.py\n!keep.py", "keep.py", False),  # the last match wins
        ("*.py\n!keep.py", "drop.py", True),
        ("docs/**/gen_*.py", "docs/a/b/gen_x.py", True),
        ("**/migrations/00*.py", "app/migrations/0001_initial.py", True),
        ("tmp_[0-9].py", "tmp_7.py", True),
        ("tmp_[!0-9].py", "tmp_7.py", False),
        ("\\#notes.py", "#notes.py", True),
        ("# a comment\n\n", "a.py", False),
        ("x?.py", "xy.py", True),
        ("x?.py", "x/.py", False),
    ],
)
def test_patterns(tmp_path: Path, rules: str, path: str, ignored: bool) -> None:
    git_init(tmp_path)
    write(tmp_path, {".gitignore": rules, path: ""})
    assert is_git_ignored(tmp_path / path) is ignored


def test_a_deeper_gitignore_overrides_a_higher_one_and_info_exclude(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(
        tmp_path,
        {
            ".git/info/exclude": "secret.py\nkept.py\n",
            ".gitignore": "!kept.py\n",
            "app/.gitignore": "!secret.py\n",
            "app/secret.py": "",
            "secret.py": "",
            "kept.py": "",
        },
    )
    rules = GitIgnore(tmp_path)
    assert rules.ignores(tmp_path / "secret.py")
    assert not rules.ignores(tmp_path / "app" / "secret.py")
    assert not rules.ignores(tmp_path / "kept.py")


def test_nothing_under_an_ignored_folder_comes_back(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {".gitignore": "vendor/\n!vendor/ours.py\n", "vendor/ours.py": ""})
    assert is_git_ignored(tmp_path / "vendor" / "ours.py")


def test_outside_a_repository_nothing_is_ignored(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "*.py\n", "a.py": ""})
    assert not is_git_ignored(tmp_path / "a.py")
