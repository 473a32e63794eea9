"""What the index reads statically == what Django computes at runtime, for one test project.

The project below is test code written by this test (never an analysed user project); a
separate Python process configures Django with it (PostgreSQL engine, no connection is made,
so long table names get truncated) and prints each model's `_meta` facts as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from tests.project.conftest import write_project

pytest.importorskip("django")
pytest.importorskip("psycopg")

PROJECT = {
    "parity_settings.py": """
        INSTALLED_APPS = [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sites",
            "django.contrib.sessions",
            "core",
            "shop.apps.ShopConfig",
            "blog",
        ]
        DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x"}}
        DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
        AUTH_USER_MODEL = "core.Account"
    """,
    "core/__init__.py": "",
    "core/models.py": """
        from django.contrib.auth.models import AbstractUser
        from django.db import models


        class TimeStamped(models.Model):
            created = models.DateTimeField(auto_now_add=True)
            code = models.CharField(max_length=10, unique=True)

            class Meta:
                abstract = True
                unique_together = [("created", "code")]
                constraints = [
                    models.UniqueConstraint(
                        fields=["code", "created"], name="%(app_label)s_%(class)s_cc"
                    ),
                ]


        class Account(AbstractUser):
            email = models.EmailField(unique=True)
    """,
    "shop/__init__.py": "",
    "shop/apps.py": """
        from django.apps import AppConfig


        class ShopConfig(AppConfig):
            name = "shop"
            label = "store"
            default_auto_field = "django.db.models.AutoField"
    """,
    "shop/models/__init__.py": "from .catalog import *\nfrom .orders import *\n",
    "shop/models/catalog.py": """
        from django.conf import settings
        from django.db import models
        from django.db.models import Q
        from django.db.models.functions import Lower

        from core.models import TimeStamped


        class Team(models.Model):
            name = models.CharField(max_length=50, unique=True)


        class Product(TimeStamped):
            sku = models.CharField(max_length=20)
            team = models.ForeignKey(Team, models.CASCADE)
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)

            class Meta(TimeStamped.Meta):
                db_table = "catalogue_product"
                constraints = [
                    *TimeStamped.Meta.constraints,
                    models.UniqueConstraint(fields=["team", "sku"], name="team_sku"),
                    models.UniqueConstraint(Lower("sku"), name="lower_sku"),
                    models.UniqueConstraint(
                        fields=["sku"], condition=Q(team__isnull=False), name="partial_sku"
                    ),
                    models.CheckConstraint(condition=Q(sku__gt=""), name="sku_not_empty"),
                ]


        class Gadget(Product):
            voltage = models.IntegerField()


        class CheapProduct(Product):
            class Meta:
                proxy = True


        class Variant(TimeStamped):
            size = models.CharField(max_length=5)

            class Meta:
                ordering = ["size"]


        class Plain(TimeStamped):
            pass
    """,
    "shop/models/orders.py": """
        from django.db import models


        class Order(models.Model):
            number = models.CharField(max_length=10, primary_key=True)
            product = models.ForeignKey("Product", models.CASCADE)
            buyer = models.OneToOneField("core.Account", models.CASCADE)

            class Meta:
                unique_together = ("product", "number")


        class AVeryLongModelNameThatDjangoMustTruncateForPostgresqlTables(models.Model):
            pass
    """,
    "blog/__init__.py": "",
    "blog/models.py": """
        from django.db import models


        class Post(models.Model):
            slug = models.SlugField(unique=True)
            parent = models.ForeignKey("self", models.CASCADE, null=True)

            class Meta:
                db_table = "blog_entries"
    """,
}

DJANGO_SCRIPT = """
import json, sys
import django
from django.conf import settings
sys.path.insert(0, sys.argv[1])
import parity_settings
settings.configure(**{k: v for k, v in vars(parity_settings).items() if k.isupper()})
django.setup()
from django.apps import apps
from django.db.models import UniqueConstraint
from django.db.models.constants import LOOKUP_SEP

def unique_sets(model):
    opts = model._meta
    sets = set()
    for field in opts.local_fields:
        if field.unique:
            sets.add(frozenset([field.name]))
    for together in opts.unique_together:
        sets.add(frozenset(opts.get_field(name).name for name in together))
    for constraint in opts.constraints:
        if not isinstance(constraint, UniqueConstraint) or constraint.expressions:
            continue
        if constraint.fields and getattr(constraint.deferrable, "name", "") != "DEFERRED":
            sets.add(frozenset(constraint.fields))
    for parent in opts.parents:
        sets |= unique_sets(parent)
    return sets

out = {}
for model in apps.get_models():
    opts = model._meta
    out[opts.label] = {
        "table": opts.db_table,
        "pk": opts.pk.name,
        "pk_class": type(opts.pk).__name__,
        "fields": sorted(f.name for f in opts.get_fields() if f.concrete),
        "unique": sorted(sorted(s) for s in unique_sets(model)),
        "constraints": sorted(c.name for c in opts.constraints),
        "unique_together": sorted(sorted(t) for t in opts.unique_together),
        "parents": [p._meta.label for p in opts.get_parent_list()],
        "proxy": opts.proxy,
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def parity(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectIndex, dict[str, Any]]:
    root = tmp_path_factory.mktemp("parity")
    write_project(root, {name: textwrap.dedent(text) for name, text in PROJECT.items()})
    result = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT, str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    index = ProjectIndex.build(root, Settings(settings_module="parity_settings"))
    return index, json.loads(result.stdout)


def test_every_django_model_is_indexed(parity: tuple[ProjectIndex, dict[str, Any]]) -> None:
    index, django = parity
    for label in django:
        assert index.get_model(label) is not None, label


@pytest.mark.parametrize(
    "fact", ["table", "pk", "pk_class", "fields", "unique", "constraints", "unique_together"]
)
def test_model_facts_match_django(parity: tuple[ProjectIndex, dict[str, Any]], fact: str) -> None:
    index, django = parity
    mismatches = {}
    for label, expected in django.items():
        model = index.get_model(label)
        assert model is not None
        pk = index.pk(model)
        ours: Any = {
            "table": index.table_name(model),
            "pk": pk.name if pk else None,
            "pk_class": pk.field_class if pk else None,
            "fields": sorted(
                name
                for name, field in index.all_fields(model).items()
                if field.option("auto_created") != "True"
                or field.primary_key
                or name.endswith("_ptr")
            ),
            "unique": sorted(
                list(fields)
                for fields in {tuple(sorted(unique.fields)) for unique in index.unique_sets(model)}
            ),
            "constraints": sorted(
                c.name or "" for c in index.constraints(model) if c.kind != "unique_together"
            ),
            "unique_together": sorted(
                sorted(c.fields) for c in index.constraints(model) if c.kind == "unique_together"
            ),
        }[fact]
        if model.proxy and fact in ("constraints", "unique_together"):
            # a proxy's own _meta lists none; the index answers with the table's (concrete) ones
            expected = django[index.concrete_model(model).label]
        if ours != expected[fact]:
            mismatches[label] = (ours, expected[fact])
    assert mismatches == {}


def test_parents_and_proxies_match_django(parity: tuple[ProjectIndex, dict[str, Any]]) -> None:
    index, django = parity
    for label, expected in django.items():
        model = index.get_model(label)
        assert model is not None
        assert [parent.label for parent in index.parents(model)] == expected["parents"], label
        assert model.proxy == expected["proxy"], label
