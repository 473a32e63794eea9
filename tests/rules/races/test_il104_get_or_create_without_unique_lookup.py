"""IL104: get_or_create() whose lookup no unique constraint covers; its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

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


LOCKING_CALLER = (
    HEADER
    + "class Worker:\n"
    + "    def store_synced(self, name):\n"
    + "        return Category.objects.get_or_create(name=name)\n\n"
    + "    def sync_queued(self, name):\n"
    + "        Category.objects.select_for_update().filter(name=name).first()\n"
    + "        return self.store_synced(name)\n"
)


def _il104_lines(root: Path, path: Path) -> list[int]:
    from integrity_lsp.checker import check_source

    findings = check_source(path.read_text(), path, environment(root))
    return [finding.span.start_line for finding in findings if finding.code == "IL104"]


def test_il104_callers_that_lock_silence_only_when_no_other_file_names_the_function(
    tmp_path: Path,
) -> None:
    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(LOCKING_CALLER)
    assert _il104_lines(root, path) == []  # the only caller locks the rows first

    (root / "shop" / "other_caller.py").write_text(
        "def unlocked(worker, name):\n    return worker.store_synced(name)\n"
    )
    assert _il104_lines(root, path) == [6]  # a caller elsewhere may not lock: reported

    (root / "shop" / "tests.py").write_text(
        "def test_store(worker):\n    worker.store_synced('x')\n"
    )
    (root / "shop" / "other_caller.py").unlink()
    assert _il104_lines(root, path) == []  # test code runs alone: its calls do not count


PICKED_BY_DEFAULT = (
    "from django.db import models\n\n\n"
    "def current_domain_pk():\n    return 1\n\n\n"
    "class Domain(models.Model):\n    name = models.TextField()\n\n\n"
    "class Schedule(models.Model):\n"
    "    name = models.TextField()\n"
    "    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, default=DEFAULT)\n\n"
    "    class Meta:\n        unique_together = ('name', 'domain')\n\n\n"
    "def schedule(name):\n    return Schedule.objects.update_or_create(name=name)\n"
)


@pytest.mark.parametrize(
    ("default", "reported"),
    [("current_domain_pk", False), ("lambda: current_domain_pk() + 1", True)],
)
def test_il104_a_relation_default_picks_one_row_for_concurrent_callers(
    tmp_path: Path, default: str, reported: bool
) -> None:
    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(PICKED_BY_DEFAULT.replace("DEFAULT", default))
    assert _il104_lines(root, path) == ([21] if reported else [])


LOADED_MANAGER = (
    "from django.db import models\n\n"
    "from shop.loading import get_classes\n\n"
    "SavedManager, OpenManager = get_classes('shop.managers', ['Saved', 'Open'])\n\n\n"
    "class Cart(models.Model):\n"
    "    owner = models.IntegerField()\n"
    "    objects = models.Manager()\n"
    "    saved = SavedManager()\n\n\n"
    "def save_for_later(owner):\n"
    "    Cart.saved.get_or_create(owner=owner)\n"
    "    Cart.objects.get_or_create(owner=owner)\n"
)


def test_il104_a_manager_built_at_run_time_may_override_get_or_create(tmp_path: Path) -> None:
    """django-oscar loads its managers with `get_classes(…)`: the class is not known, so the
    call through it is not judged; the same lookup through `objects` is."""
    root = copy_project("examples", tmp_path)
    (root / "shop" / "loading.py").write_text("def get_classes(module, names):\n    return []\n")
    path = root / "shop" / "fixture_case.py"
    path.write_text(LOADED_MANAGER)
    assert _il104_lines(root, path) == [16]


UNKNOWN_BASE = (
    "from django.db import models\n"
    "from solo_not_installed.models import SingletonModel\n\n\n"
    "class SiteSettings(SingletonModel):\n"
    "    banner = models.TextField()\n\n\n"
    "class Note(models.Model):\n"
    "    banner = models.TextField()\n\n\n"
    "def settings_row():\n"
    "    SiteSettings.objects.get_or_create()\n"
    "    Note.objects.get_or_create(banner='x')\n"
)


def test_il104_a_model_with_a_base_nobody_can_read_is_not_judged(tmp_path: Path) -> None:
    """django-solo's `SingletonModel` fixes the primary key in `save()`; without the package
    the base is unknown, so whether a unique guarantee covers the lookup is unknown too."""
    root = copy_project("examples", tmp_path)
    path = root / "shop" / "fixture_case.py"
    path.write_text(UNKNOWN_BASE)
    assert _il104_lines(root, path) == [15]
