"""IL303: AlterField from null=True to NOT NULL without a backfill; its fix."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import (
    EXAMPLES_NEW_MIGRATIONS,
    commit_all_but,
    copy_project,
    created_files,
    first_unsafe_fix,
)


def test_il303_backfill_before(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    _path, fix = first_unsafe_fix(root, "shop/migrations/0007_alter_product_category.py", "IL303")
    ((name, text),) = created_files(fix).items()
    assert name == "0007_backfill_product_category.py"
    assert "raise RuntimeError" in text  # a ForeignKey has no neutral value: the user decides
