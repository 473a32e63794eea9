"""Races in the shapes real code writes them: the check's answer in a walrus or a helper, a
`get()` with more work in its `try`, an instance built field by field, `if not qs.update()`,
and `transaction.atomic()` with no lock. tests/integration runs each one in two threads that
meet before the insert (SQLite, PostgreSQL, MariaDB), then again after the checker's fix."""

import logging

from django.db import transaction

from shop.forms import StockLevelForm, WarehouseOpeningForm
from shop.models import Product, StockLevel, Warehouse

log = logging.getLogger(__name__)


# IL101: the check's result bound by a walrus -> UNIQUE constraint failed: shop_warehouse.code.
def warehouse_walrus(code: str, name: str) -> Warehouse:
    if (warehouse := Warehouse.objects.filter(code=code).first()) is None:
        warehouse = Warehouse.objects.create(code=code, name=name)  # expect: IL101
    return warehouse


# IL102: more work inside the `try`, `except …: pass`, and the create further down.
def warehouse_looked_up(code: str, name: str) -> Warehouse:
    try:
        warehouse = Warehouse.objects.get(code=code)
        log.info("warehouse %s exists", code)
        return warehouse
    except Warehouse.DoesNotExist:
        pass
    return Warehouse.objects.create(code=code, name=name)  # expect: IL102


# IL101: `obj = M(…)`, a field set afterwards, `obj.save()`.
def warehouse_built(code: str, name: str) -> None:
    if not Warehouse.objects.filter(code=code).exists():
        warehouse = Warehouse(code=code)
        warehouse.name = name
        warehouse.save()  # expect: IL101


def _has_warehouse(code: str) -> bool:
    return Warehouse.objects.filter(code=code).exists()


# IL101 across functions: the helper answers the check.
def warehouse_via_helper(code: str, name: str) -> None:
    if not _has_warehouse(code):
        Warehouse.objects.create(code=code, name=name)  # expect: IL101


# IL103: the hand-written upsert `if not qs.update(…): create(…)`.
def rename_or_add_warehouse(code: str, name: str) -> None:
    if not Warehouse.objects.filter(code=code).update(name=name):
        Warehouse.objects.create(code=code, name=name)  # expect: IL103


# IL101: `transaction.atomic()` alone does not serialise two transactions.
def warehouse_in_atomic(code: str, name: str) -> None:
    with transaction.atomic():
        if not Warehouse.objects.filter(code=code).exists():
            Warehouse.objects.create(code=code, name=name)  # expect: IL101


# IL101, async (an async view or task): `aexists()` then `acreate()`.
async def warehouse_aexists(code: str, name: str) -> None:
    if not await Warehouse.objects.filter(code=code).aexists():
        await Warehouse.objects.acreate(code=code, name=name)  # expect: IL101


# IL101, async: `afirst()` is None, then `acreate()`.
async def warehouse_afirst(code: str, name: str) -> None:
    if await Warehouse.objects.filter(code=code).afirst() is None:
        await Warehouse.objects.acreate(code=code, name=name)  # expect: IL101


# IL102, async: `aget()` … `except DoesNotExist:` `acreate()`.
async def warehouse_aget(code: str, name: str) -> Warehouse:
    try:
        return await Warehouse.objects.aget(code=code)
    except Warehouse.DoesNotExist:
        return await Warehouse.objects.acreate(code=code, name=name)  # expect: IL102


# IL103, async: `if not await qs.aupdate(…)`: `acreate()`.
async def rename_or_add_warehouse_async(code: str, name: str) -> None:
    if not await Warehouse.objects.filter(code=code).aupdate(name=name):
        await Warehouse.objects.acreate(code=code, name=name)  # expect: IL103


# IL101 for a batch: the codes already stored, read as a set; each missing one created.
def warehouses_missing(codes: list[str]) -> None:
    existing = set(Warehouse.objects.filter(code__in=codes).values_list("code", flat=True))
    for code in codes:
        if code not in existing:
            Warehouse.objects.create(code=code, name=code)  # expect: IL101


# IL101 for a batch inserted at once: a comprehension filtered on that set, then bulk_create().
def add_missing_warehouses(codes: list[str]) -> None:
    existing = set(Warehouse.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [Warehouse(code=code, name=code) for code in codes if code not in existing]
    Warehouse.objects.bulk_create(missing)  # expect: IL101


# IL101 through a model method: the caller looks for the stock level, `Product.stock_in()`
# creates it -> reported on the insert in shop/models/catalog.py.
def stock_product(sku: str, code: str) -> None:
    product = Product.objects.get(sku=sku)
    warehouse = Warehouse.objects.get(code=code)
    if not product.stock_levels.filter(warehouse=warehouse).exists():
        product.stock_in(warehouse, 10)


# IL101 after `is_valid()`: the ModelForm ran `StockLevel.clean()`, which found no stock level.
def add_stock_level(sku: str, code: str) -> bool:
    product = Product.objects.get(sku=sku)
    warehouse = Warehouse.objects.get(code=code)
    form = StockLevelForm(product, warehouse, {"quantity": 10})
    if not form.is_valid():
        return False
    StockLevel.objects.create(product=product, warehouse=warehouse, quantity=10)  # expect: IL101
    return True


# IL101 after `is_valid()`: the form's `clean_code()` found no warehouse, the caller creates it.
def open_warehouse_validated(code: str, name: str) -> None:
    form = WarehouseOpeningForm({"code": code, "name": name})
    if form.is_valid():
        Warehouse.objects.create(code=form.cleaned_data["code"], name=name)  # expect: IL101
