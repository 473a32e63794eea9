"""Which configuration applies: as ruff, the closest pyproject.toml with a
`[tool.integrity-lsp]` table upwards from each file, up to the repository root; `--config`
and `--isolated` instead."""

from __future__ import annotations

from pathlib import Path

from tests.cli.support import codes, git_init, run, shop, write

IGNORE_IL101 = '[tool.integrity-lsp]\nignore = ["IL101"]\n'


def json_check(*args: str, cwd: Path | None = None) -> list[tuple[str, str]]:
    done = run("check", "--output-format", "json", "--no-cache", *args, cwd=cwd)
    assert done.code in (0, 1), done.err
    return codes(done)


def test_a_pyproject_above_the_django_folder_applies(tmp_path: Path) -> None:
    """The repository keeps pyproject.toml at its top, the Django project in src/."""
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": IGNORE_IL101})
    shop(tmp_path / "src")
    assert json_check("src", cwd=tmp_path) == []
    assert json_check(".", cwd=tmp_path / "src") == []
    assert json_check("src/shop/services.py", cwd=tmp_path) == []  # as pre-commit passes it


def test_the_closest_configuration_wins(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": IGNORE_IL101})
    shop(tmp_path / "src")
    write(tmp_path / "src", {"pyproject.toml": '[tool.integrity-lsp]\nselect = ["IL1"]\n'})
    assert json_check("src", cwd=tmp_path) == [("services.py", "IL101")]


def test_a_pyproject_without_our_table_is_passed_over(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": IGNORE_IL101})
    shop(tmp_path / "src")
    write(tmp_path / "src", {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    assert json_check("src", cwd=tmp_path) == []


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": IGNORE_IL101})  # outside the repository below
    repository = git_init(tmp_path / "repo")
    shop(repository)
    assert json_check(str(repository)) == [("services.py", "IL101")]


def test_config_names_the_file_and_isolated_reads_none(tmp_path: Path) -> None:
    shop(tmp_path)
    write(tmp_path, {"pyproject.toml": IGNORE_IL101, "other.toml": "[tool.x]\n"})
    assert json_check(str(tmp_path)) == []
    assert json_check("--isolated", str(tmp_path)) == [("services.py", "IL101")]
    assert json_check("--config", str(tmp_path / "other.toml"), str(tmp_path)) == [
        ("services.py", "IL101")
    ]


def test_config_takes_a_setting(tmp_path: Path) -> None:
    shop(tmp_path)
    assert json_check("--config", 'ignore = ["IL101"]', str(tmp_path)) == []
    done = run("check", "--config", "not a setting", str(tmp_path))
    assert done.code == 2 and "neither a file nor" in done.err
    broken = run("check", "--config", "select = [", str(tmp_path))
    assert broken.code == 2 and "cannot read configuration" in broken.err
    assert "internal error" not in broken.err
    nested = '[tool.integrity-lsp]\nignore = ["IL101"]'
    assert json_check("--config", nested, str(tmp_path)) == []


def test_a_broken_configuration_is_an_error_naming_it(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {"pyproject.toml": "[tool.integrity-lsp\nselect = "})
    shop(tmp_path / "src")
    done = run("check", str(tmp_path / "src"))
    assert done.code == 2
    assert f"{tmp_path / 'pyproject.toml'}: cannot read configuration" in done.err


def test_exclude_patterns_are_relative_to_the_configuration_file(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(
        tmp_path, {"pyproject.toml": '[tool.integrity-lsp]\nexclude = ["src/shop/services.py"]\n'}
    )
    shop(tmp_path / "src")
    assert json_check("src", cwd=tmp_path) == []


def test_a_configuration_below_a_checked_folder_applies_to_its_files(tmp_path: Path) -> None:
    """ruff's hierarchy: `check .` at the top, `legacy/` with its own configuration."""
    git_init(tmp_path)
    shop(tmp_path)
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.integrity-lsp]\nselect = ["IL1"]\n',
            "shop/legacy/pyproject.toml": IGNORE_IL101,
            "shop/legacy/__init__.py": "",
            "shop/legacy/old.py": (tmp_path / "shop" / "services.py").read_text(),
            "shop/legacy/vendored/pyproject.toml": '[tool.integrity-lsp]\nexclude = ["*.py"]\n',
            "shop/legacy/vendored/copy.py": (tmp_path / "shop" / "services.py").read_text(),
        },
    )
    assert json_check(".", cwd=tmp_path) == [("services.py", "IL101")]
    assert sorted(json_check("--isolated", ".", cwd=tmp_path)) == [
        ("copy.py", "IL101"),
        ("old.py", "IL101"),
        ("services.py", "IL101"),
    ]
