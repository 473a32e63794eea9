"""IL301-IL303 fixes: the edits to the flagged migration, the new migration files, and a real
Django run over the fixed example project (makemigrations --check, migrate with rows)."""

# ruff: noqa: E501 -- migration sources and SQL are kept one statement a line

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from integrity_lsp.analysis.edits import compiles
from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability
from tests.helpers import copy_project, environment

PY = sys.executable


def _fix(root: Path, relative: str, code: str):  # type: ignore[no-untyped-def]
    path = root / relative
    findings = [
        f
        for f in check_source(path.read_text(encoding="utf-8"), path, environment(root))
        if f.code == code
    ]
    assert findings, f"no {code} in {relative}"
    fix = findings[0].fixes[0]
    assert fix.applicability is Applicability.UNSAFE
    return path, fix


def _new_files(fix) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {edit.path.name: edit.content for edit in fix.edits if not edit.path.exists()}


def test_il301_three_step_recipe(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    path, fix = _fix(root, "shop/migrations/0004_product_weight_grams_description.py", "IL301")
    own = [e for e in fix.edits if e.path == path]
    assert [e.content for e in own] == ["null=True"]
    files = _new_files(fix)
    assert set(files) == {
        "0004_backfill_product_weight_grams.py",
        "0004_alter_product_weight_grams.py",
    }
    backfill = files["0004_backfill_product_weight_grams.py"]
    assert 'apps.get_model("shop", "Product")' in backfill
    assert "filter(weight_grams__isnull=True).update(weight_grams=0)" in backfill
    alter = files["0004_alter_product_weight_grams.py"]
    assert '("shop", "0004_backfill_product_weight_grams")' in alter
    assert "field=models.PositiveIntegerField()," in alter
    assert all(compiles(text) for text in files.values())
    rewired = [e for e in fix.edits if e.path.name == "0005_product_barcode.py"]
    assert [e.content for e in rewired] == ['"0004_alter_product_weight_grams"']


def test_il301_db_default_fix_edits_migration_and_model(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    path = root / "shop/migrations/0004_product_weight_grams_description.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    fix = next(
        fx for f in findings if f.code == "IL301" for fx in f.fixes if "db_default" in fx.title
    )
    by_file = {(e.path.name, e.content) for e in fix.edits}
    assert by_file == {
        ("0004_product_weight_grams_description.py", "db_default=0"),
        ("catalog.py", "db_default=0"),
    }


def test_il302_dedupe_before(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    path, fix = _fix(root, "shop/migrations/0006_alter_product_barcode.py", "IL302")
    own = [e for e in fix.edits if e.path == path]
    assert [e.content for e in own] == ['\n        ("shop", "0006_dedupe_product_barcode"),']
    ((name, text),) = _new_files(fix).items()
    assert name == "0006_dedupe_product_barcode.py"
    assert '("shop", "0005_product_barcode")' in text
    assert ".exclude(barcode__isnull=True)" in text and "Decide" in text
    assert compiles(text)


def test_il302_unique_add_field_regenerates_values(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    path, fix = _fix(root, "accounts/migrations/0003_profile_referral_code.py", "IL302")
    files = _new_files(fix)
    regenerate = files["0003_backfill_profile_referral_code.py"]
    assert "row.referral_code = accounts.models.new_referral_code()" in regenerate
    assert "import accounts.models" in regenerate
    own = "".join(e.content for e in fix.edits if e.path == path)
    assert own == ", null=True"


def test_il303_backfill_before(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    _path, fix = _fix(root, "shop/migrations/0007_alter_product_category.py", "IL303")
    ((name, text),) = _new_files(fix).items()
    assert name == "0007_backfill_product_category.py"
    assert "raise RuntimeError" in text  # a ForeignKey has no neutral value: the user decides


def _django(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [PY, "manage.py", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def fixed_examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_project("examples", tmp_path_factory.mktemp("fixed"))
    run = subprocess.run(
        [
            PY,
            "-m",
            "integrity_lsp",
            "check",
            str(root),
            "--select",
            "IL301,IL302,IL303,IL304",
            "--unsafe-fixes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Fixed 5 finding(s) in 14 file(s)" in run.stderr, run.stderr
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
