"""IL101 for a ModelSerializer's / ModelForm's `is_valid()` then `save()` outside views: the
message names the save, the class, the model and the unique columns; the related locations
are the constraint and the `is_valid()` call; no fix is offered."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import findings_in

TASK = """\
from rest_framework import serializers

from shop.models import Warehouse


class WarehouseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = ("code", "name")


def import_warehouse(row):
    serializer = WarehouseSerializer(data=row)
    serializer.is_valid(raise_exception=True)
    return serializer.save()
"""


def test_a_task_saving_a_validated_serializer_is_reported(tmp_path: Path) -> None:
    findings = findings_in(TASK, tmp_path, "IL101", project="examples", filename="shop/tasks.py")
    assert [f.span.start_line for f in findings] == [15]
    message = findings[0].message
    assert "`serializer.save()` in `import_warehouse()` inserts a `Warehouse`" in message
    assert "ModelSerializer `WarehouseSerializer` after `serializer.is_valid()`" in message
    assert "UNIQUE constraint failed: shop_warehouse.code" in message
    assert [r.span.start_line for r in findings[0].related][1:] == [14]
    assert findings[0].fixes == ()


def test_the_same_save_in_a_view_is_left_to_il201(tmp_path: Path) -> None:
    view = TASK.replace("def import_warehouse(row):", "def import_warehouse(request, row):")
    findings = findings_in(view, tmp_path, "IL101", project="examples", filename="shop/views.py")
    assert findings == []


def test_a_save_without_visible_validation_is_not_reported(tmp_path: Path) -> None:
    source = TASK.replace("    serializer.is_valid(raise_exception=True)\n", "")
    findings = findings_in(source, tmp_path, "IL101", project="examples", filename="shop/tasks.py")
    assert findings == []
