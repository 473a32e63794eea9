"""Rows replaced by delete-then-insert of the same keys (`analysis.absence_deletes`): the message
says what the two runs do, no fix is offered, and code that runs alone (a management command)
stays silent. The detection shapes and their twins: fixtures/races/cases/il101_replaced_rows.py."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import findings_in

REPLACE = """\
from shop.models.catalog import Widget


def relabel(serial, label):
    Widget.objects.filter(serial=serial).delete()
    Widget.objects.create(serial=serial, label=label)
"""


def test_a_delete_then_create_of_the_same_key_is_a_race_without_a_fix(tmp_path: Path) -> None:
    findings = findings_in(REPLACE, tmp_path, "IL101", project="races", filename="shop/views.py")
    assert [f.span.start_line for f in findings] == [6]
    (finding,) = findings
    assert "a `delete()` of Widget(serial=serial) then `create()` of the same keys" in (
        finding.message
    )
    assert "UNIQUE constraint failed: shop_widget.serial" in finding.message
    assert finding.fixes == ()


def test_a_management_command_replacing_rows_is_silent(tmp_path: Path) -> None:
    findings = findings_in(
        REPLACE, tmp_path, "IL101", project="races",
        filename="shop/management/commands/relabel.py",
    )  # fmt: skip
    assert findings == []


def test_a_read_whose_result_decides_nothing_is_no_absence(tmp_path: Path) -> None:
    source = REPLACE.replace("Widget.objects.filter(serial=serial).delete()", (
        "Widget.objects.filter(serial=serial).exists()"
    ))  # fmt: skip
    findings = findings_in(source, tmp_path, "IL101", project="races", filename="shop/views.py")
    assert findings == []
