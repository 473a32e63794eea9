"""Set-difference races read through a manager's own methods (`self.all()` / `self.create()` in
the manager class of one model): found as in any function, and silent for another manager."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.findings import Applicability
from tests.helpers import findings_in

MANAGER = """\
from django.db import models


class {name}(models.Manager):
    def create_widget(self, serial, label=""):
        return self.create(serial=serial, label=label)

    def sync(self, labels):
        known = {{widget.serial: widget for widget in self.all()}}
        for serial, label in labels.items():
            if serial in known:
                widget = known[serial]
                widget.label = label
                widget.save(update_fields=["label"])
            else:
                self.create(serial=serial, label=label)
"""


def test_a_managers_rows_read_as_a_set_then_created(tmp_path: Path) -> None:
    source = MANAGER.format(name="WidgetManager")
    findings = findings_in(source, tmp_path, "IL103", project="races", filename="shop/managers.py")
    assert [f.span.start_line for f in findings] == [16]
    assert "Widget(serial=serial)" in findings[0].message
    assert "UNIQUE constraint failed: shop_widget.serial" in findings[0].message
    # the loser skips the row the winner inserted: its own label is not written
    (fix,) = findings[0].fixes
    assert fix.applicability is Applicability.UNSAFE


def test_a_manager_no_model_uses_is_not_read(tmp_path: Path) -> None:
    source = MANAGER.format(name="WidgetManager") + "\n\n" + MANAGER.format(name="OtherManager")
    findings = findings_in(source, tmp_path, "IL103", project="races", filename="shop/managers.py")
    assert [f.span.start_line for f in findings] == [16]
