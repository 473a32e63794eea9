"""What a model is, decided by resolving bases through the project and the installed packages of
the project's interpreter (read statically from a virtual environment's site-packages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.libraries import interpreter_site_packages
from integrity_lsp.project.records import ModelRecord
from tests.project.conftest import BuildProject, write_project

SITE = "lib/python3.12/site-packages"

PACKAGES = {
    # pydantic 2 re-exports BaseModel lazily; an older one defines it in main.py
    f"{SITE}/pydantic/__init__.py": "from .main import BaseModel\n",
    f"{SITE}/pydantic/main.py": "class BaseModel(metaclass=type):\n    pass\n",
    f"{SITE}/rest_framework/__init__.py": "",
    f"{SITE}/rest_framework/mixins.py": """
        class CreateModelMixin:
            def perform_create(self, serializer): ...

        class DestroyModelMixin:
            pass
    """,
    f"{SITE}/rest_framework/viewsets.py": """
        from rest_framework import mixins

        class GenericViewSet:
            pass

        class ModelViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, GenericViewSet):
            pass
    """,
    f"{SITE}/treelib/__init__.py": "",
    f"{SITE}/treelib/models.py": """
        from django.db import models

        class TreeModelBase(models.base.ModelBase):
            pass  # adds lft, rght, tree_id and level to every subclass

        class TreeModel(models.Model, metaclass=TreeModelBase):
            class Meta:
                abstract = True
    """,
    f"{SITE}/treelib/fields.py": """
        from django.db import models

        class TreeForeignKey(models.ForeignKey):
            pass
    """,
    f"{SITE}/retrying/__init__.py": """
        from django.db import IntegrityError, models

        class ConcurrencyManager(models.Manager):
            def get_or_create(self, **kwargs):
                try:
                    return super().get_or_create(**kwargs)
                except IntegrityError:
                    return self.get(**kwargs)
    """,
    f"{SITE}/stamps/__init__.py": "",
    f"{SITE}/stamps/apps.py": """
        from django.apps import AppConfig

        class StampsConfig(AppConfig):
            name = "stamps"
            label = "stamps_core"
    """,
    f"{SITE}/stamps/models/__init__.py": "from .base import TimeStampedModel\n",
    f"{SITE}/stamps/mixins.py": """
        from django.db import models
        from stamps.models import TimeStampedModel

        class ShareableMixin(TimeStampedModel):
            shared = models.BooleanField(default=False)

            class Meta:
                abstract = True
    """,
    f"{SITE}/stamps/models/base.py": """
        from django.db import models

        class TimeStampedModel(models.Model):
            created = models.DateTimeField(auto_now_add=True)
            modified = models.DateTimeField(auto_now=True)

            class Meta:
                abstract = True

        class Tag(models.Model):
            name = models.CharField(max_length=50, unique=True)
    """,
    f"{SITE}/orgs/__init__.py": "",
    f"{SITE}/orgs/mixins.py": """
        from django.db import models

        class OrgMixin(models.Model):
            organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE)

            class Meta:
                abstract = True
    """,
    f"{SITE}/orgs/models.py": """
        from django.db import models
        from orgs.base import MemberBase, Shared

        def with_metaclass(meta, *bases):
            return meta("temporary_class", bases, {})

        class Organization(models.Model):
            name = models.CharField(max_length=50, unique=True)

        class AbstractMember(with_metaclass(type, MemberBase)):
            class Meta:
                abstract = True

        class Member(Shared, AbstractMember):
            pass
    """,
    f"{SITE}/orgs/base.py": """
        from django.db import models

        class Shared(models.Model):
            class Meta:
                abstract = True

        class MemberBase(models.Model):
            class Meta:
                abstract = True
                unique_together = ("user", "organization")
    """,
}

PROJECT = {
    "shop/__init__.py": "",
    "shop/models.py": """
        from django.db import models
        from pydantic import BaseModel
        from stamps.models import TimeStampedModel
        from missing_package.models import SoftDeleteModel
        from treelib.models import TreeModel
        from treelib.fields import TreeForeignKey
        from shop.sharing import ShareableUniqueName

        class Share(ShareableUniqueName):
            label = models.CharField(max_length=5)
        from retrying import ConcurrencyManager

        class ReviewManager(ConcurrencyManager):
            pass

        class LockingManager(models.Manager):
            def get_or_create(self, **kwargs):
                ...

        class Payload(BaseModel):
            name: str

        class Order(TimeStampedModel):
            number = models.CharField(max_length=20, unique=True)

        class Archived(SoftDeleteModel):
            name = models.CharField(max_length=20)

        class Category(TreeModel):
            name = models.CharField(max_length=20)
            parent = TreeForeignKey("self", null=True, on_delete=models.CASCADE)

        class Review(models.Model):
            objects = ReviewManager()
            locked = LockingManager()
    """,
    "shop/teams/__init__.py": "",
    "shop/teams/models.py": """
        from django.db import models
        from orgs.mixins import OrgMixin

        class Team(OrgMixin):
            name = models.CharField(max_length=20)
    """,
    "shop/sharing.py": """
        from stamps.mixins import ShareableMixin

        class ShareableUniqueName(ShareableMixin):
            class Meta:
                abstract = True
    """,
    "shop/views.py": """
        from rest_framework import viewsets
        from rest_framework.mixins import DestroyModelMixin

        class OrderViewSet(DestroyModelMixin, viewsets.ModelViewSet):
            pass
    """,
}


@pytest.fixture
def venv_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ProjectIndex:
    venv = tmp_path / "env-of-project"
    write_project(venv, {"pyvenv.cfg": "home = /usr/bin\n", **PACKAGES})
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    root = write_project(tmp_path / "project", PROJECT)
    from integrity_lsp.config import Settings

    return ProjectIndex.build(root, Settings())


def _model(index: ProjectIndex, name: str) -> ModelRecord | None:
    return next((model for model in index.models() if model.name == name), None)


def test_site_packages_of_the_virtual_environment(tmp_path: Path) -> None:
    venv = write_project(tmp_path / "v", {"pyvenv.cfg": "", f"{SITE}/x.py": ""})
    assert interpreter_site_packages(tmp_path, {"VIRTUAL_ENV": str(venv)}) == (venv / SITE,)
    local = write_project(tmp_path / "root", {".venv/pyvenv.cfg": "", f".venv/{SITE}/y.py": ""})
    assert interpreter_site_packages(local, {}) == (local / ".venv" / SITE,)


def test_installed_non_models_with_model_in_their_names_are_not_models(
    venv_project: ProjectIndex,
) -> None:
    assert _model(venv_project, "Payload") is None  # pydantic
    assert _model(venv_project, "OrderViewSet") is None  # DRF mixins and viewsets


def test_fields_of_an_installed_abstract_base(venv_project: ProjectIndex) -> None:
    order = _model(venv_project, "Order")
    assert order is not None and venv_project.fields_known(order)
    assert {"id", "created", "modified", "number"} <= set(venv_project.all_fields(order))


def test_installed_models_have_their_apps_label_and_are_not_the_projects(
    venv_project: ProjectIndex,
) -> None:
    tag = venv_project.get_model("stamps_core.Tag")
    assert tag is not None and venv_project.is_builtin(tag)
    assert tag not in [
        model for model in venv_project.models() if not venv_project.is_builtin(model)
    ]


def test_the_models_of_an_installed_app_the_project_inherits_from(
    venv_project: ProjectIndex,
) -> None:
    """`load_model("orgs", "Organization")` names a model of the package whose mixin a project
    model inherits: that package's models module is read too."""
    organization = venv_project.get_model("orgs.Organization")
    assert organization is not None and venv_project.is_builtin(organization)
    assert venv_project.fields_known(organization)


def test_a_base_computed_by_a_call_leaves_the_fields_unknown(venv_project: ProjectIndex) -> None:
    member = venv_project.get_model("orgs.Member")
    assert member is not None and not venv_project.fields_known(member)


def test_a_base_from_a_package_that_is_not_installed_leaves_the_fields_unknown(
    venv_project: ProjectIndex,
) -> None:
    archived = _model(venv_project, "Archived")
    assert archived is not None  # by its base's name, as before
    assert not venv_project.fields_known(archived)


def test_without_packages_known_non_django_names_are_not_models(
    build: BuildProject, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "nowhere"))
    monkeypatch.setattr("sys.path", [])
    index = build(
        {
            "app/__init__.py": "",
            "app/models.py": """
                from django.db import models
                from pydantic import BaseModel
                from rest_framework.mixins import CreateModelMixin
                from rest_framework.permissions import DjangoModelPermissions
                from djcelery_beat_like.schedulers import ModelEntry

                class Schema(BaseModel):
                    pass

                class Creator(CreateModelMixin):
                    pass

                class Perms(DjangoModelPermissions):
                    pass

                class Entry(ModelEntry):
                    pass

                class Real(models.Model):
                    name = models.CharField(max_length=5)
            """,
        }
    )
    names = {model.name for model in index.models() if not index.is_builtin(model)}
    assert names == {"Real"}
    real = _model(index, "Real")
    assert real is not None and index.fields_known(real)


def test_modules_imported_from_the_folder_of_manage_py(build: BuildProject) -> None:
    index = build(
        {
            "src/__init__.py": "",
            "src/manage.py": "",
            "src/fsm/__init__.py": "",
            "src/fsm/base.py": """
                from pydantic import BaseModel

                class BaseTransition(BaseModel):
                    pass
            """,
            "src/fsm/models.py": """
                from fsm.base import BaseTransition

                class ModelChangeTransition(BaseTransition):
                    pass
            """,
        }
    )
    assert _model(index, "ModelChangeTransition") is None


def test_an_installed_base_with_a_metaclass_of_its_own_leaves_the_fields_unknown(
    venv_project: ProjectIndex,
) -> None:
    category = _model(venv_project, "Category")
    assert category is not None and not venv_project.fields_known(category)


def test_composite_money_fields(build: BuildProject) -> None:
    index = build(
        {
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.db import models
                from djmoney.models.fields import MoneyField
                from django_prices.models import MoneyField as PricesMoneyField

                class Product(models.Model):
                    price = MoneyField(max_digits=10, decimal_places=2, default_currency="EUR")
                    cost = MoneyField(
                        max_digits=10, decimal_places=2, currency_field_name="cost_in"
                    )

                class Variant(models.Model):
                    currency = models.CharField(max_length=3)
                    price_amount = models.DecimalField(max_digits=10, decimal_places=2)
                    price = PricesMoneyField(amount_field="price_amount", currency_field="currency")
            """,
        }
    )
    product, variant = index.get_model("shop.Product"), index.get_model("shop.Variant")
    assert product is not None and variant is not None
    assert set(index.local_fields(product)) == {"id", "price", "price_currency", "cost", "cost_in"}
    assert set(index.local_fields(variant)) == {"id", "currency", "price_amount"}


def test_a_project_metaclass_that_adds_fields_leaves_them_unknown(build: BuildProject) -> None:
    """A metaclass of the models module whose `__new__` writes fields into the class attributes
    (one per option type of a setting) makes columns no class body declares; one that only
    passes the attributes on (or is Django's `ModelBase`) changes nothing."""
    index = build(
        {
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.conf import settings
                from django.db import models
                from django.db.models.base import ModelBase

                class OptionsMetaclass(ModelBase):
                    def __new__(cls, name, bases, attrs, **kwargs):
                        for option in settings.OPTION_TYPES:
                            attrs["option%s" % option[0]] = models.CharField(max_length=50)
                        return super().__new__(cls, name, bases, attrs, **kwargs)

                class CheckingMetaclass(ModelBase):
                    def __new__(cls, name, bases, attrs, **kwargs):
                        if attrs.get("secret") == 1:
                            raise TypeError(name)
                        return super().__new__(cls, name, bases, attrs, **kwargs)

                class Variation(models.Model, metaclass=OptionsMetaclass):
                    sku = models.CharField(max_length=20)

                class Checked(models.Model, metaclass=CheckingMetaclass):
                    sku = models.CharField(max_length=20)
            """,
        }
    )
    variation, checked = _model(index, "Variation"), _model(index, "Checked")
    assert variation is not None and not index.fields_known(variation)
    assert checked is not None and index.fields_known(checked)


def test_a_projects_own_money_field_is_one_column(build: BuildProject) -> None:
    """A project's `MoneyField` deriving from Django's DecimalField (no currency of its own) is
    not django-money's: it adds no `<name>_currency` column."""
    index = build(
        {
            "shop/__init__.py": "",
            "shop/fields.py": """
                from django.db import models

                class MoneyField(models.DecimalField):
                    def __init__(self, *args, **kwargs):
                        defaults = {"null": True, "max_digits": 10, "decimal_places": 2}
                        defaults.update(kwargs)
                        super().__init__(*args, **defaults)
            """,
            "shop/models.py": """
                from django.db import models
                from shop import fields

                class Order(models.Model):
                    total = fields.MoneyField("Total")
            """,
        }
    )
    order = index.get_model("shop.Order")
    assert order is not None
    columns = index.local_fields(order)
    assert set(columns) == {"id", "total"}
    assert columns["total"].null is True


def test_only_the_projects_own_get_or_create_override_counts(venv_project: ProjectIndex) -> None:
    review = _model(venv_project, "Review")
    assert review is not None
    overrides = {m.attribute: m.overrides for m in venv_project.managers(review)}
    assert overrides == {"objects": (), "locked": ("get_or_create",)}


def test_a_base_in_a_project_file_the_pre_scan_passed_over(venv_project: ProjectIndex) -> None:
    """openwisp: `ShareableOrgMixinUniqueName(ShareableOrgMixin)` lives in base.py, whose class
    names say nothing of models; its base is an installed abstract model with fields."""
    org = _model(venv_project, "Share")
    assert org is not None and venv_project.fields_known(org)
    assert {"id", "created", "modified", "shared", "label"} <= set(venv_project.all_fields(org))


def test_an_installed_field_class_named_otherwise_is_the_field_it_derives_from(
    venv_project: ProjectIndex,
) -> None:
    """treelib's `TreeForeignKey(models.ForeignKey)`: its name does not end in "Field"; read
    from the installed module (through that module's own imports), it is a foreign key."""
    category = _model(venv_project, "Category")
    assert category is not None
    parent = venv_project.field(category, "parent")
    assert parent is not None
    assert (parent.known_class, parent.attname, parent.is_foreign_key) == (
        "ForeignKey",
        "parent_id",
        True,
    )


def test_the_models_of_every_installed_app_in_installed_apps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django imports the models module of each INSTALLED_APPS entry: a project module may use
    an installed app's model (`from tokens.authtoken.models import Token`) that no project
    model inherits from or points at. An AppConfig path names its package."""
    from integrity_lsp.config import Settings

    venv = tmp_path / "env-of-project"
    write_project(
        venv,
        {
            "pyvenv.cfg": "home = /usr/bin\n",
            f"{SITE}/tokens/__init__.py": "",
            f"{SITE}/tokens/authtoken/__init__.py": "",
            f"{SITE}/tokens/authtoken/models.py": """
                from django.conf import settings
                from django.db import models

                class Token(models.Model):
                    key = models.CharField(max_length=40, primary_key=True)
                    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            """,
            f"{SITE}/badges/__init__.py": "",
            f"{SITE}/badges/apps.py": "",
            f"{SITE}/badges/models.py": """
                from django.db import models

                class Badge(models.Model):
                    name = models.CharField(max_length=40, unique=True)
            """,
            f"{SITE}/unlisted/__init__.py": "",
            f"{SITE}/unlisted/models.py": """
                from django.db import models

                class Hidden(models.Model):
                    name = models.CharField(max_length=40, unique=True)
            """,
        },
    )
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    root = write_project(
        tmp_path / "project",
        {
            "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.settings")\n',
            "site_conf/__init__.py": "",
            "site_conf/settings.py": """
                INSTALLED_APPS = [
                    "django.contrib.auth",
                    "tokens.authtoken",
                    "badges.apps.BadgesConfig",
                    "shop",
                ]
            """,
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.db import models

                class Order(models.Model):
                    number = models.CharField(max_length=20, unique=True)
            """,
        },
    )
    index = ProjectIndex.build(root, Settings())
    token = index.get_model("authtoken.Token")
    assert token is not None and index.is_builtin(token) and index.fields_known(token)
    assert index.get_model("badges.Badge") is not None
    assert index.get_model("unlisted.Hidden") is None  # not an installed app: not read


def test_an_installed_app_labelled_by_its_default_app_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An installed app whose `__init__.py` defines its config and names it as
    `default_app_config` (shuup's apps, installed) has that config's label; one naming no class
    of its own package keeps the package's name."""
    from integrity_lsp.config import Settings

    venv = tmp_path / "env-of-project"
    config = """
        from django.apps import AppConfig

        class CouponsConfig(AppConfig):
            name = "coupons"
            label = "shop_coupons"

        default_app_config = "coupons.CouponsConfig"
    """
    model = """
        from django.db import models

        class Coupon(models.Model):
            code = models.CharField(max_length=40, unique=True)
    """
    write_project(
        venv,
        {
            "pyvenv.cfg": "home = /usr/bin\n",
            f"{SITE}/coupons/__init__.py": config,
            f"{SITE}/coupons/models.py": model,
            f"{SITE}/vouchers/__init__.py": 'default_app_config = "elsewhere.VouchersConfig"\n',
            f"{SITE}/vouchers/models.py": model,
        },
    )
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    root = write_project(
        tmp_path / "project",
        {
            "manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_conf.settings")\n',
            "site_conf/__init__.py": "",
            "site_conf/settings.py": 'INSTALLED_APPS = ["coupons", "vouchers", "shop"]\n',
            "shop/__init__.py": "",
            "shop/models.py": "",
        },
    )
    index = ProjectIndex.build(root, Settings())
    coupon = index.get_model("shop_coupons.Coupon")
    assert coupon is not None and index.is_builtin(coupon)
    assert index.get_model("coupons.Coupon") is None
    assert index.get_model("vouchers.Coupon") is not None
