"""Provoke the IntegrityErrors a migration raises over existing rows; print the texts as JSON.

Run as `python provoke_migrations.py BACKEND` (sqlite | postgresql | mysql) in a fresh process:
it configures Django for tests/explain/fixtures/migrateproj on a throw-away test database and
for each case migrates `shop` to zero and up to 0001, writes rows that the next migrations
cannot accept (duplicates for a unique being added, NULLs for a NOT NULL, rows failing a check)
through the historical models, then runs `migrate shop TARGET` as `manage.py migrate` would. It
prints `{case: what the console shows}`: migrate's own output (`Applying shop.0002_…...`) then
the traceback, or "" when the migration went through. Exit status 3: the database is unreachable.
"""

# mypy: disable-error-code="import-untyped,import-not-found"
from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import provoke

FIXTURE = Path(__file__).parent / "fixtures" / "migrateproj"

RowWriter = Callable[[Any], None]  # given the historical Apps of shop at 0001


def duplicate_skus(apps: Any) -> None:
    product = apps.get_model("shop", "Product")
    product.objects.create(sku="abc", name="Hammer", maker="Acme")
    product.objects.create(sku="abc", name="Saw", maker="Acme")


def orders_without_customer(apps: Any) -> None:
    apps.get_model("shop", "Order").objects.create(reference="R-1", customer=None)


def duplicate_names(apps: Any) -> None:
    product = apps.get_model("shop", "Product")
    product.objects.create(sku="a-1", name="Hammer", maker="Acme")
    product.objects.create(sku="a-2", name="Hammer", maker="Acme")


def blank_maker(apps: Any) -> None:
    apps.get_model("shop", "Product").objects.create(sku="b-1", name="Nail", maker="")


def two_products(apps: Any) -> None:
    product = apps.get_model("shop", "Product")
    product.objects.create(sku="c-1", name="Nail", maker="Acme")
    product.objects.create(sku="c-2", name="Screw", maker="Acme")


# case -> (the migration that fails, the rows written before it)
CASES: dict[str, tuple[str, RowWriter]] = {
    "alter_field_unique": ("0002_product_sku_unique", duplicate_skus),
    "alter_field_not_null": ("0003_order_customer_not_null", orders_without_customer),
    "add_unique_constraint": ("0004_uniq_product_name_maker", duplicate_names),
    "add_check_constraint": ("0005_maker_not_blank", blank_maker),
    "add_unique_field": ("0006_product_code", two_products),  # one default for every row
}


def run_case(target: str, write_rows: RowWriter) -> str:
    from django.core.management import call_command
    from django.db import DatabaseError, connection
    from django.db.migrations.loader import MigrationLoader

    call_command("migrate", "shop", "zero", verbosity=0)  # drops the tables and their rows
    call_command("migrate", "shop", "0001", verbosity=0)
    loader = MigrationLoader(connection)
    write_rows(loader.project_state(("shop", "0001_initial")).apps)
    out = io.StringIO()
    try:
        call_command("migrate", "shop", target, verbosity=1, stdout=out, no_color=True)
    except DatabaseError:
        return out.getvalue() + traceback.format_exc()
    return ""


def main(backend: str) -> int:
    provoke.configure(
        backend,
        FIXTURE,
        ("django.contrib.contenttypes", "shop"),
        test_database="integrity_lsp_explain_migrate",
    )
    return provoke.on_test_database(
        lambda: {name: run_case(target, rows) for name, (target, rows) in CASES.items()}
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
