"""ProjectIndex queries: fields, Meta inheritance, tables, unique sets, built-ins."""

from __future__ import annotations

from integrity_lsp.project.index import ProjectIndex, truncate_name
from integrity_lsp.project.records import ModelRecord
from tests.project.conftest import BuildProject

APP = {"shop/__init__.py": "", "core/__init__.py": ""}


def model(index: ProjectIndex, label: str) -> ModelRecord:
    found = index.get_model(label)
    assert found is not None, label
    return found


def unique_fields(index: ProjectIndex, label: str) -> set[frozenset[str]]:
    return {unique.fields for unique in index.unique_sets(model(index, label))}


def test_abstract_base_in_another_module_gives_fields_and_constraints(
    build: BuildProject,
) -> None:
    index = build(
        {
            **APP,
            "core/models.py": """
                from django.db import models

                class TimeStamped(models.Model):
                    created = models.DateTimeField(auto_now_add=True)
                    code = models.CharField(max_length=10, unique=True)
                    note = models.TextField()

                    class Meta:
                        abstract = True
                        constraints = [
                            models.UniqueConstraint(
                                fields=["created", "code"], name="%(app_label)s_%(class)s_cc"
                            ),
                        ]
            """,
            "shop/models.py": """
                from core.models import TimeStamped as Base

                class Product(Base):
                    sku = models.CharField(max_length=5)
                    note = None

                class Variant(Base):
                    class Meta:
                        ordering = ["created"]

                class Extended(Base):
                    class Meta(Base.Meta):
                        db_table = "extended"
            """,
        }
    )
    product = model(index, "shop.Product")
    assert list(index.all_fields(product)) == ["id", "sku", "created", "code"]
    assert index.field(product, "code") is not None
    assert index.field(product, "note") is None  # removed with `note = None`
    # no own Meta: the abstract parent's Meta (and its constraints) are inherited
    assert [c.name for c in index.constraints(product)] == ["shop_product_cc"]
    assert frozenset({"created", "code"}) in unique_fields(index, "shop.Product")
    assert frozenset({"code"}) in unique_fields(index, "shop.Product")
    # own Meta not subclassing the parent's: no inherited constraints
    assert index.constraints(model(index, "shop.Variant")) == ()
    # Meta(Base.Meta): inherited, names formatted for the child
    extended = model(index, "shop.Extended")
    assert [c.name for c in index.constraints(extended)] == ["shop_extended_cc"]
    assert index.table_name(extended) == "extended"
    abstract = model(index, "core.TimeStamped")
    assert abstract.abstract
    assert "id" not in index.all_fields(abstract)


def test_constraints_extend_parent_meta_list(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models

                class Base(models.Model):
                    team = models.IntegerField()
                    email = models.CharField(max_length=5)
                    class Meta:
                        abstract = True
                        unique_together = [("team", "email")]
                        constraints = [models.CheckConstraint(check=Q(team__gte=0), name="pos")]

                class Member(Base):
                    class Meta:
                        constraints = [
                            *Base.Meta.constraints,
                            models.UniqueConstraint(fields=["email"], name="one_email"),
                        ]
            """,
        }
    )
    member = model(index, "shop.Member")
    assert [(c.kind, c.name) for c in index.constraints(member)] == [
        ("check", "pos"),
        ("unique", "one_email"),
    ]
    # own Meta without unique_together and not subclassing Base.Meta: not inherited
    assert frozenset({"team", "email"}) not in unique_fields(index, "shop.Member")


def test_multi_table_inheritance(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models

                class Place(models.Model):
                    slug = models.SlugField(unique=True)
                    name = models.CharField(max_length=5)

                class Restaurant(Place):
                    serves_pizza = models.BooleanField(default=False)

                class Bar(Place):
                    place = models.OneToOneField(Place, models.CASCADE, parent_link=True)
            """,
        }
    )
    restaurant = model(index, "shop.Restaurant")
    fields = index.all_fields(restaurant)
    assert list(fields)[:2] == ["serves_pizza", "place_ptr"]
    assert {"id", "slug", "name"} <= set(fields)
    pk = index.pk(restaurant)
    assert pk is not None and pk.name == "place_ptr" and pk.related_model == "shop.Place"
    assert index.field(restaurant, "pk") == pk
    assert index.field(restaurant, "place_ptr_id") == pk
    sets = unique_fields(index, "shop.Restaurant")
    assert frozenset({"slug"}) in sets  # the parent's unique field covers the child
    assert frozenset({"place_ptr"}) in sets
    assert [parent.label for parent in index.parents(restaurant)] == ["shop.Place"]
    bar = model(index, "shop.Bar")
    assert "place_ptr" not in index.all_fields(bar)
    assert index.pk(bar) is not None and index.pk(bar).name == "place"  # type: ignore[union-attr]
    assert index.table_name(restaurant) == "shop_restaurant"


def test_proxy_uses_the_concrete_table_and_fields(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models

                class Product(models.Model):
                    sku = models.CharField(max_length=5, unique=True)
                    class Meta:
                        db_table = "catalogue"

                class Cheap(Product):
                    class Meta:
                        proxy = True

                class VeryCheap(Cheap):
                    class Meta:
                        proxy = True
            """,
        }
    )
    cheap = model(index, "shop.VeryCheap")
    assert cheap.proxy
    assert index.concrete_model(cheap).label == "shop.Product"
    assert index.table_name(cheap) == "catalogue"
    assert index.model_for_table("catalogue") == model(index, "shop.Product")
    assert set(index.all_fields(cheap)) == {"id", "sku"}
    assert frozenset({"sku"}) in unique_fields(index, "shop.VeryCheap")


def test_table_names(build: BuildProject) -> None:
    index = build(
        {
            "shop/__init__.py": "",
            "shop/apps.py": (
                "from django.apps import AppConfig\n"
                "class C(AppConfig):\n    name = 'shop'\n    label = 'store'\n"
            ),
            "shop/models.py": """
                from django.db import models

                class OrderLine(models.Model):
                    pass

                class Legacy(models.Model):
                    class Meta:
                        db_table = "legacy_rows"
                        app_label = "other"
            """,
        }
    )
    assert index.table_name(model(index, "store.OrderLine")) == "store_orderline"
    assert index.table_name(model(index, "other.Legacy")) == "legacy_rows"
    assert index.model_for_table("store_orderline") == model(index, "store.OrderLine")
    assert index.model_for_table("STORE_ORDERLINE") == model(index, "store.OrderLine")


def test_long_table_names_are_truncated_like_django_on_postgresql(build: BuildProject) -> None:
    from django.db.backends.utils import (  # type: ignore[import-untyped]
        truncate_name as django_truncate,
    )

    name = "a" * 40
    index = build(
        {
            "settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n',
            "shop/__init__.py": "",
            "shop/models.py": f"from django.db import models\nclass {name}(models.Model): ...\n",
        }
    )
    expected = django_truncate(f"shop_{name}", 63)
    assert index.table_name(model(index, f"shop.{name}")) == expected
    assert truncate_name(f"shop_{name}", 63) == expected
    assert truncate_name("short", 63) == "short"


def test_unique_sets_inclusions_and_exclusions(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models
                from django.db.models import Deferrable, Q
                from django.db.models.functions import Lower

                NICK = Lower("nick")

                class Member(models.Model):
                    code = models.CharField(max_length=5, primary_key=True)
                    email = models.EmailField(unique=True)
                    user = models.OneToOneField("auth.User", models.CASCADE)
                    team = models.ForeignKey("Team", models.CASCADE)
                    nick = models.CharField(max_length=5)
                    day = models.DateField(unique_for_date="published")
                    tags = models.ManyToManyField("Tag")

                    class Meta:
                        unique_together = ("team_id", "nick")
                        constraints = [
                            models.UniqueConstraint(
                                fields=["team", "email"], name="active_email",
                                condition=Q(active=True), nulls_distinct=False,
                            ),
                            models.UniqueConstraint(Lower("nick"), name="lower_nick"),
                            models.UniqueConstraint(NICK, "team", name="opaque"),
                            models.UniqueConstraint(Lower("nick"), "missing", name="unknown"),
                            models.UniqueConstraint(
                                fields=["nick"], name="deferred", deferrable=Deferrable.DEFERRED
                            ),
                            models.UniqueConstraint(
                                fields=["nick"], name="immediate",
                                deferrable=Deferrable.IMMEDIATE,
                            ),
                        ]
            """,
        }
    )
    member = model(index, "shop.Member")
    sets = {unique.description: unique for unique in index.unique_sets(member)}
    assert set(sets) == {
        "primary key code",
        "unique=True on email",
        "OneToOneField user",
        "unique_together (team_id, nick)",
        "UniqueConstraint 'active_email'",
        "UniqueConstraint 'lower_nick'",
        "UniqueConstraint 'immediate'",
    }
    assert sets["unique_together (team_id, nick)"].fields == {"team", "nick"}
    # a functional constraint: the fields its expressions read (not one read through a name,
    # nor one naming something that is no field)
    assert sets["UniqueConstraint 'lower_nick'"].fields == {"nick"}
    assert sets["UniqueConstraint 'lower_nick'"].functional
    assert not sets["UniqueConstraint 'immediate'"].functional
    partial = sets["UniqueConstraint 'active_email'"]
    assert partial.condition == "Q(active=True)" and partial.nulls_distinct is False
    assert partial.constraint_name == "active_email"
    assert sets["primary key code"].nulls_distinct
    assert "id" not in index.all_fields(member)
    assert index.pk(member) == member.own_field("code")


def test_field_lookup_by_name_attname_and_pk(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models

                class Team(models.Model):
                    name = models.CharField(max_length=5)

                class Member(models.Model):
                    team = models.ForeignKey(Team, models.CASCADE, db_column="team_ref")
            """,
        }
    )
    member = model(index, "shop.Member")
    team_field = index.field(member, "team")
    assert team_field is not None
    assert index.field(member, "team_id") is team_field
    assert team_field.column == "team_ref"
    assert team_field.related_model == "shop.Team"
    assert index.related_model(member, team_field) == model(index, "shop.Team")
    assert index.field(member, "pk") == index.field(member, "id")
    assert index.field(member, "nothing") is None
    assert index.reverse_relations(model(index, "shop.Team"))["member_set"] == (
        member,
        team_field,
    )


def test_default_auto_field_from_settings(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "settings.py": 'DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"\n',
            "shop/models.py": "from django.db import models\nclass A(models.Model):\n    pass\n",
        }
    )
    pk = index.pk(model(index, "shop.A"))
    assert pk is not None and pk.field_class == "BigAutoField" and pk.name == "id"


def test_managers_and_create_methods(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/managers.py": """
                from django.db import models

                class ProductQuerySet(models.QuerySet):
                    def create_from_feed(self, row): ...

                class BaseProductManager(models.Manager):
                    def create_default(self): ...

                class ProductManager(BaseProductManager):
                    def create_bundle(self): ...
            """,
            "shop/models.py": """
                from django.db import models
                from .managers import ProductManager, ProductQuerySet

                class Product(models.Model):
                    objects = ProductManager()
                    feed = models.Manager.from_queryset(ProductQuerySet)()
                    cheap = ProductQuerySet.as_manager()
                    helper = SomethingElse()

                class Plain(models.Model):
                    pass
            """,
        }
    )
    product = model(index, "shop.Product")
    managers = {manager.attribute: manager for manager in product.managers}
    assert set(managers) == {"objects", "feed", "cheap"}
    assert managers["objects"].manager_class == "ProductManager"
    assert managers["objects"].create_methods == ("create_bundle", "create_default")
    assert managers["feed"].create_methods == ("create_from_feed",)
    assert managers["cheap"].create_methods == ("create_from_feed",)
    plain = index.managers(model(index, "shop.Plain"))
    assert [(m.attribute, m.manager_class) for m in plain] == [("objects", "Manager")]
    using = index.models_using("shop.managers", "ProductQuerySet")
    assert [m.label for m in using] == ["shop.Product"]


def test_builtin_models_without_django_sources(build: BuildProject) -> None:
    index = build({**APP, "shop/models.py": "x = 1\n"})
    user = model(index, "auth.User")
    assert index.is_builtin(user)
    assert index.table_name(user) == "auth_user"
    assert frozenset({"username"}) in unique_fields(index, "auth.User")
    assert {"password", "last_login", "email", "is_superuser", "date_joined"} <= set(
        index.all_fields(user)
    )
    managers = {m.attribute: m for m in index.managers(user)}
    assert managers["objects"].create_methods == ("create_user", "create_superuser")
    assert frozenset({"name"}) in unique_fields(index, "auth.Group")
    assert frozenset({"content_type", "codename"}) in unique_fields(index, "auth.Permission")
    assert frozenset({"app_label", "model"}) in unique_fields(index, "contenttypes.ContentType")
    assert index.table_name(model(index, "contenttypes.ContentType")) == "django_content_type"
    assert frozenset({"domain"}) in unique_fields(index, "sites.Site")
    assert index.table_name(model(index, "sites.Site")) == "django_site"
    assert index.model_for_table("auth_group") == model(index, "auth.Group")
    assert index.user_model() == user
    session = model(index, "sessions.Session")
    assert index.pk(session) is not None and index.pk(session).name == "session_key"  # type: ignore[union-attr]


def test_custom_user_model_and_project_models_win(build: BuildProject) -> None:
    index = build(
        {
            "settings.py": 'AUTH_USER_MODEL = "accounts.User"\n',
            "accounts/__init__.py": "",
            "accounts/models.py": """
                from django.contrib.auth.models import AbstractUser, BaseUserManager
                from django.db import models

                class UserManager(BaseUserManager):
                    def create_user(self, email, password=None): ...

                class User(AbstractUser):
                    username = None
                    email = models.EmailField(unique=True)
                    objects = UserManager()
            """,
            "auth/__init__.py": "",
            "auth/models.py": """
                from django.db import models

                class Group(models.Model):
                    title = models.CharField(max_length=5)
            """,
            "shop/__init__.py": "",
            "shop/models.py": """
                from django.conf import settings
                from django.db import models

                class Order(models.Model):
                    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE)
            """,
        }
    )
    user = index.user_model()
    assert user is not None and user.label == "accounts.User"
    fields = index.all_fields(user)
    assert "username" not in fields and "email" in fields and "is_staff" in fields
    assert frozenset({"email"}) in unique_fields(index, "accounts.User")
    assert [(m.attribute, m.create_methods) for m in index.managers(user)] == [
        ("objects", ("create_user",))
    ]
    order = model(index, "shop.Order")
    buyer = index.field(order, "buyer")
    assert buyer is not None and buyer.related_model == "accounts.User"
    group = model(index, "auth.Group")
    assert not index.is_builtin(group) and "title" in index.all_fields(group)


def test_model_for_class_follows_reexports(build: BuildProject) -> None:
    index = build(
        {
            **APP,
            "shop/models/__init__.py": "from .catalog import Product\nfrom .orders import *\n",
            "shop/models/catalog.py": """
                from django.db import models

                class Product(models.Model):
                    pass
            """,
            "shop/models/orders.py": """
                from django.db import models

                class Order(models.Model):
                    product = models.ForeignKey("Product", models.CASCADE)
            """,
            "shop/api.py": "from shop.models import Product as Item\n",
            "core/models.py": """
                from shop import models as shop_models
                from shop.models import Order

                class Refund(shop_models.Order):
                    pass
            """,
        }
    )
    product = model(index, "shop.Product")
    assert index.model_for_class("shop.models", "Product") == product
    assert index.model_for_class("shop.models.catalog", "Product") == product
    assert index.model_for_class("shop.api", "Item") == product
    assert index.model_for_class("shop.models", "Order") == model(index, "shop.Order")
    assert index.model_for_class("shop.models", "Missing") is None
    assert index.model_for_expression("core.models", "shop_models.Order") == model(
        index, "shop.Order"
    )
    assert [p.label for p in index.parents(model(index, "core.Refund"))] == ["shop.Order"]
    path = product.ref.path
    assert index.models_defined_in(path) == (product,)
    order = model(index, "shop.Order")
    assert order.fields[0].related_model == "shop.Product"


def test_bare_string_relation_in_abstract_base_points_into_the_childs_app(
    build: BuildProject,
) -> None:
    index = build(
        {
            **APP,
            "core/models.py": """
                from django.db import models

                class Owned(models.Model):
                    team = models.ForeignKey("Team", models.CASCADE, related_name="%(class)ss")
                    parent = models.ForeignKey("self", models.CASCADE, null=True)

                    class Meta:
                        abstract = True
            """,
            "shop/models.py": """
                from django.db import models
                from core.models import Owned

                class Team(models.Model):
                    pass

                class Project(Owned):
                    pass
            """,
        }
    )
    project = model(index, "shop.Project")
    team = index.field(project, "team")
    assert team is not None and team.related_model == "shop.Team"
    parent = index.field(project, "parent")
    assert parent is not None and index.related_model(project, parent) == project
    assert index.reverse_relations(model(index, "shop.Team"))["projects"][0] == project


def test_plain_classes_are_known_not_to_be_models(build: BuildProject) -> None:
    """What spares jedi on wagtail's test modules (143 `blocks.CharBlock(…)` in one file):
    a constructor of a class the project defines, none of that name possibly a model."""
    index = build(
        {
            **APP,
            "shop/models.py": """
                from django.db import models

                class Product(models.Model):
                    sku = models.CharField(max_length=5)
            """,
            "shop/blocks.py": """
                class CharBlock:
                    pass

                class Product:  # the same name as a model: jedi must still decide
                    pass
            """,
        }
    )
    assert index.is_plain_class("CharBlock")
    assert not index.is_plain_class("Product")
    assert not index.is_plain_class("User")  # a built-in model's name
    assert not index.is_plain_class("NotAClassAnywhere")  # an alias, a factory: ask jedi
    index.update_file(index.root / "shop/blocks.py", "class Other:\n    pass\n")
    assert not index.is_plain_class("CharBlock")


def test_field_options_changed_after_the_class(build: BuildProject) -> None:
    """`Shareable._meta.get_field("owner").null = True` after an abstract class: Django's copy of
    the field in that class and in the models below it is nullable; the base keeps its own."""
    index = build(
        {
            **APP,
            "core/models.py": """
                from django.db import models

                class Owned(models.Model):
                    owner = models.ForeignKey("auth.User", models.CASCADE)
                    code = models.CharField(max_length=10)

                    class Meta:
                        abstract = True

                class Shareable(Owned):
                    class Meta:
                        abstract = True

                _owner = Shareable._meta.get_field("owner")
                _owner.blank = True
                _owner.null = True
                Shareable._meta.get_field("code").unique = True
                Owned._meta.get_field("code").null = len("x") > 0
            """,
            "shop/models.py": """
                from core.models import Owned, Shareable

                class Template(Shareable):
                    pass

                class Device(Owned):
                    pass
            """,
        }
    )
    template = index.get_model("shop.Template")
    device = index.get_model("shop.Device")
    assert template is not None and device is not None
    owner = index.field(template, "owner")
    assert owner is not None and owner.null and owner.blank
    code = index.field(template, "code")
    assert code is not None and code.unique and not code.null
    device_owner = index.field(device, "owner")
    device_code = index.field(device, "code")
    assert device_owner is not None and not device_owner.null
    assert device_code is not None and not device_code.unique and not device_code.null
