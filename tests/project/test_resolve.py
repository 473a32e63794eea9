"""Resolver: call-site expressions -> models, instances and managers."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.checker import check_source
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.jedi_fallback import JediFallback
from integrity_lsp.project.resolve import Resolver
from integrity_lsp.project.values import ManagerTarget
from integrity_lsp.syntax.source import SourceFile
from tests.helpers import environment, write_app
from tests.project.conftest import BuildProject

PROJECT = {
    "mysite/__init__.py": "",
    "mysite/settings.py": 'AUTH_USER_MODEL = "accounts.User"\n',
    "accounts/__init__.py": "",
    "accounts/models.py": """
        from django.contrib.auth.models import AbstractUser

        class User(AbstractUser):
            pass
    """,
    "shop/__init__.py": "",
    "shop/managers.py": """
        from django.db import models

        class ProductQuerySet(models.QuerySet):
            def create_for(self, team):
                return self.create(team=team)

        class ProductManager(models.Manager):
            def create_default(self):
                return self.model.objects.create(sku="x")
    """,
    "shop/models/__init__.py": "from .catalog import Product, Team\nfrom .tags import *\n",
    "shop/models/catalog.py": """
        from django.conf import settings
        from django.db import models
        from shop.managers import ProductManager, ProductQuerySet

        class Team(models.Model):
            name = models.CharField(max_length=5, unique=True)

            @classmethod
            def make(cls):
                return cls.objects.create(name="x")

            def rename(self):
                self.__class__.objects.create(name="y")
                self.members.create(email="z")

        class Product(models.Model):
            sku = models.CharField(max_length=5, unique=True)
            team = models.ForeignKey(Team, models.CASCADE, related_name="products")
            owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)
            tags = models.ManyToManyField("Tag")
            objects = ProductManager()
            listed = ProductQuerySet.as_manager()

        class Member(models.Model):
            team = models.ForeignKey(Team, models.CASCADE, related_name="members")
            email = models.EmailField()

        class Profile(models.Model):
            team = models.OneToOneField(Team, models.CASCADE)
    """,
    "shop/models/tags.py": """
        from django.db import models

        class Tag(models.Model):
            label = models.CharField(max_length=5, unique=True)
    """,
}


class Harness:
    def __init__(self, index: ProjectIndex, root: Path) -> None:
        self.index = index
        self.root = root
        self.resolver = Resolver(index)

    def source(self, relative: str, text: str) -> SourceFile:
        path = self.root / relative
        text = textwrap.dedent(text).lstrip("\n")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return SourceFile(path, text, self.index.module_name(path))

    def node(self, source: SourceFile, marker: str, offset: int = 0) -> Any:
        """The leaf at the first occurrence of `marker` (plus `offset` characters)."""
        index = source.text.index(marker) + offset
        line = source.text.count("\n", 0, index) + 1
        column = index - (source.text.rfind("\n", 0, index) + 1)
        leaf = source.tree.get_leaf_for_position((line, column))
        if leaf.end_pos == (line, column):  # parso returns the previous leaf at a boundary
            leaf = leaf.get_next_leaf()
        return leaf

    def model(self, source: SourceFile, marker: str, offset: int = 0) -> str | None:
        found = self.resolver.resolve_model(source, self.node(source, marker, offset))
        return found.label if found else None

    def manager(self, source: SourceFile, marker: str) -> ManagerTarget | None:
        """The manager behind the `.create`-like trailer that starts at `marker`."""
        leaf = self.node(source, marker)
        assert leaf.value == ".", leaf
        return self.resolver.resolve_manager_call(source, leaf.parent)


@pytest.fixture
def harness(build: BuildProject, tmp_path: Path) -> Harness:
    return Harness(build(PROJECT), tmp_path)


def describe(target: ManagerTarget | None) -> tuple[str, str, str, tuple[str, ...]] | None:
    if target is None:
        return None
    return (target.model.label, target.manager, target.kind, target.fixed_fields)


def test_import_table(harness: Harness) -> None:
    source = harness.source(
        "shop/views.py",
        """
        import shop.models
        import shop.models as sm
        from . import models as shop_models
        from .models import Product as P
        from ..elsewhere import thing
        from .tags import *

        def view():
            from accounts.models import User
        """,
    )
    table = harness.resolver.import_table(source)
    assert table.lookup("shop") == ("shop", None)
    assert table.lookup("sm") == ("shop.models", None)
    assert table.lookup("shop_models") == ("shop", "models")
    assert table.lookup("P") == ("shop.models", "Product")
    assert table.lookup("thing") is None  # beyond the top-level package
    assert table.lookup("User") == ("accounts.models", "User")
    assert table.star_modules == ("shop.tags",)
    assert harness.resolver.import_table(source) is table  # cached per digest


def test_model_names_through_imports(harness: Harness) -> None:
    source = harness.source(
        "shop/views.py",
        """
        import shop.models
        import shop.models as sm
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from . import models as shop_models
        from .models import Product as P
        from shop.models import Tag

        User = get_user_model()

        def view(request):
            Account = get_user_model()
            P.objects.create(sku="a")
            shop_models.Product.objects.create(sku="b")
            shop.models.Team.objects.create(name="c")
            Tag.objects.create(label="d")
            Account.objects.create(username="e")
            User.objects.create(username="f")
            get_user_model().objects.create(username="g")
            sm.Team.objects.create(name="sm")
            Group.objects.create(name="h")
            Unknown.objects.create()
        """,
    )
    assert harness.model(source, "P.objects") == "shop.Product"
    assert harness.model(source, "Product.objects") == "shop.Product"
    assert harness.model(source, "Team.objects") == "shop.Team"
    assert harness.model(source, "Tag.objects") == "shop.Tag"
    assert harness.model(source, "Account.objects") == "accounts.User"
    assert harness.model(source, "User.objects") == "accounts.User"
    assert harness.model(source, "get_user_model().objects") == "accounts.User"
    assert harness.model(source, "Group.objects") == "auth.Group"
    assert harness.model(source, "sm.Team", len("sm.")) == "shop.Team"
    assert harness.model(source, "Unknown.objects") is None
    assert harness.model(source, "request") is None


def test_related_managers_and_instances(harness: Harness) -> None:
    source = harness.source(
        "shop/views.py",
        """
        from django.shortcuts import get_object_or_404
        from .models import Product, Team

        def view(request, team_id):
            team = get_object_or_404(Team, pk=team_id)
            team.members.create(email="a")
            other, created = Team.objects.get_or_create(name="x")
            other.products.create(sku="b")
            third = Team.objects.filter(name="y").first()
            third.product_set_missing.create()
            request.user.product_set.create(sku="c")
            for each in Team.objects.all():
                each.members.create(email="d")
            product = Product.objects.get(pk=1)
            product.tags.create(label="e")
            product.team.members.create(email="f")
            Team.objects.get_or_create(name="z")[0].members.create(email="g")
            Product.listed.create(sku="h")
            Product.objects.filter(team=team).create(sku="i")

        def annotated(team: Team, maybe: "Team | None", optional: Optional[Team]):
            team.members.create(email="h")
            optional.members.create(email="i")
        """,
    )
    assert describe(harness.manager(source, '.create(email="a")')) == (
        "shop.Member",
        "members",
        "related",
        ("team",),
    )
    assert describe(harness.manager(source, '.create(sku="b")')) == (
        "shop.Product",
        "products",
        "related",
        ("team",),
    )
    assert harness.manager(source, ".create()") is None
    assert describe(harness.manager(source, '.create(sku="c")')) == (
        "shop.Product",
        "product_set",
        "related",
        ("owner",),
    )
    assert describe(harness.manager(source, '.create(email="d")'))[0] == "shop.Member"  # type: ignore[index]
    tags = harness.manager(source, '.create(label="e")')
    assert describe(tags) == ("shop.Tag", "tags", "many_to_many", ())
    assert describe(harness.manager(source, '.create(email="f")'))[0] == "shop.Member"  # type: ignore[index]
    assert describe(harness.manager(source, '.create(email="g")'))[0] == "shop.Member"  # type: ignore[index]
    assert describe(harness.manager(source, '.create(sku="h")')) == (
        "shop.Product",
        "listed",
        "manager",
        (),
    )
    assert describe(harness.manager(source, '.create(sku="i")')) == (
        "shop.Product",
        "objects",
        "queryset",
        (),
    )
    assert describe(harness.manager(source, '.create(email="h")'))[2] == "related"  # type: ignore[index]
    assert describe(harness.manager(source, '.create(email="i")'))[2] == "related"  # type: ignore[index]
    team = harness.node(source, "team.members")
    found = harness.resolver.resolve_instance(source, team)
    assert found is not None and found.label == "shop.Team"


def test_self_model_cls_and_class(harness: Harness) -> None:
    managers = SourceFile(
        harness.root / "shop/managers.py",
        (harness.root / "shop/managers.py").read_text(),
        "shop.managers",
    )
    assert describe(harness.manager(managers, ".create(team=team)"))[0] == "shop.Product"  # type: ignore[index]
    assert harness.model(managers, "self.model", len("self.")) == "shop.Product"
    catalog_path = harness.root / "shop/models/catalog.py"
    catalog = SourceFile(catalog_path, catalog_path.read_text(), "shop.models.catalog")
    assert harness.model(catalog, "cls.objects") == "shop.Team"
    assert harness.model(catalog, "__class__") == "shop.Team"
    assert describe(harness.manager(catalog, '.create(email="z")'))[0] == "shop.Member"  # type: ignore[index]


def test_apps_get_model_and_type_of_instance(harness: Harness) -> None:
    source = harness.source(
        "shop/migrations/0002_data.py",
        """
        def forwards(apps, schema_editor):
            Product = apps.get_model("shop", "Product")
            Product.objects.create(sku="a")
            Tag = apps.get_model("shop.Tag")
            Tag.objects.create(label="b")
            kind = type(Tag.objects.first())
            Team = apps.get_model(app_label="shop", model_name="Team")
            Team.objects.create(name="c")
        """,
    )
    assert harness.model(source, "Product.objects") == "shop.Product"
    assert harness.model(source, "Team.objects") == "shop.Team"
    assert harness.model(source, "Tag.objects") == "shop.Tag"
    assert harness.model(source, "kind =") == "shop.Tag"


def test_jedi_fallback_for_assignments(harness: Harness) -> None:
    source = harness.source(
        "shop/views.py",
        """
        from .models import Product

        def pick():
            return Product

        Chosen = pick()
        Chosen.objects.create(sku="a")
        """,
    )
    assert harness.model(source, "Chosen.objects") == "shop.Product"
    # the answer is cached per (path, digest, position)
    assert harness.model(source, "Chosen.objects") == "shop.Product"


def test_jedi_failure_gives_none(harness: Harness, tmp_path: Path) -> None:
    resolver = Resolver(harness.index, environment_path=str(tmp_path / "no-such-python"))
    source = harness.source("shop/views.py", "Chosen = pick()\nChosen.objects.create()\n")
    leaf = harness.node(source, "Chosen.objects")
    assert resolver.resolve_model(source, leaf) is None


def test_broken_source_never_raises(harness: Harness) -> None:
    source = harness.source(
        "shop/views.py",
        """
        from .models import (Product
        def view(:
            Product.objects.create(sku=
            team = Team.objects.get(
            team.members.
        """,
    )
    for leaf_marker in ("Product.objects", "team.members", "view"):
        harness.resolver.resolve_model(source, harness.node(source, leaf_marker))
        harness.resolver.resolve_instance(source, harness.node(source, leaf_marker))


def test_jedi_is_not_asked_about_reverse_relations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pretix 2026.8.0: 1,122 jedi inferences (43 s of a 66 s check) about
    `self.order.payments.create(…)`-like calls, none of which found a model: the receiver of a
    reverse relation is an instance, never a model class. A name jedi can follow still goes
    to jedi."""
    asked: list[int] = []
    original = JediFallback.infer

    def counting(self: JediFallback, source: object, line: int, column: int, kind: str) -> object:
        asked.append(line)
        return original(self, source, line, column, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(JediFallback, "infer", counting)
    write_app(
        tmp_path,
        "teams",
        {
            "models.py": """\
                from django.db import models


                class Team(models.Model):
                    name = models.CharField(max_length=5)


                class Member(models.Model):
                    team = models.ForeignKey(Team, models.CASCADE, related_name="members")
                    email = models.EmailField(unique=True)
                """,
        },
    )
    text = textwrap.dedent(
        """\
        from teams.models import Member


        def add(holder, email):
            holder.team.members.create(email=email)
            holder.team.member_set.create(email=email)


        def pick():
            return Member


        Chosen = pick()
        Chosen.objects.create(email="x")
        """
    )
    path = tmp_path / "teams/services.py"
    path.write_text(text, encoding="utf-8")
    check_source(text, path, environment(tmp_path))
    assert asked and set(asked) == {14}


def test_swapper_loader_and_a_view_class_model(harness: Harness) -> None:
    """swapper's `load_model(app_label, model_name)` names the model registered under that
    label; `self.model` in a view is the class attribute its body assigns."""
    source = harness.source(
        "shop/views.py",
        """
        import swapper
        from swapper import load_model
        from shop.loading import load_model as own_loader

        Team = load_model("shop", "Team")
        Tag = swapper.load_model("shop", "Tag")
        Other = own_loader("shop", "Team")


        class RegisterView:
            model = Team
            count = 3

            def post(self, request):
                self.model.objects.get(name="a")
                self.count.objects.get(name="b")
                self.missing.objects.get(name="c")


        def view(self):
            self.model.objects.get(name="d")
        """,
    )

    def model(marker: str, offset: int = 0) -> str | None:
        leaf = harness.node(source, marker, offset)
        found = harness.resolver.resolve_model(source, leaf, use_jedi=False)
        return found.label if found else None

    assert model("Team =") == "shop.Team"
    assert model("Tag =") == "shop.Tag"
    assert model("Other =") is None  # a loader of that name from elsewhere: unknown
    assert model('self.model.objects.get(name="a")', len("self.")) == "shop.Team"
    assert model('self.count.objects.get(name="b")', len("self.")) is None
    assert model('self.missing.objects.get(name="c")', len("self.")) is None
    assert model('self.model.objects.get(name="d")', len("self.")) is None  # not a method
