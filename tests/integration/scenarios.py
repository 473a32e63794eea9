"""The flagged code of examples/ run for real, one function per case (imported by worker.py).

A scenario sets up the rows it needs, calls the project's own function, view or migration, and
returns what happened: every call's result or error, and the rows it left (without ids,
timestamps, hashes or random defaults, so runs can be compared). Modes: `race` (the calls in
threads meeting at the forced interleaving, see `Harness.race`), `serial` (the same calls one
after the other), `trigger` (the single input that breaks a non-race case), `twin` (the same
input through the example's hand-written safe twin).
"""

# mypy: disable-error-code="import-untyped,import-not-found,no-any-return"
from __future__ import annotations

import importlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from worker import Harness, describe, error_info


def project(module: str) -> Any:
    return importlib.import_module(module)


def rows(label: str, *fields: str) -> list[list[Any]]:
    from django.apps import apps

    model = apps.get_model(label)
    values = model.objects.order_by(*fields).values_list(*fields)
    return [
        [str(value) if isinstance(value, Decimal) else value for value in row] for row in values
    ]


def run_race(h: Harness, mode: str, model: Any, calls: list[Callable[[], Any]]) -> dict[str, Any]:
    return h.race(model, calls, serial=mode == "serial")


def category(slug: str = "tools") -> Any:
    return project("shop.models").Category.objects.create(name=slug.title(), slug=slug, position=1)


def warm(h: Harness, mode: str) -> dict[str, Any]:
    """Create and migrate the main database ahead of the first scenario that needs it."""
    h.latest()
    return {}


# -- IL101 -------------------------------------------------------------------------------------
def import_product(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("shop.services"), project("shop.models")
    tools = category()

    def call() -> Any:
        return services.import_product("SKU-1", "Hammer", tools, Decimal("9.99"), 500)

    result = run_race(h, mode, models.Product, [call, call])
    result["rows"] = rows("shop.Product", "sku", "name", "price", "weight_grams")
    return result


def ensure_warehouse(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("shop.services"), project("shop.models")

    def call() -> Any:
        return services.ensure_warehouse("W1", "Main")

    result = run_race(h, mode, models.Warehouse, [call, call])
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def ensure_user(h: Harness, mode: str) -> dict[str, Any]:
    """Same email (the checked lookup), different usernames: only the email index can fail."""
    h.latest()
    services, models = project("accounts.services"), project("accounts.models")
    calls = [
        lambda: services.ensure_user("ann", "ann@example.com"),
        lambda: services.ensure_user("ann2", "ann@example.com"),
    ]
    result = run_race(h, mode, models.User, calls)
    # Which username wins is the race's to decide; the rows are compared by email.
    result["rows"] = rows("accounts.User", "email")
    return result


def signup(h: Harness, mode: str) -> dict[str, Any]:
    """Two sign-ups of one username (the checked lookup) with different emails, via the URL."""
    h.latest()
    models = project("accounts.models")

    def post(email: str) -> Callable[[], Any]:
        def call() -> Any:
            data = {"username": "ann", "email": email, "password": "pw-12345"}
            return h.request("post", "/signup/", data)

        return call

    result = run_race(h, mode, models.User, [post("a@example.com"), post("b@example.com")])
    result["rows"] = rows("accounts.User", "username")
    return result


# -- IL102 -------------------------------------------------------------------------------------
def customer_for_email(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("orders.services"), project("orders.models")

    def call() -> Any:
        return services.customer_for_email("ann@example.com", "Ann")

    result = run_race(h, mode, models.Customer, [call, call])
    result["rows"] = rows("sales.Customer", "email", "name")
    return result


# -- IL103 -------------------------------------------------------------------------------------
def set_stock(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("shop.services"), project("shop.models")
    product = models.Product.objects.create(
        sku="SKU-1", name="Hammer", category=category(), price=1, weight_grams=1
    )
    warehouse = models.Warehouse.objects.create(code="W1", name="Main")

    def call() -> Any:
        return services.set_stock(product, warehouse, 7)

    result = run_race(h, mode, models.StockLevel, [call, call])
    result["rows"] = rows("shop.StockLevel", "product__sku", "warehouse__code", "quantity")
    return result


def set_display_name(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("accounts.services"), project("accounts.models")
    user = models.User.objects.create_user("ann", "ann@example.com")

    def call() -> Any:
        return services.set_display_name(user, "Ann")

    result = run_race(h, mode, models.Profile, [call, call])
    result["rows"] = rows("accounts.Profile", "user__username", "display_name")
    return result


def ensure_profile(h: Harness, mode: str) -> dict[str, Any]:
    """The check answered by a method reading `user.profile` (None when missing), the insert
    in another method: both threads see no profile, both create one for the same user."""
    h.latest()
    services, models = project("accounts.services"), project("accounts.models")
    pk = models.User.objects.create_user("ann", "ann@example.com").pk

    def call() -> Any:
        # each request loads its own user: `Profile(user=user)` caches the profile on the
        # instance it is given, so a shared one would answer the other thread's check
        services.ProfileDesk().ensure_profile(models.User.objects.get(pk=pk), "Ann")
        return None

    result = run_race(h, mode, models.Profile, [call, call])
    result["rows"] = rows("accounts.Profile", "user__username", "display_name")
    return result


# -- IL104 -------------------------------------------------------------------------------------
def _then(h: Harness, result: dict[str, Any], function: Callable[[], Any]) -> dict[str, Any]:
    """The call after the race: where duplicates exist it raises MultipleObjectsReturned."""
    result["after"] = h.call(function)
    return result


def category_named(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services, models = project("shop.services"), project("shop.models")

    calls = [
        lambda: services.category_named("Books", "books"),
        lambda: services.category_named("Books", "books-2"),
    ]
    result = run_race(h, mode, models.Category, calls)
    _then(h, result, lambda: services.category_named("Books", "books-3"))
    # Which racer's slug is stored depends on who wins: compare what the race decides, the names.
    result["rows"] = rows("shop.Category", "name")
    return result


def customer_any_case(h: Harness, mode: str) -> dict[str, Any]:
    """Two first orders from one address typed in two cases; then a third in another case."""
    h.latest()
    services, models = project("orders.services"), project("orders.models")
    calls = [
        lambda: services.customer_any_case("Ann@Example.com", "Ann"),
        lambda: services.customer_any_case("ann@example.com", "Ann"),
    ]
    result = run_race(h, mode, models.Customer, calls)
    _then(h, result, lambda: services.customer_any_case("ANN@EXAMPLE.COM", "Ann"))
    result["rows"] = rows("sales.Customer", "email")
    return result


# -- IL201 -------------------------------------------------------------------------------------
def _post(h: Harness, url: str, data: dict[str, Any]) -> dict[str, Any]:
    return h.call(lambda: h.request("post", url, data))


def create_product(h: Harness, mode: str) -> dict[str, Any]:
    """A second product with a SKU that exists, posted to the view."""
    h.latest()
    models = project("shop.models")
    tools = category()
    models.Product.objects.create(
        sku="SKU-1", name="Hammer", category=tools, price=1, weight_grams=1
    )
    url = "/products/new/" if mode == "trigger" else "/products/new-safe/"
    data = {"category": "tools", "sku": "SKU-1", "name": "Saw", "price": "2", "weight_grams": "3"}
    result: dict[str, Any] = {"calls": [_post(h, url, data)]}
    result["rows"] = rows("shop.Product", "sku", "name")
    return result


def create_warehouse(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    project("shop.models").Warehouse.objects.create(code="W1", name="Main")
    url = "/warehouses/new/" if mode == "trigger" else "/warehouses/new-safe/"
    result: dict[str, Any] = {"calls": [_post(h, url, {"code": "W1", "name": "Other"})]}
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def open_warehouse(h: Harness, mode: str) -> dict[str, Any]:
    """A known code posted to a view whose helper (shop/services.py) inserts it."""
    h.latest()
    project("shop.models").Warehouse.objects.create(code="W1", name="Main")
    url = "/warehouses/open/" if mode == "trigger" else "/warehouses/open-safe/"
    result: dict[str, Any] = {"calls": [_post(h, url, {"code": "W1", "name": "Other"})]}
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def import_warehouses(h: Harness, mode: str) -> dict[str, Any]:
    """bulk_create of one new and one known code (the twin is the view's PUT)."""
    h.latest()
    project("shop.models").Warehouse.objects.create(code="W1", name="Main")
    data = {"code": ["W2", "W1"]}
    if mode == "trigger":
        call = _post(h, "/warehouses/import/", data)
    else:
        from urllib.parse import urlencode

        body = urlencode(data, doseq=True)
        content_type = "application/x-www-form-urlencoded"
        call = h.call(
            lambda: h.request("put", "/warehouses/import/", body, content_type=content_type)
        )
    result: dict[str, Any] = {"calls": [call]}
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def warehouse_api(h: Harness, mode: str) -> dict[str, Any]:
    """The DRF APIView (not routed in urls.py), called through DRF's request factory."""
    h.latest()
    try:
        from rest_framework.test import APIRequestFactory
    except ImportError as error:
        return {"unavailable": f"Django REST framework is not installed ({error})"}
    api = project("shop.api")
    project("shop.models").Warehouse.objects.create(code="W1", name="Main")
    view = (api.WarehouseAPI if mode == "trigger" else api.SafeWarehouseAPI).as_view()
    request = APIRequestFactory().post("/", {"code": "W1", "name": "Other"}, format="json")
    call = h.call(lambda: view(request).render())
    result: dict[str, Any] = {"calls": [call]}
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def _same_code_twice(h: Harness, mode: str, post: Callable[[], Any]) -> dict[str, Any]:
    """Two posts of one new warehouse code racing past validation (the barrier is at the
    insert: both have passed `is_valid()` by then)."""
    result = run_race(h, mode, project("shop.models").Warehouse, [post, post])
    result["rows"] = rows("shop.Warehouse", "code", "name")
    return result


def warehouse_form(h: Harness, mode: str) -> dict[str, Any]:
    """A function view saving a ModelForm (`mode` "twin": its hand-guarded twin)."""
    h.latest()
    from django.test import RequestFactory

    views = project("shop.form_views")
    view = views.new_warehouse_safe if mode == "twin" else views.new_warehouse

    def post() -> Any:
        return view(RequestFactory().post("/", {"code": "W9", "name": "North"}))

    return _same_code_twice(h, "race" if mode == "twin" else mode, post)


def warehouse_serializer(h: Harness, mode: str) -> dict[str, Any]:
    """A DRF APIView saving a ModelSerializer (`mode` "twin": its hand-guarded twin)."""
    h.latest()
    try:
        from rest_framework.test import APIRequestFactory
    except ImportError as error:
        return {"unavailable": f"Django REST framework is not installed ({error})"}
    views = project("shop.form_views")
    api = views.SafeWarehouseSerializerAPI if mode == "twin" else views.WarehouseSerializerAPI
    view = api.as_view()

    def post() -> Any:
        request = APIRequestFactory().post("/", {"code": "W9", "name": "North"}, format="json")
        return view(request).render()

    return _same_code_twice(h, "race" if mode == "twin" else mode, post)


# -- IL202 -------------------------------------------------------------------------------------
def reorder(h: Harness, mode: str) -> dict[str, Any]:
    """Re-ordering an existing order number inside the function's own atomic block."""
    h.latest()
    services, models = project("orders.services"), project("orders.models")
    customer = models.Customer.objects.create(email="ann@example.com", name="Ann")
    models.Order.objects.create(customer=customer, number="ORD-1")
    function = services.reorder if mode == "trigger" else services.reorder_safe
    result: dict[str, Any] = {"calls": [h.call(lambda: function(customer, "ORD-1"))]}
    result["rows"] = rows("sales.Order", "number", "status")
    return result


# -- IL203 / IL205 -----------------------------------------------------------------------------
def _order_and_product() -> tuple[Any, Any]:
    models, shop = project("orders.models"), project("shop.models")
    customer = models.Customer.objects.create(email="ann@example.com", name="Ann")
    order = models.Order.objects.create(customer=customer, number="ORD-1")
    product = shop.Product.objects.create(
        sku="SKU-1", name="Hammer", category=category(), price=3, weight_grams=1
    )
    return order, product


def add_line(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services = project("orders.services")
    order, product = _order_and_product()
    function = services.add_line if mode == "trigger" else services.add_line_safe
    result: dict[str, Any] = {"calls": [h.call(lambda: function(order, product))]}
    result["rows"] = rows("sales.OrderLine", "order__number", "product__sku", "quantity")
    return result


def create_gift_card(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services = project("shop.services")
    tools = category()
    function = services.create_gift_card if mode == "trigger" else services.create_gift_card_safe
    result: dict[str, Any] = {"calls": [h.call(lambda: function(tools))]}
    result["rows"] = rows("shop.Product", "sku", "price")
    return result


def withdraw_product(h: Harness, mode: str) -> dict[str, Any]:
    """An UPDATE of an existing row: the CHECK constraint is the table's, not the INSERT's."""
    h.latest()
    services, shop = project("shop.services"), project("shop.models")
    shop.Product.objects.create(
        sku="SKU-1", name="Hammer", category=category(), price=3, weight_grams=1
    )
    function = services.withdraw_product if mode == "trigger" else services.withdraw_product_safe
    result: dict[str, Any] = {"calls": [h.call(lambda: function("SKU-1"))]}
    result["rows"] = rows("shop.Product", "sku", "price", "is_active")
    return result


def add_return_line(h: Harness, mode: str) -> dict[str, Any]:
    h.latest()
    services = project("orders.services")
    order, product = _order_and_product()
    function = services.add_return_line if mode == "trigger" else services.add_refund_line
    result: dict[str, Any] = {"calls": [h.call(lambda: function(order, product))]}
    result["rows"] = rows("sales.OrderLine", "quantity", "unit_price")
    return result


# -- IL204 -------------------------------------------------------------------------------------
def create_order(h: Harness, mode: str) -> dict[str, Any]:
    """An unknown customer id posted twice: in autocommit, then inside `transaction.atomic()`.

    `where` tells where the atomic run raised: in the view (the INSERT) or at COMMIT, after the
    view returned — past any `try/except` the view could have had.
    """
    from django.db import IntegrityError, transaction

    h.latest()
    url = "/orders/new/" if mode == "trigger" else "/orders/new-safe/"
    data = {"customer_id": "999999"}
    result: dict[str, Any] = {"calls": [_post(h, url, data)]}
    where = ""
    atomic: dict[str, Any] = {}
    try:
        with transaction.atomic():
            try:
                atomic = {"value": describe(h.request("post", url, data))}
            except IntegrityError:
                where = "view"
                raise
    except IntegrityError as error:
        atomic = {"error": error_info(error)}
        where = where or "commit"
    result["atomic"] = atomic
    result["where"] = where
    result["rows"] = rows("sales.Order", "customer_id")
    return result


# -- IL304 ------------------------------------------------------------------------------------
def coupon_code(h: Harness, mode: str) -> dict[str, Any]:
    """Two coupons with one code: models.py says unique, the migrated table does not."""
    h.latest()
    coupon = project("orders.models").Coupon
    calls = [h.call(lambda: coupon.objects.create(code="SAVE10", discount_percent=10))]
    calls.append(h.call(lambda: coupon.objects.create(code="SAVE10", discount_percent=20)))
    return {"calls": calls, "rows": rows("sales.Coupon", "code", "discount_percent")}


def coupon_discount(h: Harness, mode: str) -> dict[str, Any]:
    """A 150 % coupon: models.py has CheckConstraint discount_lte_100, never migrated."""
    h.latest()
    coupon = project("orders.models").Coupon
    calls = [h.call(lambda: coupon.objects.create(code="HALF", discount_percent=150))]
    return {"calls": calls, "rows": rows("sales.Coupon", "code", "discount_percent")}


# -- IL3xx: migrations on tables that already have the rows that break them ----------------------
def _migration(
    h: Harness,
    mode: str,
    app: str,
    steps: tuple[str, str, str],
    insert: Callable[[Any], None],
) -> dict[str, Any]:
    """Migrate `app` to `before`, insert rows with the models of that time, migrate on.

    `steps` is (before, flagged, after): `after` is the first original migration that
    depends on everything a fix may add around `flagged` (often `flagged` itself). Modes:
    `empty` migrates to `flagged` with no rows (it must apply); `trigger` inserts the rows
    first (it must fail as predicted); `fixed` inserts them, then migrates to `after`.
    """
    before, flagged, after = steps
    h.fresh_database()
    h.migrate(app, before)
    if mode != "empty":
        insert(h.historical(app, before))
    target = after if mode == "fixed" else flagged
    return {"calls": [h.call(lambda: h.migrate(app, target))]}


WEIGHT_GRAMS = (
    "0003_product_is_active_category_position",
    "0004_product_weight_grams_description",
    "0005_product_barcode",
)
BARCODE = ("0005_product_barcode", "0006_alter_product_barcode", "0006_alter_product_barcode")
REFERRAL_CODE = ("0002_profile", "0003_profile_referral_code", "0004_dedupe_user_emails")
UNIQUE_TOGETHER = (
    "0001_squashed_0002_orderline",
    "0003_alter_orderline_unique_together",
    "0003_alter_orderline_unique_together",
)
CATEGORY = (
    "0006_alter_product_barcode",
    "0007_alter_product_category",
    "0007_alter_product_category",
)


def _table_rows(sql: str) -> list[list[Any]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [[str(v) if isinstance(v, Decimal) else v for v in row] for row in cursor.fetchall()]


def _old_product(apps: Any, sku: str, **fields: Any) -> Any:
    category_model = apps.get_model("shop", "Category")
    tools = category_model.objects.filter(slug="tools").first()
    if tools is None:
        columns = {field.name for field in category_model._meta.fields}
        position = {"position": 1} if "position" in columns else {}
        tools = category_model.objects.create(slug="tools", name="Tools", **position)
    values = {"category": tools, "name": sku, "price": 1, **fields}
    return apps.get_model("shop", "Product").objects.create(sku=sku, **values)


def weight_grams(h: Harness, mode: str) -> dict[str, Any]:
    """IL301: shop 0004 adds NOT NULL weight_grams to a table with a product in it."""

    def insert(apps: Any) -> None:
        _old_product(apps, "SKU-1")

    result = _migration(h, mode, "shop", WEIGHT_GRAMS, insert)
    if "error" not in result["calls"][0]:
        result["rows"] = _table_rows("SELECT sku, weight_grams FROM shop_product ORDER BY sku")
    return result


def barcode(h: Harness, mode: str) -> dict[str, Any]:
    """IL302: shop 0006 makes barcode unique where two products share one."""

    def insert(apps: Any) -> None:
        _old_product(apps, "SKU-1", barcode="4006381333931", weight_grams=1)
        _old_product(apps, "SKU-2", barcode="4006381333931", weight_grams=1)

    result = _migration(h, mode, "shop", BARCODE, insert)
    if "error" not in result["calls"][0]:
        result["rows"] = _table_rows("SELECT sku, barcode FROM shop_product ORDER BY sku")
    return result


def referral_code(h: Harness, mode: str) -> dict[str, Any]:
    """IL302: accounts 0003 adds a unique column whose callable default is evaluated once."""

    def insert(apps: Any) -> None:
        user_model, profile_model = (
            apps.get_model("accounts", "User"),
            apps.get_model("accounts", "Profile"),
        )
        for name in ("ann", "bob"):
            user = user_model.objects.create(username=name, email=f"{name}@example.com")
            profile_model.objects.create(user=user, display_name=name)

    result = _migration(h, mode, "accounts", REFERRAL_CODE, insert)
    if "error" not in result["calls"][0]:
        codes = _table_rows("SELECT referral_code FROM accounts_profile")
        result["rows"] = [[len(codes), len({code for (code,) in codes})]]  # rows, distinct codes
    return result


def orderline_unique_together(h: Harness, mode: str) -> dict[str, Any]:
    """IL302: sales 0003 makes (order, product) unique where an order repeats a product."""

    def insert(apps: Any) -> None:
        customer = apps.get_model("sales", "Customer").objects.create(email="a@example.com")
        order = apps.get_model("sales", "Order").objects.create(customer=customer, number="O-1")
        product = _old_product(apps, "SKU-1")
        line_model = apps.get_model("sales", "OrderLine")
        for quantity in (1, 2):
            line_model.objects.create(order=order, product=product, quantity=quantity, unit_price=1)

    result = _migration(h, mode, "sales", UNIQUE_TOGETHER, insert)
    if "error" not in result["calls"][0]:
        result["rows"] = _table_rows("SELECT quantity FROM sales_orderline ORDER BY quantity")
    return result


def product_category(h: Harness, mode: str) -> dict[str, Any]:
    """IL303: shop 0007 makes category NOT NULL where a product has none."""

    def insert(apps: Any) -> None:
        product_model = apps.get_model("shop", "Product")
        product_model.objects.create(sku="SKU-1", name="Loose", price=1, weight_grams=1)

    result = _migration(h, mode, "shop", CATEGORY, insert)
    if "error" not in result["calls"][0]:
        result["rows"] = _table_rows(
            "SELECT p.sku, c.slug FROM shop_product p LEFT JOIN shop_category c"
            " ON c.id = p.category_id ORDER BY p.sku"
        )
    return result


from race_scenarios import (  # noqa: E402  (the worker looks scenarios up here by name)
    add_missing_warehouses,
    add_stock_level,
    open_warehouse_form,
    open_warehouse_validated,
    rename_or_add_warehouse,
    rename_or_add_warehouse_async,
    stock_product,
    warehouse_aexists,
    warehouse_afirst,
    warehouse_aget,
    warehouse_built,
    warehouse_in_atomic,
    warehouse_looked_up,
    warehouse_via_helper,
    warehouse_walrus,
    warehouses_missing,
)

__all__ = [
    "add_missing_warehouses",
    "add_stock_level",
    "open_warehouse_form",
    "open_warehouse_validated",
    "rename_or_add_warehouse",
    "rename_or_add_warehouse_async",
    "stock_product",
    "warehouse_aexists",
    "warehouse_afirst",
    "warehouse_aget",
    "warehouse_built",
    "warehouse_in_atomic",
    "warehouse_looked_up",
    "warehouse_via_helper",
    "warehouse_walrus",
    "warehouses_missing",
]
