from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.config import ConfigError, Settings, load_settings
from integrity_lsp.findings import Severity


def test_selection_uses_the_longest_prefix() -> None:
    settings = Settings().merged({"select": ["IL1", "IL201"], "ignore": ["IL10"]})
    assert not settings.is_enabled("IL101")
    assert settings.is_enabled("IL201")
    assert not settings.is_enabled("IL202")
    settings = Settings().merged({"ignore": ["IL1"], "select": ["IL104"]})
    assert settings.is_enabled("IL104") and not settings.is_enabled("IL101")


def test_per_file_ignores_and_exclude(tmp_path: Path) -> None:
    settings = Settings().merged(
        {"per-file-ignores": {"legacy/*": ["IL2"]}, "exclude": ["scripts/"]}
    )
    assert not settings.is_enabled("IL201", tmp_path / "legacy" / "views.py", tmp_path)
    assert settings.is_enabled("IL101", tmp_path / "legacy" / "views.py", tmp_path)
    assert settings.is_excluded(tmp_path / "scripts" / "x.py", tmp_path)
    assert not settings.is_excluded(tmp_path / "shop" / "x.py", tmp_path)


def test_bad_values_become_warnings_and_defaults() -> None:
    settings = Settings().merged(
        {
            "select": 3,
            "severity": {"IL101": "loud"},
            "django-version": "five",
            "atomic_requests": "yes",
            "mystery": 1,
        },
        origin="editor",
    )
    assert settings.select == Settings().select
    assert settings.django_version is None and settings.atomic_requests is None
    assert len(settings.warnings) == 5
    assert all(warning.startswith("editor: ") for warning in settings.warnings)


def test_values_are_read() -> None:
    settings = Settings().merged(
        {"severity": {"IL104": "info"}, "django_version": "5.2", "atomic-requests": True}
    )
    assert settings.severity_for("IL104", Severity.WARNING) is Severity.INFO
    assert settings.severity_for("IL101", Severity.WARNING) is Severity.WARNING
    assert settings.django_version == (5, 2) and settings.atomic_requests is True


def test_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.integrity-lsp]\nignore = ["IL104"]\n')
    assert load_settings(tmp_path).ignore == ("IL104",)
    (tmp_path / "pyproject.toml").write_text("[tool.integrity-lsp\n")
    with pytest.raises(ConfigError):
        load_settings(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool]\nintegrity-lsp = "x"\n')
    assert load_settings(tmp_path).warnings


def test_a_project_under_a_build_folder_is_not_excluded(tmp_path: Path) -> None:
    root = tmp_path / "build" / "project"
    assert not Settings().is_excluded(root / "shop" / "views.py", root)
    assert Settings().is_excluded(root / "build" / "views.py", root)
    assert Settings().is_excluded(root / ".venv" / "lib" / "x.py", root)


def test_migrations_since_takes_auto_all_or_a_git_ref() -> None:
    assert Settings().migrations_since is None  # auto: the git base
    assert Settings().merged({"migrations-since": "all"}).migrations_since == "all"
    assert Settings().merged({"migrations_since": "origin/main"}).migrations_since == "origin/main"
    assert Settings().merged({"migrations-since": "HEAD~3"}).migrations_since == "HEAD~3"
    chosen = Settings().merged({"migrations-since": "all"})
    assert chosen.merged({"migrations-since": "auto"}).migrations_since is None


def test_migrations_since_never_passes_an_option_to_git() -> None:
    for bad in ("--output=/tmp/x", "a b", 3, ""):
        settings = Settings().merged({"migrations-since": bad})
        assert settings.migrations_since is None
        assert any("migrations-since" in warning for warning in settings.warnings)


def test_test_code_policy(tmp_path: Path) -> None:
    settings = Settings()
    for relative in (
        "shop/tests/test_views.py",
        "shop/tests.py",
        "shop/test.py",  # a module of test helpers (a selenium TestCase base)
        "conftest.py",
        "shop/test_models.py",
        "shop/models_test.py",
        "netbox/utilities/testing/utils.py",
        "features/steps/basic_steps.py",  # behave's step definitions and hooks
        "shop/features/steps/checkout/given.py",
        "features/environment.py",
    ):
        path = tmp_path / relative
        assert settings.is_test_path(path, tmp_path), relative
        assert not settings.is_enabled("IL101", path, tmp_path)
        assert not settings.is_enabled("IL204", path, tmp_path)
        assert settings.is_enabled("IL203", path, tmp_path)  # a broken fixture is worth knowing
        assert settings.is_enabled("IL205", path, tmp_path)
    views = tmp_path / "shop" / "views.py"
    assert not settings.is_test_path(views, tmp_path) and settings.is_enabled("IL101", views)
    for relative in ("features/views.py", "shop/steps/views.py", "features/models/steps.py"):
        assert not settings.is_test_path(tmp_path / relative, tmp_path), relative
    # a test app's migrations run only on the new database of a test run: no existing rows
    migration = tmp_path / "tests" / "testapp" / "migrations" / "0019_snippet_locale.py"
    for code in ("IL301", "IL302", "IL303"):
        assert not settings.is_enabled(code, migration, tmp_path)
    assert settings.is_enabled("IL304", migration, tmp_path)
    # folders above the project root are not the project's
    project = tmp_path / "tests" / "project"
    assert not settings.is_test_path(project / "shop" / "views.py", project)


def test_test_code_policy_is_configurable(tmp_path: Path) -> None:
    settings = Settings().merged({"test-paths": ["qa/*"], "test-ignore": ["IL1"]})
    helper = tmp_path / "qa" / "helpers.py"
    assert settings.is_test_path(helper, tmp_path)
    assert not settings.is_enabled("IL104", helper, tmp_path)
    assert settings.is_enabled("IL201", helper, tmp_path)
    everything = Settings().merged({"test-ignore": []})
    assert everything.is_enabled("IL101", tmp_path / "shop" / "tests.py", tmp_path)
    bad = Settings().merged({"test-ignore": "IL999x"})
    assert bad.warnings


def test_since_takes_a_git_ref() -> None:
    assert Settings().merged({"since": "origin/main"}).since == "origin/main"
    for bad in ("all", "--output=x", 3):
        settings = Settings().merged({"since": bad})
        assert settings.since is None and any("`since`" in w for w in settings.warnings)
