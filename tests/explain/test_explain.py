"""Explaining messages against a small fixture project: model, field, constraint, write sites."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from integrity_lsp.explain import (
    Explanation,
    explain_text,
    find_write_sites,
    project_path,
    render_text,
    run_explain,
    to_json,
)
from integrity_lsp.project import db_names
from integrity_lsp.project.index import ProjectIndex

FIXTURE = Path(__file__).parent / "fixtures" / "shopproj"
MODELS = FIXTURE / "shop" / "models.py"
VIEWS = FIXTURE / "shop" / "views.py"
SERVICES = FIXTURE / "shop" / "services.py"


@cache
def index_for(root: Path) -> ProjectIndex:
    return ProjectIndex.build(root, Settings())


def explain(text: str) -> Explanation:
    explanation = explain_text(text, index_for(FIXTURE), settings=Settings())
    assert explanation is not None
    return explanation


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def field_names(explanation: Explanation) -> list[str]:
    return [field.name for field in explanation.fields]


def test_sqlite_unique_maps_table_and_column() -> None:
    explanation = explain("UNIQUE constraint failed: shop_product.sku")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.table == "shop_product"
    assert field_names(explanation) == ["sku"]
    assert explanation.fields[0].ref.path == MODELS
    assert explanation.fields[0].ref.span.start_line == line_of(MODELS, "sku = models")
    assert explanation.constraint is not None
    assert explanation.constraint.description == "unique=True on sku"


def test_db_column_and_db_table() -> None:
    explanation = explain("UNIQUE constraint failed: shop_order.ref_code")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["reference"]
    explanation = explain("UNIQUE constraint failed: catalog_category.slug")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Category"
    assert field_names(explanation) == ["slug"]


def test_sqlite_multi_column_unique_finds_unique_together() -> None:
    explanation = explain(
        "UNIQUE constraint failed: accounts_member.team_id, accounts_member.email"
    )
    assert explanation.model is not None
    assert explanation.model.label == "accounts.Member"
    assert field_names(explanation) == ["team", "email"]
    assert explanation.constraint is not None
    assert explanation.constraint.description == "unique_together (team, email)"


def test_sqlite_unique_constraint_with_fk_column() -> None:
    explanation = explain("UNIQUE constraint failed: shop_product.name, shop_product.category_id")
    assert explanation.constraint is not None
    assert explanation.constraint.name == "uniq_product_name"
    assert not explanation.constraint.generated


def test_migration_that_introduced_the_constraint() -> None:
    explanation = explain("UNIQUE constraint failed: shop_product.sku")
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "CreateModel"
    assert explanation.introduced.migration == "0001_initial"
    # unique=True added later by AlterField: that operation introduced it, and PostgreSQL knows
    # the constraint by Django's hashed `_uniq` name rather than `<table>_<column>_key`.
    explanation = explain("UNIQUE constraint failed: catalog_category.slug")
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "AlterField"
    assert explanation.introduced.migration == "0002_category_slug_unique"
    path = FIXTURE / "shop" / "migrations" / "0002_category_slug_unique.py"
    assert explanation.introduced.ref.path == path
    assert explanation.introduced.ref.span.start_line == line_of(path, "migrations.AlterField(")
    explanation = explain(
        "UNIQUE constraint failed: accounts_member.team_id, accounts_member.email"
    )
    assert explanation.introduced is not None
    assert explanation.introduced.ref.path.name == "0001_initial.py"


def test_sqlite_not_null() -> None:
    explanation = explain("NOT NULL constraint failed: shop_order.total")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["total"]
    assert explanation.constraint is None
    assert "NOT NULL" in render_text(explanation, FIXTURE)


def test_not_null_sites_that_omit_the_field_come_first() -> None:
    explanation = explain("NOT NULL constraint failed: shop_order.total")
    first = explanation.write_sites[0]
    assert first.function == "quick_order"
    assert first.sets(explanation.fields) is False
    text = render_text(explanation, FIXTURE)
    assert "leaves total unset" in text
    # A field Django fills itself is no risk when left out.
    explanation = explain("NOT NULL constraint failed: shop_product.stock")
    assert "leaves stock unset (filled: stock by default)" in render_text(explanation, FIXTURE)


def test_sqlite_check_by_name_and_column_check() -> None:
    explanation = explain("CHECK constraint failed: price_gte_0")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.constraint is not None
    assert explanation.constraint.condition == "models.Q(price__gte=0)"
    explanation = explain("CHECK constraint failed: stock")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["stock"]


def test_sqlite_foreign_key_without_traceback_lists_candidates() -> None:
    explanation = explain("FOREIGN KEY constraint failed")
    assert explanation.model is None
    labels = {model.label for model in explanation.candidates}
    assert {"shop.Order", "shop.Product", "accounts.Member"} <= labels
    assert "shop.Customer" not in labels
    assert explanation.notes


# --- PostgreSQL: generated and explicit names ----------------------------------------------------


def test_postgres_unique_key_name_generated_by_postgres() -> None:
    explanation = explain('duplicate key value violates unique constraint "shop_product_sku_key"')
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["sku"]
    assert explanation.constraint is not None
    assert explanation.constraint.origin.startswith("PostgreSQL's name")


def test_postgres_hashed_unique_together_name() -> None:
    # The name real Django 5.2 gave the constraint on PostgreSQL (see test_real_databases).
    name = "accounts_member_team_id_email_f8ed23f8_uniq"
    columns = ["team_id", "email"]
    computed = db_names.unique_constraint_name("accounts_member", columns, "postgresql")
    assert computed == name
    explanation = explain(
        f'duplicate key value violates unique constraint "{name}"\n'
        "DETAIL:  Key (team_id, email)=(1, m@example.com) already exists."
    )
    assert explanation.model is not None
    assert explanation.model.label == "accounts.Member"
    assert field_names(explanation) == ["team", "email"]
    assert explanation.constraint is not None
    assert explanation.constraint.generated


def test_postgres_hashed_foreign_key_name() -> None:
    explanation = explain(
        'insert or update on table "shop_order" violates foreign key constraint '
        '"shop_order_customer_id_f638df20_fk_shop_customer_id"\n'
        'DETAIL:  Key (customer_id)=(99) is not present in table "shop_customer".'
    )
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]
    assert explanation.constraint is not None
    assert explanation.constraint.kind == "foreign_key"


def test_postgres_check_constraints() -> None:
    explanation = explain(
        'new row for relation "shop_product" violates check constraint "price_gte_0"'
    )
    assert explanation.constraint is not None
    assert explanation.constraint.name == "price_gte_0"
    explanation = explain(
        'new row for relation "shop_product" violates check constraint "shop_product_stock_check"'
    )
    assert field_names(explanation) == ["stock"]


def test_postgres_not_null_old_form_is_narrowed_by_column() -> None:
    explanation = explain('null value in column "total" violates not-null constraint')
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["total"]


# --- MySQL / MariaDB -----------------------------------------------------------------------------


def test_mysql_duplicate_entry_with_and_without_table() -> None:
    explanation = explain("(1062, \"Duplicate entry 'A-1' for key 'shop_product.sku'\")")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["sku"]
    explanation = explain("(1062, \"Duplicate entry 'a@b.c' for key 'email'\")")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Customer"
    explanation = explain(
        "(1062, \"Duplicate entry '1-a@b.c' for key "
        "'accounts_member_team_id_email_f8ed23f8_uniq'\")"
    )
    assert explanation.model is not None
    assert explanation.model.label == "accounts.Member"


def test_mysql_not_null_and_foreign_key_and_check() -> None:
    explanation = explain("(1048, \"Column 'total' cannot be null\")")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    explanation = explain(
        "(1452, 'Cannot add or update a child row: a foreign key constraint fails "
        "(`test`.`shop_order`"
        ", CONSTRAINT `x_fk` FOREIGN KEY (`customer_id`) REFERENCES `shop_customer` (`id`))')"
    )
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]
    explanation = explain("(4025, 'CONSTRAINT `price_gte_0` failed for `test`.`shop_product`')")
    assert explanation.constraint is not None
    assert explanation.constraint.name == "price_gte_0"


def test_unknown_table_is_recognised_but_not_found() -> None:
    explanation = explain("UNIQUE constraint failed: blog_post.slug")
    assert not explanation.found
    assert explanation.notes


# --- write sites ---------------------------------------------------------------------------------


def test_write_sites_of_product() -> None:
    index = index_for(FIXTURE)
    product = index.get_model("shop.Product")
    assert product is not None
    sites = find_write_sites(index, product)
    found = {(site.path.name, site.kind, site.function) for site in sites}
    assert ("views.py", "create", "create_product") in found
    assert ("views.py", "bulk_create", "import_products") in found
    assert ("views.py", "update", "rename_product") in found
    assert ("services.py", "update_or_create", "restock") in found
    # The constructors inside bulk_create belong to it; a string mentioning Product is nothing.
    assert not any(site.kind == "constructor" for site in sites)
    create = next(site for site in sites if site.function == "create_product")
    assert create.value_of("sku") == "data"
    assert create.complete
    assert create.line == line_of(VIEWS, "product = Product.objects.create(")
    assert create.span.start_column == len("    product = ")


def test_multi_table_children_write_the_parents_table() -> None:
    explanation = explain("UNIQUE constraint failed: shop_product.sku")
    gift = next(site for site in explanation.write_sites if site.function == "issue_gift_card")
    assert gift.model.label == "shop.GiftCard"
    assert gift.value_of("sku") == "data"


def test_traceback_through_a_child_model_settles_on_the_parent_table() -> None:
    line = line_of(SERVICES, "GiftCard.objects.create(")
    text = (
        f'  File "/srv/app/shop/services.py", line {line}, in issue_gift_card\n'
        "django.db.utils.IntegrityError: (1048, \"Column 'name' cannot be null\")\n"
    )
    explanation = explain(text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"  # `name` lives in shop_product
    assert field_names(explanation) == ["name"]
    assert explanation.write_sites[0].model.label == "shop.GiftCard"
    assert explanation.write_sites[0].from_traceback


def test_write_sites_of_order_through_instance_save_and_related_manager() -> None:
    index = index_for(FIXTURE)
    order = index.get_model("shop.Order")
    assert order is not None
    sites = find_write_sites(index, order)
    save = next(site for site in sites if site.kind == "save")
    assert save.function == "place_order"
    assert save.line == line_of(VIEWS, "order.save()")
    # The constructor's keywords and the attribute assigned before save() both count.
    assert {name for name, _ in save.values} == {"customer", "total", "reference"}
    assert "customer_id" in save.keywords
    related = next(site for site in sites if site.function == "order_for")
    assert related.kind == "create"


def test_write_sites_through_bound_querysets_and_fetched_instances() -> None:
    index = index_for(FIXTURE)
    product = index.get_model("shop.Product")
    customer = index.get_model("shop.Customer")
    assert product is not None
    assert customer is not None
    update = next(s for s in find_write_sites(index, product) if s.function == "restock_empty")
    assert update.kind == "update"
    assert update.value_of("stock") == "data"
    save = next(s for s in find_write_sites(index, customer) if s.function == "rename_customer")
    assert save.kind == "save"
    assert save.value_of("email") == "data"
    assert not save.complete  # a fetched instance: its other fields are whatever the row holds


def test_related_manager_fills_its_foreign_key() -> None:
    explanation = explain(
        'insert or update on table "shop_order" violates foreign key constraint '
        '"shop_order_customer_id_f638df20_fk_shop_customer_id"'
    )
    by_function = {site.function: site for site in explanation.write_sites}
    assert by_function["order_for"].value_of("customer") == "data"
    functions = [site.function for site in explanation.write_sites]
    # A raw `customer_id=` from request data is riskier than a customer fetched first.
    assert functions.index("quick_order") < functions.index("order_for")


def test_unique_sites_ranked_riskiest_first() -> None:
    explanation = explain("UNIQUE constraint failed: shop_product.sku")
    kinds = [(site.kind, site.function) for site in explanation.write_sites]
    # update(name=…) cannot break sku's uniqueness; update_or_create(sku=…) is the safe form.
    assert ("update", "rename_product") not in kinds
    assert kinds.index(("create", "create_product")) < kinds.index(("update_or_create", "restock"))


def test_traceback_frame_comes_first_and_settles_the_model() -> None:
    line = line_of(SERVICES, "Order.objects.create(customer_id=")
    text = (
        "Traceback (most recent call last):\n"
        f'  File "/srv/deploy/current/shop/services.py", line {line}, in add_order\n'
        "    return Order.objects.create(customer_id=customer_id, total=total, "
        "reference=reference)\n"
        '  File "/usr/lib/python3/site-packages/django/db/models/query.py", line 665, in create\n'
        "    obj.save(force_insert=True, using=self.db)\n"
        "django.db.utils.IntegrityError: FOREIGN KEY constraint failed\n"
    )
    explanation = explain(text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert set(field_names(explanation)) == {"customer", "team"}
    first = explanation.write_sites[0]
    assert first.from_traceback
    assert (first.path, first.line) == (SERVICES, line)
    assert not any(site.from_traceback for site in explanation.write_sites[1:])


def test_deferred_check_at_the_end_of_an_atomic_block() -> None:
    """Foreign keys are checked at COMMIT: the frame is the `with transaction.atomic():` line."""
    line = line_of(SERVICES, "with transaction.atomic():")
    text = (
        "Traceback (most recent call last):\n"
        f'  File "/app/shop/services.py", line {line}, in checkout\n'
        "    with transaction.atomic():\n"
        '  File "/venv/lib/python3.12/site-packages/django/db/transaction.py", line 307, in '
        "__exit__\n"
        "django.db.utils.IntegrityError: FOREIGN KEY constraint failed\n"
    )
    explanation = explain(text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    first = explanation.write_sites[0]
    assert first.from_traceback
    assert first.function == "checkout"
    assert first.kind == "create"


def test_pytest_traceback_with_relative_paths() -> None:
    line = line_of(SERVICES, "Order.objects.create(customer_id=")
    text = (
        f"shop/services.py:{line}: in add_order\n"
        "    return Order.objects.create(customer_id=customer_id, total=total, "
        "reference=reference)\n"
        "E   django.db.utils.IntegrityError: (1048, \"Column 'total' cannot be null\")\n"
    )
    explanation = explain(text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert explanation.write_sites[0].from_traceback
    assert explanation.write_sites[0].function == "add_order"


def test_project_path_maps_foreign_absolute_paths() -> None:
    assert project_path("/srv/app/shop/views.py", FIXTURE) == FIXTURE / "shop" / "views.py"
    assert project_path("C:\\work\\site\\shop\\views.py", FIXTURE) == VIEWS
    assert project_path("/venv/lib/python3.12/site-packages/shop/views.py", FIXTURE) is None
    assert project_path("/elsewhere/unknown.py", FIXTURE) is None
    assert project_path(str(VIEWS), FIXTURE) == VIEWS
    assert project_path("shop/views.py", FIXTURE) == VIEWS
    # One bare file name from elsewhere (a stdlib frame) is never taken for a project file.
    assert project_path("/usr/lib/python3.12/manage.py", FIXTURE) is None


# --- output --------------------------------------------------------------------------------------


def test_render_text_names_paths_relative_to_root() -> None:
    text = render_text(explain("UNIQUE constraint failed: shop_product.sku"), FIXTURE)
    assert "shop.Product (table shop_product)" in text
    assert f"shop/models.py:{line_of(MODELS, 'sku = models')}" in text
    line = line_of(VIEWS, "product = Product.objects.create(")
    assert f"shop/views.py:{line}:{len('    product = ') + 1}" in text


def test_json_shape() -> None:
    data = to_json(explain("NOT NULL constraint failed: shop_order.total"), FIXTURE)
    assert data["violation"]["kind"] == "not_null"
    assert data["model"]["label"] == "shop.Order"
    assert data["model"]["filename"] == "shop/models.py"
    assert data["fields"][0]["name"] == "total"
    sites = data["write_sites"]
    assert sites
    assert all({"filename", "location", "kind", "findings"} <= set(s) for s in sites)
    json.dumps(data)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("UNIQUE constraint failed: shop_product.sku", 0),
        ("UNIQUE constraint failed: blog_post.slug", 1),
        ("something else entirely", 2),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_run_explain_exit_status(text: str, status: int, fmt: str) -> None:
    out = io.StringIO()
    assert run_explain(text, FIXTURE, fmt, out) == status
    if fmt == "json":
        json.loads(out.getvalue())
    elif status == 2:
        assert "PostgreSQL" in out.getvalue()


def test_run_explain_shows_the_checkers_findings_at_each_site() -> None:
    out = io.StringIO()
    assert run_explain("UNIQUE constraint failed: shop_product.sku", FIXTURE, "json", out) == 0
    sites = json.loads(out.getvalue())["write_sites"]
    create = next(site for site in sites if site["function"] == "create_product")
    assert [finding["code"] for finding in create["findings"]] == ["IL201"]
    assert sites[0] is create  # a site the checker flags comes first
    # Findings about other violations (IL204 on place_order's raw customer_id) are left out.
    assert all(f["code"] != "IL204" for site in sites for f in site["findings"])


# --- a migration meeting rows already in the table ----------------------------------------------

MIGRATEPROJ = Path(__file__).parent / "fixtures" / "migrateproj"
MIGRATIONS = MIGRATEPROJ / "shop" / "migrations"
EXAMPLES = Path(__file__).parents[2] / "examples"


def explain_in(root: Path, text: str) -> Explanation:
    explanation = explain_text(text, index_for(root), settings=Settings())
    assert explanation is not None
    return explanation


def notes_text(explanation: Explanation) -> str:
    return "\n".join(explanation.notes)


def test_sqlite_table_rebuild_maps_new_table_to_the_model() -> None:
    explanation = explain_in(MIGRATEPROJ, "UNIQUE constraint failed: new__shop_product.sku")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.table == "shop_product"
    assert field_names(explanation) == ["sku"]
    assert explanation.existing_rows
    # The migration that made sku unique is the one that met the duplicates.
    assert explanation.introduced is not None
    assert (explanation.introduced.operation, explanation.introduced.migration) == (
        "AlterField",
        "0002_product_sku_unique",
    )
    path = MIGRATIONS / "0002_product_sku_unique.py"
    assert explanation.introduced.ref.path == path
    assert explanation.introduced.ref.span.start_line == line_of(path, "migrations.AlterField(")
    notes = notes_text(explanation)
    assert "rebuilt shop_product" in notes
    assert "new__shop_product" in notes
    assert "duplicates" in notes
    assert "before 0002_product_sku_unique" in notes
    text = render_text(explanation, MIGRATEPROJ)
    assert "by rows already in the table (a migration)" in text
    assert "Migration:   AlterField in 0002_product_sku_unique" in text


def test_sqlite_table_rebuild_not_null() -> None:
    explanation = explain_in(MIGRATEPROJ, "NOT NULL constraint failed: new__shop_order.customer_id")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]
    assert explanation.introduced is not None
    assert explanation.introduced.migration == "0003_order_customer_not_null"
    notes = notes_text(explanation)
    assert "rows already in shop_order hold NULL in customer_id" in notes
    assert "default" in notes
    # The write that stores an order without a customer comes first.
    assert explanation.write_sites[0].function == "import_orders"


def test_sqlite_table_rebuild_of_a_multi_column_unique_constraint() -> None:
    explanation = explain_in(
        MIGRATEPROJ, "UNIQUE constraint failed: new__shop_product.name, new__shop_product.maker"
    )
    assert explanation.constraint is not None
    assert explanation.constraint.name == "uniq_product_name_maker"
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "AddConstraint"


def test_sqlite_table_rebuild_in_the_brief_fixture() -> None:
    """Where the migrations created the constraint with the table, rows breaking it mean the
    database was not built by them: explain says so instead of naming a migration to fix."""
    explanation = explain("UNIQUE constraint failed: new__shop_product.sku")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "CreateModel"
    notes = notes_text(explanation)
    assert "not built by them" in notes
    assert "before the migration that failed" in notes
    explanation = explain("NOT NULL constraint failed: new__shop_order.customer_id")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]


def test_postgres_not_null_over_null_rows() -> None:
    text = (
        'django.db.utils.IntegrityError: column "customer_id" of relation "shop_order" '
        "contains null values\n"
    )
    explanation = explain_in(MIGRATEPROJ, text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]
    assert explanation.existing_rows
    notes = notes_text(explanation)
    assert "rows already in shop_order hold NULL in customer_id" in notes
    assert "before 0003_order_customer_not_null" in notes
    assert "makemigrations' one-off default" in notes
    # The example project's AlterField that makes Product.category NOT NULL.
    explanation = explain_in(
        EXAMPLES, 'column "category_id" of relation "shop_product" contains null values'
    )
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["category"]
    assert explanation.introduced is not None
    assert explanation.introduced.migration == "0007_alter_product_category"


def test_postgres_unique_index_over_duplicates() -> None:
    text = (
        'django.db.utils.IntegrityError: could not create unique index "shop_product_sku_key"\n'
        "DETAIL:  Key (sku)=(abc) is duplicated.\n"
    )
    explanation = explain(text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["sku"]
    assert explanation.constraint is not None
    assert explanation.constraint.origin.startswith("PostgreSQL's name for a UNIQUE column")
    assert explanation.violation.values == ("abc",)
    notes = notes_text(explanation)
    assert "sku=abc is duplicated" in notes
    assert "Remove or merge the duplicates" in notes


def test_postgres_unique_index_under_djangos_hashed_name() -> None:
    name = db_names.unique_constraint_name("shop_product", ["sku"], "postgresql")
    assert name == "shop_product_sku_20049d15_uniq"  # what real Django 5.2 named it
    explanation = explain_in(
        MIGRATEPROJ,
        f'could not create unique index "{name}"\nDETAIL:  Key (sku)=(abc) is duplicated.',
    )
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert explanation.constraint is not None
    assert explanation.constraint.generated
    assert explanation.introduced is not None
    assert explanation.introduced.migration == "0002_product_sku_unique"


def test_unique_field_added_with_one_default_for_every_row() -> None:
    explanation = explain_in(
        MIGRATEPROJ,
        'could not create unique index "shop_product_code_key"\n'
        "DETAIL:  Key (code)=(abc) is duplicated.",
    )
    assert field_names(explanation) == ["code"]
    assert explanation.introduced is not None
    assert explanation.introduced.operation == "AddField"
    assert "AddField in 0006_product_code gives every existing row the same value" in (
        notes_text(explanation)
    )


def test_postgres_check_added_over_failing_rows() -> None:
    explanation = explain_in(
        MIGRATEPROJ,
        'check constraint "maker_not_blank" of relation "shop_product" is violated by some row',
    )
    assert explanation.constraint is not None
    assert explanation.constraint.name == "maker_not_blank"
    assert "fail the check 'maker_not_blank'" in notes_text(explanation)


MIGRATE_HEAD = (
    "Operations to perform:\n"
    "  Target specific migration: {name}, from shop\n"
    "Running migrations:\n"
    "  Applying shop.{name}...Traceback (most recent call last):\n"
    '  File "/venv/lib/python3.12/site-packages/django/db/backends/base/schema.py", line 204, '
    "in execute\n"
    "    cursor.execute(sql, params)\n"
)


def test_mysql_duplicate_entry_in_migrate_output_is_about_existing_rows() -> None:
    message = (
        "django.db.utils.IntegrityError: (1062, \"Duplicate entry 'abc' for key "
        "'shop_product_sku_20049d15_uniq'\")\n"
    )
    write = explain_in(MIGRATEPROJ, message)
    assert not write.existing_rows
    assert not write.notes
    text = MIGRATE_HEAD.format(name="0002_product_sku_unique") + message
    migration = explain_in(MIGRATEPROJ, text)
    assert migration.existing_rows
    assert migration.applying == ("shop", "0002_product_sku_unique")
    assert migration.model is not None
    assert migration.model.label == "shop.Product"
    assert "'abc' is duplicated" in notes_text(migration)
    assert "before shop.0002_product_sku_unique" in notes_text(migration)
    rendered = render_text(migration, MIGRATEPROJ)
    assert "Applying:    shop.0002_product_sku_unique" in rendered
    data = to_json(migration, MIGRATEPROJ)
    assert data["existing_rows"] is True
    assert data["applying_migration"] == "shop.0002_product_sku_unique"
    assert data["violation"]["existing_rows"] is False


def test_mysql_invalid_use_of_null_lists_the_fields_a_migration_made_not_null() -> None:
    """MySQL's 1138 names no table and no column: only the candidates can be told."""
    explanation = explain_in(EXAMPLES, "(1138, 'Invalid use of NULL value')")
    assert explanation.model is None
    pairs = {(model.label, field.name) for model, field in explanation.candidate_fields}
    assert pairs == {
        ("shop.Product", "category"),
        ("sales.Customer", "name"),
        ("accounts.Profile", "phone"),
    }
    assert "names neither table nor column" in notes_text(explanation)
    # migrate's output settles it: the migration being applied alters one of them.
    text = MIGRATE_HEAD.format(name="0007_alter_product_category") + (
        "django.db.utils.OperationalError: (1138, 'Invalid use of NULL value')\n"
    )
    explanation = explain_in(EXAMPLES, text)
    assert explanation.model is not None
    assert explanation.model.label == "shop.Product"
    assert field_names(explanation) == ["category"]
    assert "shop.0007_alter_product_category" in notes_text(explanation)
    # With a single such field in the project, it is that one, and the note says why.
    explanation = explain_in(MIGRATEPROJ, "(1138, 'Invalid use of NULL value')")
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert "only shop.Order.customer was made NOT NULL" in notes_text(explanation)


def test_mariadb_data_truncated_is_read_only_in_migrate_output() -> None:
    message = (
        "django.db.utils.DataError: (1265, \"Data truncated for column 'customer_id' at row 1\")\n"
    )
    index = index_for(MIGRATEPROJ)
    assert explain_text(message, index, settings=Settings()) is None
    explanation = explain_in(
        MIGRATEPROJ, MIGRATE_HEAD.format(name="0003_order_customer_not_null") + message
    )
    assert explanation.model is not None
    assert explanation.model.label == "shop.Order"
    assert field_names(explanation) == ["customer"]
    # The migration being applied is the one that made the column NOT NULL: no caveat needed.
    assert "Data truncated' when" not in notes_text(explanation)
    # Applying another migration, 1265 may mean a value that no longer fits: explain says so.
    other = explain_in(MIGRATEPROJ, MIGRATE_HEAD.format(name="0006_product_code") + message)
    assert "values do not fit" in notes_text(other)


def test_applying_another_migration_than_the_one_that_added_the_constraint() -> None:
    text = MIGRATE_HEAD.format(name="0006_product_code") + (
        "django.db.utils.IntegrityError: UNIQUE constraint failed: new__shop_product.sku\n"
    )
    explanation = explain_in(MIGRATEPROJ, text)
    notes = notes_text(explanation)
    assert "migrate was applying shop.0006_product_code" in notes
    assert "AlterField in 0002_product_sku_unique" in notes


@pytest.mark.parametrize(
    "text",
    [
        "UNIQUE constraint failed: new__shop_product.sku",
        'column "customer_id" of relation "shop_order" contains null values',
        'could not create unique index "shop_product_sku_key"\nDETAIL:  Key (sku)=(abc) is '
        "duplicated.",
    ],
)
def test_run_explain_finds_migration_failures(text: str) -> None:
    out = io.StringIO()
    assert run_explain(text, MIGRATEPROJ, "json", out) == 0
    assert json.loads(out.getvalue())["existing_rows"] is True


def test_a_nullable_char_field_left_out_is_not_filled_with_an_empty_string() -> None:
    """Django fills a left-out CharField with "" only when it is NOT NULL; null=True stays NULL."""
    explanation = explain_in(EXAMPLES, "UNIQUE constraint failed: shop_product.barcode")
    text = render_text(explanation, EXAMPLES)
    assert "leaves barcode unset" in text
    assert "filled: barcode" not in text
