"""Every IntegrityError wording explain understands, bare, in tracebacks and in debug pages."""

from __future__ import annotations

import pytest

from integrity_lsp.explain.messages import (
    UNDERSTOOD_FORMATS,
    Violation,
    parse_error,
    parse_violation,
)
from integrity_lsp.explain.tracebacks import Frame, parse_applying, parse_frames

V = Violation

CASES: list[tuple[str, Violation]] = [
    # SQLite
    (
        "UNIQUE constraint failed: shop_product.sku",
        V("unique", "sqlite", "shop_product", ("sku",), None, (), None,
          "UNIQUE constraint failed: shop_product.sku"),
    ),
    (
        "UNIQUE constraint failed: shop_membership.team_id, shop_membership.user_id",
        V("unique", "sqlite", "shop_membership", ("team_id", "user_id"), None, (), None,
          "UNIQUE constraint failed: shop_membership.team_id, shop_membership.user_id"),
    ),
    (
        "UNIQUE constraint failed: index 'uniq_lower_name'",
        V("unique", "sqlite", None, (), "uniq_lower_name", (), None,
          "UNIQUE constraint failed: index 'uniq_lower_name'"),
    ),
    (
        "NOT NULL constraint failed: shop_order.customer_id",
        V("not_null", "sqlite", "shop_order", ("customer_id",), None, (), None,
          "NOT NULL constraint failed: shop_order.customer_id"),
    ),
    (
        "FOREIGN KEY constraint failed",
        V("foreign_key", "sqlite", None, (), None, (), None, "FOREIGN KEY constraint failed"),
    ),
    (
        "CHECK constraint failed: price_gte_0",
        V("check", "sqlite", None, (), "price_gte_0", (), None,
          "CHECK constraint failed: price_gte_0"),
    ),
    # PostgreSQL
    (
        'duplicate key value violates unique constraint "shop_product_sku_key"\n'
        "DETAIL:  Key (sku)=(ABC-1) already exists.",
        V("unique", "postgresql", None, ("sku",), "shop_product_sku_key", ("ABC-1",), None,
          'duplicate key value violates unique constraint "shop_product_sku_key"\n'
          "DETAIL:  Key (sku)=(ABC-1) already exists."),
    ),
    (
        'duplicate key value violates unique constraint "uniq_member"\n'
        "DETAIL:  Key (team_id, email)=(3, a@b.c) already exists.",
        V("unique", "postgresql", None, ("team_id", "email"), "uniq_member", ("3", "a@b.c"),
          None,
          'duplicate key value violates unique constraint "uniq_member"\n'
          "DETAIL:  Key (team_id, email)=(3, a@b.c) already exists."),
    ),
    (
        'duplicate key value violates unique constraint "x"',
        V("unique", "postgresql", None, (), "x", (), None,
          'duplicate key value violates unique constraint "x"'),
    ),
    (
        'null value in column "customer_id" of relation "shop_order" violates not-null '
        "constraint\nDETAIL:  Failing row contains (1, null).",
        V("not_null", "postgresql", "shop_order", ("customer_id",), None, (), None,
          'null value in column "customer_id" of relation "shop_order" violates not-null '
          "constraint"),
    ),
    (
        'null value in column "customer_id" violates not-null constraint',
        V("not_null", "postgresql", None, ("customer_id",), None, (), None,
          'null value in column "customer_id" violates not-null constraint'),
    ),
    (
        'insert or update on table "shop_order" violates foreign key constraint '
        '"shop_order_customer_id_3f2b5f1e_fk_shop_customer_id"\n'
        'DETAIL:  Key (customer_id)=(99) is not present in table "shop_customer".',
        V("foreign_key", "postgresql", "shop_order", ("customer_id",),
          "shop_order_customer_id_3f2b5f1e_fk_shop_customer_id", ("99",), "shop_customer",
          'insert or update on table "shop_order" violates foreign key constraint '
          '"shop_order_customer_id_3f2b5f1e_fk_shop_customer_id"\n'
          'DETAIL:  Key (customer_id)=(99) is not present in table "shop_customer".'),
    ),
    (
        'update or delete on table "shop_customer" violates foreign key constraint "fk_x" on '
        'table "shop_order"\nDETAIL:  Key (id)=(1) is still referenced from table "shop_order".',
        V("foreign_key", "postgresql", "shop_order", (), "fk_x", ("1",), "shop_customer",
          'update or delete on table "shop_customer" violates foreign key constraint "fk_x" on '
          'table "shop_order"\n'
          'DETAIL:  Key (id)=(1) is still referenced from table "shop_order".', ("id",)),
    ),
    (
        'new row for relation "shop_product" violates check constraint "price_gte_0"\n'
        "DETAIL:  Failing row contains (1, -5).",
        V("check", "postgresql", "shop_product", (), "price_gte_0", (), None,
          'new row for relation "shop_product" violates check constraint "price_gte_0"'),
    ),
    # A migration meeting rows already in the table
    (
        "UNIQUE constraint failed: new__shop_product.sku",
        V("unique", "sqlite", "shop_product", ("sku",), None, (), None,
          "UNIQUE constraint failed: new__shop_product.sku",
          existing_rows=True, rebuilt_table="new__shop_product"),
    ),
    (
        "UNIQUE constraint failed: new__shop_product.name, new__shop_product.maker",
        V("unique", "sqlite", "shop_product", ("name", "maker"), None, (), None,
          "UNIQUE constraint failed: new__shop_product.name, new__shop_product.maker",
          existing_rows=True, rebuilt_table="new__shop_product"),
    ),
    (
        "NOT NULL constraint failed: new__shop_order.customer_id",
        V("not_null", "sqlite", "shop_order", ("customer_id",), None, (), None,
          "NOT NULL constraint failed: new__shop_order.customer_id",
          existing_rows=True, rebuilt_table="new__shop_order"),
    ),
    (
        'column "customer_id" of relation "shop_order" contains null values',
        V("not_null", "postgresql", "shop_order", ("customer_id",), None, (), None,
          'column "customer_id" of relation "shop_order" contains null values',
          existing_rows=True),
    ),
    (
        'could not create unique index "shop_product_sku_key"\n'
        "DETAIL:  Key (sku)=(abc) is duplicated.",
        V("unique", "postgresql", None, ("sku",), "shop_product_sku_key", ("abc",), None,
          'could not create unique index "shop_product_sku_key"\n'
          "DETAIL:  Key (sku)=(abc) is duplicated.",
          existing_rows=True),
    ),
    (
        'could not create unique index "uniq_product_name_maker"\n'
        "DETAIL:  Key (name, maker)=(Hammer, Acme) is duplicated.",
        V("unique", "postgresql", None, ("name", "maker"), "uniq_product_name_maker",
          ("Hammer", "Acme"), None,
          'could not create unique index "uniq_product_name_maker"\n'
          "DETAIL:  Key (name, maker)=(Hammer, Acme) is duplicated.",
          existing_rows=True),
    ),
    (
        'check constraint "maker_not_blank" of relation "shop_product" is violated by some row',
        V("check", "postgresql", "shop_product", (), "maker_not_blank", (), None,
          'check constraint "maker_not_blank" of relation "shop_product" is violated by some '
          "row",
          existing_rows=True),
    ),
    (
        "(1138, 'Invalid use of NULL value')",
        V("not_null", "mysql", None, (), None, (), None, "Invalid use of NULL value",
          existing_rows=True),
    ),
    # MySQL / MariaDB
    (
        "(1062, \"Duplicate entry 'ABC-1' for key 'shop_product.sku'\")",
        V("unique", "mysql", "shop_product", (), "sku", ("ABC-1",), None,
          "Duplicate entry 'ABC-1' for key 'shop_product.sku'"),
    ),
    (
        "(1062, \"Duplicate entry '3-a@b.c' for key 'uniq_member'\")",
        V("unique", "mysql", None, (), "uniq_member", ("3-a@b.c",), None,
          "Duplicate entry '3-a@b.c' for key 'uniq_member'"),
    ),
    (
        "(1048, \"Column 'customer_id' cannot be null\")",
        V("not_null", "mysql", None, ("customer_id",), None, (), None,
          "Column 'customer_id' cannot be null"),
    ),
    (
        "(1452, 'Cannot add or update a child row: a foreign key constraint fails "
        "(`test`.`shop_order`, CONSTRAINT `shop_order_customer_id_3f2b5f1e_fk_shop_customer_id` "
        "FOREIGN KEY (`customer_id`) REFERENCES `shop_customer` (`id`))')",
        V("foreign_key", "mysql", "shop_order", ("customer_id",),
          "shop_order_customer_id_3f2b5f1e_fk_shop_customer_id", (), "shop_customer",
          "Cannot add or update a child row: a foreign key constraint fails "
          "(`test`.`shop_order`, CONSTRAINT `shop_order_customer_id_3f2b5f1e_fk_shop_customer_id` "
          "FOREIGN KEY (`customer_id`) REFERENCES `shop_customer` (`id`)", ("id",)),
    ),
    (
        "(1451, 'Cannot delete or update a parent row: a foreign key constraint fails "
        "(`test`.`shop_order`, CONSTRAINT `fk_x` FOREIGN KEY (`customer_id`) REFERENCES "
        "`shop_customer` (`id`))')",
        V("foreign_key", "mysql", "shop_order", ("customer_id",), "fk_x", (), "shop_customer",
          "Cannot delete or update a parent row: a foreign key constraint fails "
          "(`test`.`shop_order`, CONSTRAINT `fk_x` FOREIGN KEY (`customer_id`) REFERENCES "
          "`shop_customer` (`id`)", ("id",)),
    ),
    (
        "(1452, 'Cannot add or update a child row: a foreign key constraint fails')",
        V("foreign_key", "mysql", None, (), None, (), None,
          "Cannot add or update a child row: a foreign key constraint fails"),
    ),
    (
        "(3819, \"Check constraint 'price_gte_0' is violated.\")",
        V("check", "mysql", None, (), "price_gte_0", (), None,
          "Check constraint 'price_gte_0' is violated"),
    ),
    (
        "(4025, 'CONSTRAINT `price_gte_0` failed for `test`.`shop_product`')",
        V("check", "mysql", "shop_product", (), "price_gte_0", (), None,
          "CONSTRAINT `price_gte_0` failed for `test`.`shop_product`"),
    ),
    (
        "(4025, 'CONSTRAINT `shop_product.stock` failed for `test`.`shop_product`')",
        V("check", "mysql", "shop_product", ("stock",), "shop_product.stock", (), None,
          "CONSTRAINT `shop_product.stock` failed for `test`.`shop_product`"),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_bare_message(text: str, expected: Violation) -> None:
    assert parse_violation(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_message_with_exception_prefix(text: str, expected: Violation) -> None:
    assert parse_violation(f"django.db.utils.IntegrityError: {text}\n") == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ValueError: invalid literal for int() with base 10: 'x'",
        "django.db.utils.OperationalError: no such table: shop_product",
        "IntegrityError",
        # Outside a migration, MariaDB's 1265 is a value that does not fit its column.
        "django.db.utils.DataError: (1265, \"Data truncated for column 'size' at row 1\")",
    ],
)
def test_unrecognised_text(text: str) -> None:
    assert parse_violation(text) is None
    assert parse_error(text) is None


SQLITE_TRACEBACK = """\
Traceback (most recent call last):
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/sqlite3/base.py", line 354, in execute
    return super().execute(query, params)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
sqlite3.IntegrityError: UNIQUE constraint failed: shop_product.sku

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/home/dev/site/shop/views.py", line 14, in create_product
    product = Product.objects.create(sku=request.POST["sku"], name=name)
              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/models/manager.py", line 87, in manager_method
    return getattr(self.get_queryset(), name)(*args, **kwargs)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
django.db.utils.IntegrityError: UNIQUE constraint failed: shop_product.sku
"""  # noqa: E501


def test_sqlite_traceback() -> None:
    parsed = parse_error(SQLITE_TRACEBACK)
    assert parsed is not None
    assert parsed.violation.kind == "unique"
    assert parsed.violation.table == "shop_product"
    assert parsed.violation.columns == ("sku",)
    assert parsed.frames[2] == Frame(
        "/home/dev/site/shop/views.py",
        14,
        "create_product",
        'product = Product.objects.create(sku=request.POST["sku"], name=name)',
    )
    assert [frame.line for frame in parsed.frames] == [105, 354, 14, 87]


POSTGRES_TRACEBACK = """\
Traceback (most recent call last):
  File "/srv/app/venv/lib/python3.11/site-packages/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
psycopg.errors.ForeignKeyViolation: insert or update on table "shop_order" violates foreign key constraint "shop_order_customer_id_b8d5f2a1_fk_shop_customer_id"
DETAIL:  Key (customer_id)=(42) is not present in table "shop_customer".

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/srv/app/shop/services.py", line 31, in place_order
    with transaction.atomic():
  File "/srv/app/venv/lib/python3.11/site-packages/django/db/transaction.py", line 307, in __exit__
    connection.commit()
django.db.utils.IntegrityError: insert or update on table "shop_order" violates foreign key constraint "shop_order_customer_id_b8d5f2a1_fk_shop_customer_id"
DETAIL:  Key (customer_id)=(42) is not present in table "shop_customer".
"""  # noqa: E501


def test_postgres_traceback_with_detail() -> None:
    parsed = parse_error(POSTGRES_TRACEBACK)
    assert parsed is not None
    violation = parsed.violation
    assert violation.kind == "foreign_key"
    assert violation.backend == "postgresql"
    assert violation.table == "shop_order"
    assert violation.columns == ("customer_id",)
    assert violation.values == ("42",)
    assert violation.referenced_table == "shop_customer"
    assert violation.constraint == "shop_order_customer_id_b8d5f2a1_fk_shop_customer_id"
    assert parsed.frames[1] == Frame(
        "/srv/app/shop/services.py", 31, "place_order", "with transaction.atomic():"
    )


DEBUG_PAGE_COPY_AND_PASTE = """\
Environment:


Request Method: POST
Request URL: http://127.0.0.1:8000/products/new/

Django Version: 5.2
Python Version: 3.12.3
Installed Applications:
['django.contrib.admin',
 'shop']
Installed Middleware:
['django.middleware.security.SecurityMiddleware']



Traceback (most recent call last):
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
  File "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/mysql/base.py", line 76, in execute
    return self.cursor.execute(query, args)

The above exception ((1062, &quot;Duplicate entry &#x27;ABC-1&#x27; for key &#x27;shop_product.sku&#x27;&quot;)) was the direct cause of the following exception:
  File "/home/dev/venv/lib/python3.12/site-packages/django/core/handlers/exception.py", line 55, in inner
    response = get_response(request)
  File "/home/dev/site/shop/views.py", line 22, in new_product
    Product(sku=form.cleaned_data["sku"]).save()

Exception Type: IntegrityError at /products/new/
Exception Value: (1062, &quot;Duplicate entry &#x27;ABC-1&#x27; for key &#x27;shop_product.sku&#x27;&quot;)
"""  # noqa: E501


def test_debug_page_copy_and_paste_view() -> None:
    parsed = parse_error(DEBUG_PAGE_COPY_AND_PASTE)
    assert parsed is not None
    assert parsed.violation == V(
        "unique", "mysql", "shop_product", (), "sku", ("ABC-1",), None,
        "Duplicate entry 'ABC-1' for key 'shop_product.sku'",
    )  # fmt: skip
    assert parsed.frames[-1] == Frame(
        "/home/dev/site/shop/views.py",
        22,
        "new_product",
        'Product(sku=form.cleaned_data["sku"]).save()',
    )


DEBUG_PAGE_RENDERED = """\
IntegrityError at /orders/
NOT NULL constraint failed: shop_order.customer_id
Request Method:	POST
Request URL:	http://127.0.0.1:8000/orders/
Django Version:	5.2
Exception Type:	IntegrityError
Exception Value:
NOT NULL constraint failed: shop_order.customer_id
Exception Location:	/home/dev/venv/lib/python3.12/site-packages/django/db/backends/sqlite3/base.py, line 354, in execute
Raised during:	shop.views.create_order
Traceback Switch to copy-and-paste view
/home/dev/venv/lib/python3.12/site-packages/django/db/backends/utils.py, line 105, in _execute
                return self.cursor.execute(sql, params)
                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ …
Local vars
The above exception (NOT NULL constraint failed: shop_order.customer_id) was the direct cause of the following exception:
/home/dev/site/shop/views.py, line 40, in create_order
        order = Order.objects.create(total=total) …
Local vars
"""  # noqa: E501


def test_debug_page_as_rendered() -> None:
    parsed = parse_error(DEBUG_PAGE_RENDERED)
    assert parsed is not None
    assert parsed.violation.kind == "not_null"
    assert parsed.violation.table == "shop_order"
    assert parsed.violation.columns == ("customer_id",)
    assert parsed.frames == (
        Frame(
            "/home/dev/venv/lib/python3.12/site-packages/django/db/backends/utils.py",
            105,
            "_execute",
            "return self.cursor.execute(sql, params)",
        ),
        Frame(
            "/home/dev/site/shop/views.py",
            40,
            "create_order",
            "order = Order.objects.create(total=total)",
        ),
    )


def test_message_inside_debug_cause_line_stops_at_the_parenthesis() -> None:
    text = (
        "The above exception (UNIQUE constraint failed: shop_product.sku) was the direct "
        "cause of the following exception:"
    )
    violation = parse_violation(text)
    assert violation is not None
    assert violation.columns == ("sku",)
    text = "The above exception (CHECK constraint failed: price_gte_0) was the direct cause"
    violation = parse_violation(text)
    assert violation is not None
    assert violation.constraint == "price_gte_0"


def test_windows_paths_and_crlf() -> None:
    text = (
        'Traceback (most recent call last):\r\n  File "C:\\site\\shop\\views.py", line 3, in v\r\n'
        "    Product.objects.create()\r\nIntegrityError: NOT NULL constraint failed: a_b.c\r\n"
    )
    assert parse_frames(text) == (
        Frame("C:\\site\\shop\\views.py", 3, "v", "Product.objects.create()"),
    )


def test_understood_formats_name_every_backend() -> None:
    text = "\n".join(UNDERSTOOD_FORMATS)
    for word in ("SQLite", "PostgreSQL", "MySQL", "MariaDB", "DETAIL", "traceback"):
        assert word in text


MIGRATE_OUTPUT = """\
Operations to perform:
  Target specific migration: 0003_order_customer_not_null, from shop
Running migrations:
  Applying shop.0002_product_sku_unique... OK
  Applying shop.0003_order_customer_not_null...Traceback (most recent call last):
  File "/venv/lib/python3.12/site-packages/django/db/backends/utils.py", line 105, in _execute
    return self.cursor.execute(sql, params)
  File "/venv/lib/python3.12/site-packages/django/db/migrations/executor.py", line 255, in apply_migration
    state = migration.apply(state, schema_editor)
  File "/venv/lib/python3.12/site-packages/django/db/backends/base/schema.py", line 204, in execute
    cursor.execute(sql, params)
django.db.utils.DataError: (1265, "Data truncated for column 'customer_id' at row 1")
"""  # noqa: E501


def test_migrate_output_names_the_migration_that_failed() -> None:
    parsed = parse_error(MIGRATE_OUTPUT)
    assert parsed is not None
    assert parsed.applying == ("shop", "0003_order_customer_not_null")
    assert parsed.existing_rows
    assert parsed.violation == V(
        "not_null", "mysql", None, ("customer_id",), None, (), None,
        "Data truncated for column 'customer_id' at row 1", existing_rows=True,
    )  # fmt: skip
    assert parse_applying("  Applying shop.0002_x... OK\n  Applying shop.0003_y... OK\n") is None
    # A log captured with --force-color keeps the escapes around OK.
    coloured = "  Applying shop.0002_x...\x1b[32;1m OK\x1b[0m\n  Applying shop.0003_y...\n"
    assert parse_applying(coloured) == ("shop", "0003_y")


def test_migrate_output_without_its_traceback_still_shows_the_migration() -> None:
    text = (
        "  Applying shop.0003_order_customer_not_null...\n"
        "django.db.utils.DataError: (1265, \"Data truncated for column 'customer_id' at row 1\")"
    )
    parsed = parse_error(text)
    assert parsed is not None
    assert parsed.violation.columns == ("customer_id",)
    assert parsed.applying == ("shop", "0003_order_customer_not_null")


def test_schema_editor_frames_mean_existing_rows() -> None:
    """A plain message is about existing rows when Django's schema editor raised it."""
    frame = (
        '  File "/venv/lib/python3.12/site-packages/django/db/backends/base/schema.py", '
        "line 204, in execute\n"
    )
    write = parse_error("django.db.utils.IntegrityError: CHECK constraint failed: x\n")
    during_migration = parse_error(
        f"{frame}django.db.utils.IntegrityError: CHECK constraint failed: x\n"
    )
    assert write is not None
    assert during_migration is not None
    assert not write.existing_rows
    assert not write.violation.existing_rows
    assert during_migration.existing_rows
    assert not during_migration.violation.existing_rows  # the message alone does not say so
