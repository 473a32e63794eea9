"""Every flagged case of examples/ that has a runtime hazard, and how it behaves per backend.

A case names the rule, the file, the function (or migration) the finding is in, and the
scenario of `scenarios.py` that runs it. The finding itself (its line and the error its message
predicts) always comes from the checker, never from here. Where a backend does not behave as
the prediction says, `hazard_xfail` / `fix_xfail` hold the reason: the test is then a strict
xfail that shows it (and starts failing the day the behaviour changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# Mode of a scenario: races run as `race`/`serial`, everything else as `trigger` (and `twin`).
RACE, TRIGGER, MIGRATION = "race", "trigger", "migration"


@dataclass(frozen=True)
class Case:
    rule: str
    file: str  # relative to examples/
    anchor: str  # the finding is the first of `rule` in `file` at or after this text
    scenario: str
    shape: str  # RACE | TRIGGER | MIGRATION
    hazard_xfail: Mapping[str, str] = field(default_factory=dict)
    fix_xfail: Mapping[str, str] = field(default_factory=dict)
    # TRIGGER cases: which rows the fixed code must leave — those the failing original left
    # ("hazard": the fix turns the error into a response and changes no data) or those of
    # the example's hand-written safe twin ("twin").
    reference: str = "hazard"
    makemigrations: tuple[str, ...] = ()  # apps whose models the unsafe fix changes
    # TRIGGER cases with a deferred check: the backends on which an `atomic()` around the
    # call raises at COMMIT rather than in the call.
    at_commit: frozenset[str] = frozenset()
    expected_rows: tuple[tuple[object, ...], ...] | None = None  # MIGRATION fixes
    # A display-only finding whose message names a `makemigrations` run (IL304): the apps
    # to run it for; the test then checks that the database enforces the constraint.
    suggested_makemigrations: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.scenario}"


MARIADB_CI_COLLATION = (
    "MariaDB's default collation (utf8mb4_general_ci) is case-insensitive: the unique email "
    "index refuses the second spelling, get_or_create falls back to get(), no duplicates"
)
UPDATE_OR_CREATE_SQLITE = (
    "SQLite: update_or_create() reads (SELECT … FOR UPDATE is a plain SELECT) inside a "
    "DEFERRED transaction, then writes: the loser cannot upgrade its lock and gets "
    "OperationalError 'database is locked'. Race-free only with "
    "OPTIONS={'transaction_mode': 'IMMEDIATE'} (Django >= 5.1)"
)
ATOMIC_READ_THEN_WRITE_SQLITE = (
    "SQLite: both transactions read inside atomic() (DEFERRED), then both write: the second "
    "cannot upgrade its lock and gets OperationalError 'database is locked' instead of the "
    "IntegrityError, before and after the fix. Race-free only with "
    "OPTIONS={'transaction_mode': 'IMMEDIATE'} (Django >= 5.1)"
)
STUB_BACKFILL = (
    "the fix's backfill migration is a stub that raises RuntimeError('choose the category of "
    "existing Product rows here') while NULLs exist: a person must choose the value"
)

CASES: tuple[Case, ...] = (
    Case("IL101", "shop/services.py", "def import_product(", "import_product", RACE),
    Case("IL101", "shop/services.py", "def ensure_warehouse(", "ensure_warehouse", RACE),
    Case("IL101", "accounts/services.py", "def ensure_user(", "ensure_user", RACE),
    # The check in a method reading a reverse one-to-one accessor, the insert in another one.
    Case("IL101", "accounts/services.py", "class ProfileDesk", "ensure_profile", RACE),
    Case("IL101", "accounts/views.py", "def signup(", "signup", RACE),
    Case("IL102", "orders/services.py", "def customer_for_email(", "customer_for_email", RACE),
    # The shapes of issue 14 (examples/shop/restock.py): one per way real code varies a race.
    Case("IL101", "shop/restock.py", "def warehouse_walrus(", "warehouse_walrus", RACE),
    Case("IL102", "shop/restock.py", "def warehouse_looked_up(", "warehouse_looked_up", RACE),
    Case("IL101", "shop/restock.py", "def warehouse_built(", "warehouse_built", RACE),
    Case("IL101", "shop/restock.py", "def warehouse_via_helper(", "warehouse_via_helper", RACE),
    Case(
        "IL103", "shop/restock.py", "def rename_or_add_warehouse(", "rename_or_add_warehouse", RACE
    ),
    Case(
        "IL101",
        "shop/restock.py",
        "def warehouse_in_atomic(",
        "warehouse_in_atomic",
        RACE,
        hazard_xfail={"sqlite": ATOMIC_READ_THEN_WRITE_SQLITE},
        fix_xfail={"sqlite": ATOMIC_READ_THEN_WRITE_SQLITE},
    ),
    # Batches: the codes missing from a set of those stored, created one by one or at once.
    Case("IL101", "shop/restock.py", "def warehouses_missing(", "warehouses_missing", RACE),
    Case("IL101", "shop/restock.py", "def add_missing_warehouses(", "add_missing_warehouses", RACE),
    # Across functions: a form's clean_code() and its save() or the caller's insert after
    # is_valid(); a ModelForm's model clean() run by is_valid() before the caller's insert; a
    # caller's check before a model method's insert.
    Case("IL101", "shop/forms.py", "class WarehouseOpeningForm", "open_warehouse_form", RACE),
    Case(
        "IL101",
        "shop/restock.py",
        "def open_warehouse_validated(",
        "open_warehouse_validated",
        RACE,
    ),
    Case("IL101", "shop/restock.py", "def add_stock_level(", "add_stock_level", RACE),
    Case("IL101", "shop/models/catalog.py", "def stock_in(", "stock_product", RACE),
    # Async (an async view or task): each racer runs through async_to_sync on its own thread.
    Case("IL101", "shop/restock.py", "def warehouse_aexists(", "warehouse_aexists", RACE),
    Case("IL101", "shop/restock.py", "def warehouse_afirst(", "warehouse_afirst", RACE),
    Case("IL102", "shop/restock.py", "def warehouse_aget(", "warehouse_aget", RACE),
    Case(
        "IL103",
        "shop/restock.py",
        "def rename_or_add_warehouse_async(",
        "rename_or_add_warehouse_async",
        RACE,
        fix_xfail={"sqlite": UPDATE_OR_CREATE_SQLITE},
    ),
    Case(
        "IL103",
        "shop/services.py",
        "def set_stock(",
        "set_stock",
        RACE,
        fix_xfail={"sqlite": UPDATE_OR_CREATE_SQLITE},
    ),
    Case(
        "IL103",
        "accounts/services.py",
        "def set_display_name(",
        "set_display_name",
        RACE,
        fix_xfail={"sqlite": UPDATE_OR_CREATE_SQLITE},
    ),
    Case(
        "IL104",
        "shop/services.py",
        "def category_named(",
        "category_named",
        RACE,
        makemigrations=("shop",),
    ),
    Case(
        "IL104",
        "orders/services.py",
        "def customer_any_case(",
        "customer_any_case",
        RACE,
        hazard_xfail={"mysql": MARIADB_CI_COLLATION},
    ),
    Case("IL201", "shop/views.py", "def create_product(", "create_product", TRIGGER),
    Case("IL201", "shop/views.py", "class WarehouseCreateView", "create_warehouse", TRIGGER),
    Case("IL201", "shop/views.py", "class WarehouseImportView", "import_warehouses", TRIGGER),
    # Through a helper of another module: reported (and fixed) at the view's call.
    Case("IL201", "shop/views.py", "def open_warehouse(", "open_warehouse", TRIGGER),
    Case("IL201", "shop/api.py", "class WarehouseAPI", "warehouse_api", TRIGGER),
    # Inserts through a ModelForm / a DRF ModelSerializer: validation passes both racers.
    Case(
        "IL201",
        "shop/form_views.py",
        "def new_warehouse(",
        "warehouse_form",
        RACE,
    ),
    Case(
        "IL201",
        "shop/form_views.py",
        "class WarehouseSerializerAPI",
        "warehouse_serializer",
        RACE,
    ),
    Case("IL202", "orders/services.py", "def reorder(", "reorder", TRIGGER, reference="twin"),
    Case("IL203", "orders/services.py", "def add_line(", "add_line", TRIGGER),
    Case(
        "IL204",
        "orders/views.py",
        "def create_order(",
        "create_order",
        TRIGGER,
        at_commit=frozenset({"sqlite", "postgresql"}),
    ),
    Case("IL205", "shop/services.py", "def create_gift_card(", "create_gift_card", TRIGGER),
    Case("IL205", "shop/services.py", "def withdraw_product(", "withdraw_product", TRIGGER),
    Case(
        "IL205",
        "orders/services.py",
        "def add_return_line(",
        "add_return_line",
        TRIGGER,
        hazard_xfail={
            "mysql": "a PositiveIntegerField is `integer UNSIGNED` on MariaDB: -1 is refused as "
            "out of range, DataError (1264), before any CHECK constraint"
        },
    ),
    Case(
        "IL304",
        "orders/models.py",
        "code = models.CharField",
        "coupon_code",
        TRIGGER,
        suggested_makemigrations=("sales",),
    ),
    Case(
        "IL304",
        "orders/models.py",
        "models.CheckConstraint(",
        "coupon_discount",
        TRIGGER,
        suggested_makemigrations=("sales",),
    ),
    Case(
        "IL301",
        "shop/migrations/0004_product_weight_grams_description.py",
        "AddField",
        "weight_grams",
        MIGRATION,
        hazard_xfail={
            "mysql": "MariaDB fills a new NOT NULL integer column with its implicit default (0): "
            "the migration applies and every existing product weighs 0 g"
        },
        expected_rows=(("SKU-1", 0),),
    ),
    Case(
        "IL302",
        "shop/migrations/0006_alter_product_barcode.py",
        "AlterField",
        "barcode",
        MIGRATION,
        expected_rows=(("SKU-1", "4006381333931"),),  # the dedupe keeps the lowest pk
    ),
    Case(
        "IL302",
        "accounts/migrations/0003_profile_referral_code.py",
        "AddField",
        "referral_code",
        MIGRATION,
        expected_rows=((2, 2),),  # both profiles kept, two distinct codes
    ),
    Case(
        "IL302",
        "orders/migrations/0003_alter_orderline_unique_together.py",
        "AlterUniqueTogether",
        "orderline_unique_together",
        MIGRATION,
        expected_rows=((1,),),  # the dedupe keeps the first line (quantity 1)
    ),
    Case(
        "IL303",
        "shop/migrations/0007_alter_product_category.py",
        "AlterField",
        "product_category",
        MIGRATION,
        hazard_xfail={
            "mysql": 'the migration fails, but with DataError (1265, "Data truncated for column '
            "'category_id'\"), not an IntegrityError"
        },
        fix_xfail=dict.fromkeys(("sqlite", "postgresql", "mysql"), STUB_BACKFILL),
    ),
)
