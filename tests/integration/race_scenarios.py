"""Scenarios of examples/shop/restock.py: the race shapes real code writes (issue 14).

Each runs the example function twice with the same key, in two threads meeting before the
insert (`Harness.race`), and returns the Warehouse rows left. An async function runs in each
thread through `async_to_sync`, as Django runs an async view for a request thread: its ORM calls
(`aexists`, `acreate`, …) run on that thread, on its own connection, so the two callers are two
concurrent transactions exactly as two requests are. The batch scenarios insert the codes
missing from a set of those stored (`warehouses_missing`, `add_missing_warehouses`). Across
functions: a form's `clean_code()` check and its `save()` (`open_warehouse_form`) or its
caller's insert after `is_valid()` (`open_warehouse_validated`), a ModelForm's model `clean()`
run by `is_valid()` before the caller's insert (`add_stock_level`), and a caller's check before
a model method that inserts (`stock_product`)."""

# mypy: disable-error-code="import-untyped,import-not-found,no-any-return"
from __future__ import annotations

import importlib
import inspect
from decimal import Decimal
from typing import Any

from worker import Harness


def _warehouse_race(h: Harness, mode: str, function: str) -> dict[str, Any]:
    h.latest()
    restock = importlib.import_module("shop.restock")
    models = importlib.import_module("shop.models")
    target = getattr(restock, function)
    if inspect.iscoroutinefunction(target):
        from asgiref.sync import async_to_sync

        target = async_to_sync(target)

    def call() -> Any:
        target("W1", "Main")
        return None

    result = h.race(models.Warehouse, [call, call], serial=mode == "serial")
    values = models.Warehouse.objects.order_by("code").values_list("code", "name")
    result["rows"] = [list(row) for row in values]
    return result


def warehouse_walrus(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_walrus")


def warehouse_looked_up(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_looked_up")


def warehouse_built(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_built")


def warehouse_via_helper(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_via_helper")


def rename_or_add_warehouse(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "rename_or_add_warehouse")


def warehouse_in_atomic(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_in_atomic")


def warehouse_aexists(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_aexists")


def warehouse_afirst(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_afirst")


def warehouse_aget(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "warehouse_aget")


def rename_or_add_warehouse_async(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "rename_or_add_warehouse_async")


def _batch_race(h: Harness, mode: str, function: str, signal: str) -> dict[str, Any]:
    h.latest()
    restock = importlib.import_module("shop.restock")
    models = importlib.import_module("shop.models")
    target = getattr(restock, function)

    def call() -> Any:
        target(["W1", "W2"])
        return None

    result = h.race(models.Warehouse, [call, call], serial=mode == "serial", signal=signal)
    values = models.Warehouse.objects.order_by("code").values_list("code", "name")
    result["rows"] = [list(row) for row in values]
    return result


def warehouses_missing(h: Harness, mode: str) -> dict[str, Any]:
    return _batch_race(h, mode, "warehouses_missing", "pre_save")


def add_missing_warehouses(h: Harness, mode: str) -> dict[str, Any]:
    # bulk_create() sends no pre_save: the threads meet at the first row they build, after
    # both have read the set of stored codes
    return _batch_race(h, mode, "add_missing_warehouses", "post_init")


def open_warehouse_validated(h: Harness, mode: str) -> dict[str, Any]:
    return _warehouse_race(h, mode, "open_warehouse_validated")


def open_warehouse_form(h: Harness, mode: str) -> dict[str, Any]:
    """Two submissions of one code: both forms validate (`clean_code()` finds no warehouse),
    then both `save()`."""
    h.latest()
    forms = importlib.import_module("shop.forms")
    models = importlib.import_module("shop.models")

    def call() -> Any:
        form = forms.WarehouseOpeningForm({"code": "W1", "name": "Main"})
        return form.save() if form.is_valid() else dict(form.errors)

    result = h.race(models.Warehouse, [call, call], serial=mode == "serial")
    values = models.Warehouse.objects.order_by("code").values_list("code", "name")
    result["rows"] = [list(row) for row in values]
    return result


def _stock_race(h: Harness, mode: str, function: str) -> dict[str, Any]:
    h.latest()
    restock = importlib.import_module("shop.restock")
    models = importlib.import_module("shop.models")
    tools = models.Category.objects.create(name="Tools", slug="tools", position=1)
    # Fixed ids: MariaDB's message names the duplicate key's values ('1-1').
    models.Product.objects.create(
        pk=1, sku="SKU-1", name="Hammer", category=tools, price=Decimal("9.99"), weight_grams=500
    )
    models.Warehouse.objects.create(pk=1, code="W1", name="Main")
    target = getattr(restock, function)

    def call() -> Any:
        return target("SKU-1", "W1")

    result = h.race(models.StockLevel, [call, call], serial=mode == "serial")
    values = models.StockLevel.objects.values_list("product__sku", "warehouse__code", "quantity")
    result["rows"] = [list(row) for row in values]
    return result


def stock_product(h: Harness, mode: str) -> dict[str, Any]:
    return _stock_race(h, mode, "stock_product")


def add_stock_level(h: Harness, mode: str) -> dict[str, Any]:
    return _stock_race(h, mode, "add_stock_level")
