"""The IL301-IL303 fixes applied together over the example project's new migrations, then a
real Django run (makemigrations --check, migrate with rows). Every backend, and the committed
history left alone: tests/integration/test_migration_history.py."""

# ruff: noqa: E501 -- migration sources and SQL are kept one statement a line

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES_NEW_MIGRATIONS, commit_all_but, copy_project

PY = sys.executable


def _django(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [PY, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def fixed_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project("examples", tmp_path_factory.mktemp("fixed"))
    # Committed: the applied history (fixes leave it alone); the rest is the branch's new work.
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    run = subprocess.run(
        [
            PY,
            "-m",
            "integrity_lsp",
            "check",
            str(root),
            "--select",
            "IL301,IL302,IL303,IL304",
            "--fix",
            "--unsafe-fixes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Fixed 4 finding(s) in 12 file(s)" in run.stderr, run.stderr
    return root


def test_fixed_migrations_load_and_match_the_models(fixed_examples: Path) -> None:
    result = _django(fixed_examples, "makemigrations", "--check", "--dry-run")
    # Only the intended IL304 drift of the example remains (display-only).
    lines = [
        line.strip()
        for line in result.stdout.splitlines()
        if line.strip().startswith(("~", "+", "-"))
    ]
    assert lines == [
        "~ Alter field code on coupon",
        "+ Create constraint discount_lte_100 on model coupon",
    ], result.stdout + result.stderr


def test_fixed_migrations_apply_to_a_database_with_rows(
    fixed_examples: Path, tmp_path: Path
) -> None:
    """Migrate to just before the hazards, insert the rows that break the originals, finish."""
    database = tmp_path / "db.sqlite3"
    settings = f"from config.settings import *\nDATABASES['default']['NAME'] = {str(database)!r}\n"
    (fixed_examples / "config" / "test_settings.py").write_text(settings, encoding="utf-8")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    try:
        assert _django(fixed_examples, "migrate", "shop", "0003").returncode == 0
        assert _django(fixed_examples, "migrate", "accounts", "0002").returncode == 0
        seed = (
            "from django.db import connection\n"
            "with connection.cursor() as c:\n"
            "    c.execute(\"INSERT INTO shop_category (created_at, updated_at, name, slug, position) VALUES ('2024-01-01','2024-01-01','c','c',0)\")\n"
            "    for sku in ('a', 'b'):\n"
            "        c.execute(\"INSERT INTO shop_product (created_at, updated_at, sku, name, price, category_id, is_active) VALUES ('2024-01-01','2024-01-01',%s,'n',1,1,1)\", [sku])\n"
        )
        assert _django(fixed_examples, "shell", "-c", seed).returncode == 0
        result = _django(fixed_examples, "migrate")
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        os.environ.pop("DJANGO_SETTINGS_MODULE", None)
