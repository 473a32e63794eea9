"""Provoke every IntegrityError of the fixture project on a real database; print the texts as JSON.

Run as `python provoke.py BACKEND` (sqlite | postgresql | mysql) in a fresh process: it configures
Django for tests/explain/fixtures/shopproj, creates a throw-away test database with the
fixture's own migrations, performs each violating write through the project's own functions
(so the traceback has a project frame) and prints `{case: traceback text}` ("" when nothing was
raised, "DataError" when the database refused the value as out of range instead). Exit status 3
means the database server (or its driver) is unreachable.
"""

# mypy: disable-error-code="import-untyped,import-not-found"
from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).parent / "fixtures" / "shopproj"
UNREACHABLE = 3


def configure(
    backend: str,
    fixture: Path = FIXTURE,
    apps: tuple[str, ...] = ("django.contrib.contenttypes", "accounts", "shop"),
    test_database: str = "integrity_lsp_explain",
) -> None:
    """Configure Django for the project at `fixture` on a throw-away database of `backend`."""
    sys.path.insert(0, str(fixture))
    sys.path.insert(0, str(Path(__file__).parent))
    import djangoenv
    from django.conf import settings

    djangoenv._install_mysqldb()
    database: dict[str, Any]
    if backend == "sqlite":
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    elif backend == "postgresql":
        database = dict(djangoenv.POSTGRES)
    else:
        database = dict(djangoenv.MARIADB)
    if backend != "sqlite":
        database["TEST"] = {"NAME": f"{test_database}_{backend}"}
    settings.configure(
        DATABASES={"default": database},
        INSTALLED_APPS=list(apps),
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    import django

    django.setup()


def cases() -> dict[str, Callable[[], object]]:
    from accounts.models import Team
    from shop import services
    from shop.models import Category, Customer, Product

    team = Team.objects.create(name="t")
    customer = services.add_customer("a@example.com", "A")
    category = Category.objects.create(slug="tools")
    services.add_product("SKU-1", "Hammer", 10, category=category)
    services.add_order(customer.pk, 5, "R-1")
    services.join(team, "m@example.com", "m")

    def delete_referenced_customer() -> None:
        Customer.objects.filter(pk=customer.pk)._raw_delete(Customer.objects.db)

    return {
        "unique_field": lambda: services.add_customer("a@example.com", "B"),
        "unique_db_column": lambda: services.add_order(customer.pk, 6, "R-1"),
        "unique_together": lambda: services.join(team, "m@example.com", "other"),
        "unique_constraint": lambda: services.add_product("SKU-2", "Hammer", 3, category=category),
        "not_null": lambda: services.add_order(customer.pk, None, "R-2"),
        "foreign_key": lambda: services.add_order(999_999, 1, "R-3"),
        "check_constraint": lambda: services.add_product("SKU-3", "Saw", -1),
        "positive_field_check": lambda: services.add_product("SKU-4", "Drill", 1, stock=-1),
        "foreign_key_parent_delete": delete_referenced_customer,
        "product_sku": lambda: Product.objects.create(sku="SKU-1", name="Other", price=1),
        "unique_added_by_alter_field": lambda: Category.objects.create(slug="tools"),
        "multi_table_child": lambda: services.issue_gift_card("SKU-1", "G-1"),
    }


def on_test_database(produce: Callable[[], dict[str, str]]) -> int:
    """Run `produce` on a throw-away test database of the configured backend and print what it
    returns as JSON; exit status UNREACHABLE (printing why) when the database cannot be reached."""
    from django.core.exceptions import ImproperlyConfigured
    from django.db import OperationalError, connection

    try:
        connection.ensure_connection()
    except (ImportError, ImproperlyConfigured, OperationalError) as error:  # no driver/server
        print(json.dumps({"unreachable": f"{type(error).__name__}: {error}"}))
        return UNREACHABLE
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        texts = produce()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    print(json.dumps(texts))
    return 0


def provoke_all() -> dict[str, str]:
    from django.db import DataError, IntegrityError, transaction

    texts: dict[str, str] = {}
    for name, write in cases().items():
        try:
            with transaction.atomic():
                write()
        except IntegrityError:
            texts[name] = traceback.format_exc()
        except DataError:  # MySQL refuses a negative UNSIGNED before any check runs
            texts[name] = "DataError"
        else:
            texts[name] = ""
    return texts


def main(backend: str) -> int:
    configure(backend)
    return on_test_database(provoke_all)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
