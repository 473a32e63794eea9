"""`explain` does not pick one model silently when two share the violated table (issue 17,
item 14): an unmanaged model over another's table is common in legacy projects, and the
message alone cannot tell which one the failing code wrote."""

from __future__ import annotations

import json
from pathlib import Path

from tests.robustness.support import run_cli, write_tree
from tests.robustness.test_fix_writes import PROJECT

REPORTING = {
    "reporting/__init__.py": "",
    "reporting/models.py": (
        "from django.db import models\n"
        "\n"
        "\n"
        "class ProductRow(models.Model):\n"
        "    sku = models.CharField(max_length=20, unique=True)\n"
        "\n"
        "    class Meta:\n"
        "        managed = False\n"
        '        db_table = "shop_product"\n'
    ),
    "config/__init__.py": "",
    "config/settings.py": 'INSTALLED_APPS = ["shop", "reporting"]\n',
}
MESSAGE = "UNIQUE constraint failed: shop_product.sku"


def test_explain_lists_every_model_that_shares_the_table(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "proj", {**PROJECT, **REPORTING})
    code, out, err = run_cli("explain", "--root", str(root), MESSAGE)
    assert code != 2, err
    assert "shop.Product" in out and "reporting.ProductRow" in out, out
    code, out, err = run_cli("explain", "--root", str(root), "--format", "json", MESSAGE)
    report = json.loads(out)
    labels = {model["label"] for model in report["candidates"]}
    assert report["model"] is None and labels == {"shop.Product", "reporting.ProductRow"}, report
