"""IL103: a read, a change and a save (or an existence check then update or create); its fix."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import (
    check_fixed,
)

HEADER = "from shop.models import Product, StockLevel, Warehouse, Category\n\n\n"


def test_il103_get_modify_save_becomes_update_or_create(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """\
def put(product, warehouse, quantity):
    try:
        level = StockLevel.objects.get(product=product, warehouse=warehouse)
        level.quantity = quantity
        level.save()
    except StockLevel.DoesNotExist:
        level = StockLevel.objects.create(product=product, warehouse=warehouse, quantity=quantity)
""",
        HEADER
        + """\
def put(product, warehouse, quantity):
    level, _created = StockLevel.objects.update_or_create(product=product, warehouse=warehouse, \
defaults={"quantity": quantity})
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL103",
    )
