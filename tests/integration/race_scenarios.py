"""Scenarios of examples/shop/restock.py: the race shapes real code writes (issue 14).

Each runs the example function twice with the same key, in two threads meeting before the
insert (`Harness.race`), and returns the Warehouse rows left. An async function runs in each
thread through `async_to_sync`, as Django runs an async view for a request thread: its ORM calls
(`aexists`, `acreate`, …) run on that thread, on its own connection, so the two callers are two
concurrent transactions exactly as two requests are. The batch scenarios insert the codes
missing from a set of those stored (`warehouses_missing`, `add_missing_warehouses`)."""

# mypy: disable-error-code="import-untyped,import-not-found,no-any-return"
from __future__ import annotations

import importlib
import inspect
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
