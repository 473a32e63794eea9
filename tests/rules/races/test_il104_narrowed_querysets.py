"""IL104 on `exclude(…).get_or_create(…)`: the constraint its fix adds covers the call's own
keywords, never the excluded conditions (they are not written by the insert)."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import copy_project, environment


def test_il104_fix_for_an_excluded_queryset_constrains_the_call_keywords(tmp_path: Path) -> None:
    from integrity_lsp.analysis.edits import apply_edits, compiles
    from integrity_lsp.checker import check_source

    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(
        "from shop.models import Category\n\n\n"
        "def named(name):\n"
        "    return Category.objects.exclude(name='').get_or_create(name=name)\n"
    )
    findings = [
        f for f in check_source(path.read_text(), path, environment(root)) if f.code == "IL104"
    ]
    assert len(findings) == 1
    (fix,) = findings[0].fixes
    assert fix.applicability is Applicability.UNSAFE
    models_path = root / "shop" / "models" / "catalog.py"
    fixed = apply_edits(models_path.read_text(), fix.edits)
    assert compiles(fixed)
    assert 'models.UniqueConstraint(fields=["name"], name="shop_category_name_uniq")' in fixed
