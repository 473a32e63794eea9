"""Generated constraint names, compared with what real Django 5.2's schema editors compute."""

# mypy: disable-error-code="import-untyped", allow-subclassing-any
from __future__ import annotations

from typing import Any

import pytest
from django.db.backends.utils import truncate_name as django_truncate_name

from integrity_lsp.project import db_names
from integrity_lsp.project.db_names import Backend
from tests.explain import djangoenv

BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql", "mysql")
LONG = "a_rather_long_application_label_for_testing"
TABLES_AND_COLUMNS = [
    ("shop_product", ["sku"]),
    ("shop_membership", ["team_id", "user_id"]),
    ("shop_product", ["name", "category_id", "variant"]),
    (f"{LONG}_with_an_even_longer_model_name", ["email"]),
    ("t", ["a_column_name_that_is_itself_extremely_long_and_goes_past_sixty_four"]),
    (f"{LONG}_x" * 3, ["first_long_column_name", "second_long_column_name"]),
    ('"myschema"."shop_product"', ["sku"]),
    ("_underscored", ["a" * 70]),
    ("9starts_with_digit" + "x" * 60, ["c"]),
]
SUFFIXES = ["", "_uniq", "_check", "_fk_shop_customer_id", "_fk_" + "z" * 40 + "_id", "_like"]


def _editor(backend: Backend) -> Any:
    return djangoenv.connection(backend).schema_editor()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("table", "columns"), TABLES_AND_COLUMNS)
@pytest.mark.parametrize("suffix", SUFFIXES)
def test_create_index_name_matches_django(
    backend: Backend, table: str, columns: list[str], suffix: str
) -> None:
    expected = _editor(backend)._create_index_name(table, columns, suffix=suffix)
    assert db_names.create_index_name(table, columns, suffix, backend) == expected


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("table", "columns"), TABLES_AND_COLUMNS)
def test_unique_together_name_matches_django(
    backend: Backend, table: str, columns: list[str]
) -> None:
    expected = str(_editor(backend)._unique_constraint_name(table, columns, quote=False))
    assert db_names.unique_constraint_name(table, columns, backend) == expected


@pytest.mark.parametrize("length", [None, 30, 63, 64])
@pytest.mark.parametrize(
    "identifier", ["shop_product", LONG * 2, f'"schema"."{LONG * 2}"', "x" * 64, "x" * 63]
)
def test_truncate_name_matches_django(identifier: str, length: int | None) -> None:
    assert db_names.truncate_name(identifier, length) == django_truncate_name(identifier, length)


def _models() -> dict[str, Any]:
    djangoenv.setup()
    from django.apps import apps
    from django.db import models

    app = "explain_names"
    registered = apps.all_models[app]
    if "order" in registered:
        return dict(registered)

    class Customer(models.Model):
        class Meta:
            app_label = app

    class LongParent(models.Model):
        code = models.CharField(max_length=10, unique=True)

        class Meta:
            app_label = app
            db_table = f"{LONG}_parent_with_a_table_name_that_is_long"

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
        buyer = models.ForeignKey(
            Customer, on_delete=models.CASCADE, db_column="buyer_ref", related_name="+"
        )
        parent = models.ForeignKey(
            LongParent, on_delete=models.CASCADE, to_field="code", related_name="+"
        )
        very_long_foreign_key_attribute_name_for_the_purpose = models.OneToOneField(
            LongParent, on_delete=models.CASCADE, related_name="+"
        )

        class Meta:
            app_label = app

    class LongChild(models.Model):
        parent_of_this_rather_long_child = models.ForeignKey(LongParent, on_delete=models.CASCADE)

        class Meta:
            app_label = app
            db_table = f"{LONG}_child_table_whose_name_is_long_too"

    return {"customer": Customer, "longparent": LongParent, "order": Order, "longchild": LongChild}


@pytest.mark.parametrize("backend", BACKENDS)
def test_foreign_key_names_match_django(backend: Backend) -> None:
    editor = _editor(backend)
    checked = 0
    for model in _models().values():
        for field in model._meta.local_fields:
            if field.remote_field is None:
                continue
            expected = str(
                editor._fk_constraint_name(model, field, db_names.FK_SUFFIX_TEMPLATE)
            ).strip('"`')
            target = field.target_field
            computed = db_names.foreign_key_name(
                model._meta.db_table,
                field.column,
                target.model._meta.db_table,
                target.column,
                backend,
            )
            assert computed == expected, (model, field)
            checked += 1
    assert checked == 5


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_name_for_added_column_check_matches_django(backend: Backend) -> None:
    editor = _editor(backend)
    for table, columns in TABLES_AND_COLUMNS:
        expected = editor._create_index_name(table, [columns[0]], suffix="_check")
        assert db_names.check_constraint_name(table, columns[0], backend) == expected


def test_postgres_object_names() -> None:
    assert db_names.postgres_unique_key_name("shop_product", "sku") == "shop_product_sku_key"
    assert db_names.postgres_primary_key_name("shop_product") == "shop_product_pkey"
    assert db_names.postgres_check_name("shop_product", "stock") == "shop_product_stock_check"
    # makeObjectName cuts the longer of the two names first, to 63 bytes in all.
    long_table = "t" * 60
    name = db_names.postgres_unique_key_name(long_table, "sku")
    assert name == "t" * 55 + "_sku_key"
    assert len(name) == 63
    both_long = db_names.postgres_unique_key_name("a" * 40, "b" * 40)
    assert both_long == "a" * 29 + "_" + "b" * 29 + "_key"
    # Multi-byte characters are never split.
    assert (
        db_names.postgres_unique_key_name("é" * 40, "c").encode() == ("é" * 28).encode() + b"_c_key"
    )
