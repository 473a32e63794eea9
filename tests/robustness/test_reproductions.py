"""Minimal reproductions of bugs the robustness tests found in code owned by others.

Each is `xfail(strict=True)`: when the owner fixes the bug the test passes, the strict xfail
fails, and the marker (and the matching entry of `support.KNOWN_BUG_CODES`, if any) is removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.robustness.support import fresh_environment, span_problem, write_tree

DRIFT_PROJECT = {
    "manage.py": "",
    "shop/__init__.py": "",
    "shop/migrations/__init__.py": "",
    "shop/models.py": (
        "from django.db import models\n"
        "\n"
        "\n"
        "class Coupon(models.Model):\n"
        "    code = models.CharField(max_length=20, unique=True)\n"
    ),
    "shop/migrations/0001_initial.py": (
        "from django.db import migrations, models\n"
        "\n"
        "\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Coupon",\n'
        "            fields=[\n"
        '                ("id", models.BigAutoField(primary_key=True, serialize=False)),\n'
        '                ("code", models.CharField(max_length=20)),\n'
        "            ],\n"
        "        ),\n"
        "    ]\n"
    ),
}


@pytest.mark.xfail(
    strict=True,
    reason="rules/model_migration_drift.py (IL304) takes its span from the project index, "
    "not from the text passed to check_source: while models.py is edited (server, before the "
    "index update; any check_source of unsaved text) the span lies outside the document",
)
def test_il304_span_follows_the_checked_text(tmp_path: Path) -> None:
    root = write_tree(tmp_path, DRIFT_PROJECT)
    env = fresh_environment(root)
    path = root / "shop" / "models.py"
    edited = path.read_text().replace("models\n\n\n", "models\n")  # two blank lines removed
    findings = [f for f in check_source(edited, path, env) if f.code == "IL304"]
    assert findings
    assert all(span_problem(f.span, edited) is None for f in findings)
