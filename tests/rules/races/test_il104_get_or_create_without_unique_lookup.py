"""IL104: get_or_create() whose lookup no unique constraint covers; its fix."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import (
    copy_project,
    environment,
)

HEADER = "from shop.models import Product, StockLevel, Warehouse, Category\n\n\n"


def test_il104_adds_a_unique_constraint_to_the_model(tmp_path: Path) -> None:
    from integrity_lsp.analysis.edits import apply_edits, compiles

    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(
        HEADER + "def named(name):\n    return Category.objects.get_or_create(name=name)\n"
    )
    from integrity_lsp.checker import check_source

    findings = [
        f for f in check_source(path.read_text(), path, environment(root)) if f.code == "IL104"
    ]
    assert len(findings) == 1
    (fix,) = findings[0].fixes
    assert fix.applicability is Applicability.UNSAFE
    models_path = root / "shop" / "models" / "catalog.py"
    assert {edit.path for edit in fix.edits} == {models_path}
    fixed = apply_edits(models_path.read_text(), fix.edits)
    assert compiles(fixed)
    assert 'models.UniqueConstraint(fields=["name"], name="shop_category_name_uniq")' in fixed
    assert "verbose_name_plural" in fixed
