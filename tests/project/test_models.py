"""Reading fields, Meta and managers from parso trees (project/models.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.project.field_calls import field_from_call
from integrity_lsp.project.meta import constraint_from_call
from integrity_lsp.project.models import ParsedClass, parse_module
from integrity_lsp.project.records import FieldRecord
from integrity_lsp.syntax.source import parse

PATH = Path("/project/shop/models.py")


def call_node(source: str) -> Any:
    """The parso node of the expression `source`."""
    tree = parse(f"x = {source}\n")
    return tree.children[0].children[0].children[2]


def field(source: str, **kwargs: Any) -> FieldRecord:
    record = field_from_call("x", call_node(source), PATH, app_label="shop", **kwargs)
    assert record is not None
    return record


def parsed_class(source: str) -> ParsedClass:
    module = parse_module(
        parse(textwrap.dedent(source).lstrip("\n")), PATH, "shop.models", is_package=False
    )
    return module.classes[-1]


def test_every_field_option_is_read() -> None:
    record = field(
        'models.CharField("Code", max_length=5, unique=True, null=True, blank=True,'
        ' primary_key=True, default=make_code, db_default=Value("x"), db_column="code_col",'
        ' unique_for_date="published", unique_for_month="m", unique_for_year="y")'
    )
    assert record.field_class == "CharField"
    assert (record.unique, record.null, record.blank, record.primary_key) == (True,) * 4
    assert record.default == "make_code"
    assert record.db_default == 'Value("x")'
    assert record.db_column == "code_col"
    assert record.column == "code_col"
    assert record.unique_for == ("published", "m", "y")
    assert record.option("max_length") == "5"
    assert [name for name, _ in record.options][:2] == ["max_length", "unique"]


def test_defaults_when_options_are_absent() -> None:
    record = field("models.IntegerField()")
    assert not (record.unique or record.null or record.blank or record.primary_key)
    assert record.default is None and record.db_default is None and record.db_column is None


def test_auto_now_flags() -> None:
    assert field("models.DateTimeField(auto_now=True)").auto_now
    assert field("models.DateTimeField(auto_now_add=True)").auto_now_add


def test_false_and_non_literal_values_are_not_true() -> None:
    assert not field("models.CharField(unique=False)").unique
    assert not field("models.CharField(unique=settings.UNIQUE)").unique


@pytest.mark.parametrize(
    ("source", "related"),
    [
        ("models.ForeignKey(Team, on_delete=models.CASCADE)", "shop.Team"),
        ('models.ForeignKey("Team", models.CASCADE)', "shop.Team"),
        ('models.ForeignKey("crm.Customer", models.CASCADE)', "crm.Customer"),
        ('models.ForeignKey("self", models.CASCADE)', "self"),
        ('models.ForeignKey(to="crm.Customer", on_delete=models.CASCADE)', "crm.Customer"),
        ("models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)", "accounts.User"),
        ("models.OneToOneField(get_user_model(), models.CASCADE)", "accounts.User"),
        ("models.ManyToManyField(Tag)", "shop.Tag"),
    ],
)
def test_related_model_is_normalised(source: str, related: str) -> None:
    record = field(
        source,
        resolve_class=lambda text: f"shop.{text}" if text in ("Team", "Tag") else None,
        auth_user_model="accounts.User",
    )
    assert record.related_model == related


def test_unresolved_class_reference_keeps_its_text() -> None:
    assert field("models.ForeignKey(other.Thing, models.CASCADE)").related_model == "other.Thing"


def test_foreign_key_attname_and_column() -> None:
    record = field("models.ForeignKey(Team, models.CASCADE)")
    assert record.is_foreign_key
    assert (record.attname, record.column) == ("x_id", "x_id")
    assert field("models.OneToOneField(Team, models.CASCADE)").is_unique


def test_custom_field_classes_are_fields_but_generic_relations_are_not() -> None:
    assert field("MoneyField(max_digits=5)").field_class == "MoneyField"
    assert field_from_call("x", call_node("GenericForeignKey()"), PATH, app_label="a") is None
    assert field_from_call("x", call_node("helper(1)"), PATH, app_label="a") is None
    assert field_from_call("x", call_node("42"), PATH, app_label="a") is None


def test_field_span_covers_the_assignment() -> None:
    cls = parsed_class(
        """
        class Product(models.Model):
            sku = models.CharField(
                max_length=5,
            )
        """
    )
    span = cls.fields[0].record.ref.span
    assert (span.start_line, span.start_column, span.end_line) == (2, 4, 4)


def test_class_body_fields_managers_and_removed_names() -> None:
    cls = parsed_class(
        """
        class Product(TimeStamped, SomeMixin):
            sku: str = models.CharField(max_length=5)
            slug = None
            objects = ProductManager()
            active = models.Manager.from_queryset(ProductQuerySet)()
            cheap = ProductQuerySet.as_manager()

            def create_thing(self): ...
        """
    )
    assert cls.bases == ("TimeStamped", "SomeMixin")
    assert [f.record.name for f in cls.fields] == ["sku"]
    assert cls.removed == frozenset({"slug"})
    managers = {m.attribute: m for m in cls.managers}
    assert managers["objects"].manager_expr == "ProductManager"
    assert managers["active"].manager_expr == "models.Manager"
    assert managers["active"].queryset_expr == "ProductQuerySet"
    assert managers["cheap"].queryset_expr == "ProductQuerySet"
    assert cls.create_methods == ("create_thing",)


def test_meta_options() -> None:
    cls = parsed_class(
        """
        class Product(models.Model):
            class Meta(Base.Meta):
                abstract = True
                proxy = False
                db_table = "catalogue_product"
                app_label = "catalogue"
        """
    )
    meta = cls.meta
    assert meta is not None
    assert meta.abstract and meta.proxy is False
    assert (meta.db_table, meta.app_label) == ("catalogue_product", "catalogue")
    assert meta.bases == ("Base.Meta",)
    assert meta.declared == {"abstract", "proxy", "db_table", "app_label"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('("team", "email")', [("team", "email")]),
        ('(("team", "email"), ("team", "slug"))', [("team", "email"), ("team", "slug")]),
        ('[["team", "email"]]', [("team", "email")]),
        ('"team", "email"', [("team", "email")]),
        ("()", []),
    ],
)
def test_unique_together_forms(value: str, expected: list[tuple[str, ...]]) -> None:
    cls = parsed_class(
        f"""
        class Member(models.Model):
            class Meta:
                unique_together = {value}
        """
    )
    assert cls.meta is not None
    records = cls.meta.unique_together
    assert [record.fields for record in records] == expected
    assert all(record.kind == "unique_together" for record in records)


def test_unique_constraint_arguments() -> None:
    node = call_node(
        'models.UniqueConstraint(fields=["team", "email"], name="uniq_team_email",'
        " condition=Q(active=True), nulls_distinct=False,"
        " deferrable=models.Deferrable.DEFERRED)"
    )
    record = constraint_from_call(node, PATH)
    assert record is not None
    assert record.kind == "unique" and record.is_unique
    assert record.fields == ("team", "email")
    assert record.name == "uniq_team_email"
    assert record.condition == "Q(active=True)"
    assert record.nulls_distinct is False
    assert record.deferrable == "DEFERRED"
    assert not record.has_expressions


def test_functional_unique_constraint() -> None:
    record = constraint_from_call(
        call_node('UniqueConstraint(Lower("email"), "team", name="uniq_lower")'), PATH
    )
    assert record is not None and record.has_expressions and record.fields == ()


@pytest.mark.parametrize("keyword", ["check", "condition"])
def test_check_constraint(keyword: str) -> None:
    record = constraint_from_call(
        call_node(f'models.CheckConstraint({keyword}=Q(price__gte=0), name="price_gte_0")'), PATH
    )
    assert record is not None
    assert (record.kind, record.name, record.condition) == (
        "check",
        "price_gte_0",
        "Q(price__gte=0)",
    )


def test_constraints_list_with_inherited_reference() -> None:
    cls = parsed_class(
        """
        class Member(Base):
            class Meta(Base.Meta):
                constraints = [
                    *Base.Meta.constraints,
                    models.UniqueConstraint(fields=["team", "email"], name="m"),
                    models.Index(fields=["email"], name="idx"),
                ]
        """
    )
    assert cls.meta is not None
    assert [c.name for c in cls.meta.constraints] == ["m"]
    assert cls.meta.constraints_extends == ("Base",)


@pytest.mark.parametrize(
    "source",
    [
        "class Product(models.Model):\n    sku = models.CharField(max_length=\n",
        "class Product(models.Model:\n    sku = models.CharField(unique=True)\n",
        "class Product(models.Model):\n    class Meta:\n        unique_together = (\n",
        "class (models.Model):\n    x = \n",
        "class Product(models.Model):\n    sku = models.CharField(**{)\n",
        "",
    ],
)
def test_half_typed_files_do_not_raise(source: str) -> None:
    module = parse_module(parse(source), PATH, "shop.models", is_package=False)
    assert isinstance(module.classes, tuple)
