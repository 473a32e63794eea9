"""IL304: models.py and the migrations disagree. Display-only: the finding says what the
migrations have, where they last touched the model, and what makemigrations would write."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability
from tests.helpers import (
    FIXTURES,
    SITE_SETTINGS,
    environment,
    initial_migration,
    write_app,
    write_files,
)

PROJECT = FIXTURES / "migrations"


def test_each_difference_names_what_makemigrations_would_write() -> None:
    path = PROJECT / "catalog/models.py"
    env = environment(PROJECT)
    found = [
        f for f in check_source(path.read_text(encoding="utf-8"), path, env) if f.code == "IL304"
    ]
    by_line = {finding.span.start_line: finding for finding in found}
    assert sorted(by_line) == [18, 37, 51, 55]
    price = by_line[18]
    assert "(null=True in models.py)" in price.message
    assert price.message.endswith("makemigrations would write: Alter field price on item")
    ((fix),) = price.fixes
    assert fix.applicability is Applicability.DISPLAY_ONLY
    assert fix.title == "Run makemigrations: Alter field price on item"
    assert [(r.path.name, r.message) for r in price.related] == [
        ("0001_initial.py", "last migrated here")
    ]
    gadget = by_line[55]
    assert "(no migration creates it)" in gadget.message
    assert gadget.related == ()


def test_options_of_an_installed_packages_field_class_are_not_compared(tmp_path: Path) -> None:
    """openwisp-utils' FallbackBooleanChoiceField sets null=True in its __init__: models.py
    does not say so, the migration does, and both are right."""
    write_app(
        tmp_path,
        "geo",
        {
            "models.py": """
                from django.db import models
                from openwisp_utils.fields import FallbackBooleanChoiceField

                class GeoSettings(models.Model):
                    enabled = FallbackBooleanChoiceField(fallback=True)
                    radius = models.IntegerField()
            """,
            "migrations/0001_initial.py": initial_migration(
                (
                    "GeoSettings",
                    '("enabled", models.BooleanField(null=True, blank=True, default=None)),'
                    ' ("radius", models.IntegerField(null=True))',
                )
            ),
        },
    )
    found = _il304_messages(tmp_path, "geo")
    assert len(found) == 1 and "Alter field radius" in found[0]


def test_a_field_whose_class_has_no_known_column_is_not_missing(tmp_path: Path) -> None:
    """django-cms's PlaceholderRelationField derives from GenericRelation (no column); netbox's
    tags field derives from taggit's manager: makemigrations writes no column for them."""
    write_app(
        tmp_path,
        "cms",
        {
            "fields.py": """
                from django.contrib.contenttypes.fields import GenericRelation
                from taggit.managers import TaggableManager

                class PlaceholderRelationField(GenericRelation):
                    pass

                class TaggableManagerField(TaggableManager):
                    pass
            """,
            "models.py": """
                from django.db import models
                from cms.fields import PlaceholderRelationField, TaggableManagerField

                class Page(models.Model):
                    placeholders = PlaceholderRelationField("Placeholder")
                    tags = TaggableManagerField()
                    title = models.CharField(max_length=20)
            """,
            "migrations/0001_initial.py": initial_migration(
                ("Page", '("slug", models.SlugField())')
            ),
        },
    )
    found = _il304_messages(tmp_path, "cms")
    assert sorted(message.rsplit(": ", 1)[-1] for message in found) == [
        "Add field title to page",
        "Remove field slug from page",
    ]


def _il304_messages(root: Path, app: str) -> list[str]:
    """The IL304 messages of checking `<app>/models.py` of the project at `root`."""
    path = root / app / "models.py"
    text = path.read_text(encoding="utf-8")
    return [f.message for f in check_source(text, path, environment(root)) if f.code == "IL304"]


def _drift_codes(root: Path, app: str) -> list[str]:
    path = root / app / "models.py"
    return [f.code for f in check_source(path.read_text(), path, environment(root))]


def test_a_create_model_with_a_computed_field_name_is_unknown(tmp_path: Path) -> None:
    """wagtail's test apps build the parent link's name (f"{name}_ptr"): the replayed state
    lacks a field it cannot name, so nothing is compared."""
    models = "from django.db import models\n\n\nclass Item(models.Model):\n"
    models += "    name = models.CharField(max_length=5)\n"
    for written, reported in (('"name"', True), ('"na" + "me"', False)):
        root = tmp_path / str(reported)
        migration = initial_migration(
            ("Item", f"({written}, models.CharField(max_length=5, null=True))")
        )
        write_app(root, "shop", {"models.py": models, "migrations/0001_initial.py": migration})
        assert ("IL304" in _drift_codes(root, "shop")) is reported


def test_a_relation_to_a_model_renamed_by_another_app(tmp_path: Path) -> None:
    """RenameModel repoints every app's ForeignKeys although their migrations keep the old
    name (kiwitcms' TestCaseRun -> TestExecution); a call naming the target is unknown."""
    library = initial_migration(("Author", '("name", models.CharField(max_length=5))'))
    rename = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("library", "0001_initial")]\n'
        '    operations = [migrations.RenameModel(old_name="Author", new_name="Writer")]\n'
    )
    people = (
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("library", "0001_initial")]\n'
        "    operations = [\n        migrations.CreateModel(\n"
        '            name="Reader",\n'
        '            fields=[("id", models.AutoField(primary_key=True)), ("favourite", '
        'models.ForeignKey(on_delete=models.CASCADE, to="library.Author"))],\n'
        "        ),\n    ]\n"
    )
    write_files(
        tmp_path,
        {
            "site_settings.py": SITE_SETTINGS,
            "library/__init__.py": "",
            "library/migrations/__init__.py": "",
            "library/migrations/0001_initial.py": library,
            "library/migrations/0002_rename.py": rename,
            "library/models.py": "from django.db import models\n\n\nclass Writer(models.Model):\n"
            "    name = models.CharField(max_length=5)\n",
            "people/__init__.py": "",
            "people/migrations/__init__.py": "",
            "people/migrations/0001_initial.py": people,
            "people/models.py": "from django.db import models\n\n\nclass Reader(models.Model):\n"
            '    favourite = models.ForeignKey("library.Writer", on_delete=models.CASCADE)\n',
        },
    )
    assert _drift_codes(tmp_path, "people") == []
    assert _drift_codes(tmp_path, "library") == []
    swapped = people.replace(
        'to="library.Author"', 'to=swapper.get_model_name("library", "Writer")'
    )
    (tmp_path / "people/migrations/0001_initial.py").write_text(swapped)
    (tmp_path / "library/migrations/0002_rename.py").unlink()
    assert _drift_codes(tmp_path, "people") == []


def test_a_model_module_its_models_package_never_imports_is_unknown(tmp_path: Path) -> None:
    """dj-stripe's models/pricing_table.py: models/__init__.py imports every other module but
    not that one, so Django does not register PricingTable when the app loads and
    makemigrations writes nothing for it. A module the package imports (directly, through a
    sibling, or as `from . import x`) is compared as usual."""
    model = "from django.db import models\n\n\nclass {name}(models.Model):\n"
    model += "    title = models.CharField(max_length=5)\n"
    write_app(
        tmp_path,
        "billing",
        {
            "models/__init__.py": "from .plans import Plan\nfrom . import coupons\n",
            "models/plans.py": model.format(name="Plan") + "\n\nfrom .prices import Price\n",
            "models/prices.py": model.format(name="Price"),
            "models/coupons.py": model.format(name="Coupon"),
            "models/tables.py": model.format(name="PricingTable"),
            "migrations/0001_initial.py": initial_migration(
                ("Plan", '("title", models.CharField(max_length=5))')
            ),
        },
    )
    env = environment(tmp_path)
    found = {
        name: [f.message for f in check_source(path.read_text(), path, env) if f.code == "IL304"]
        for name in ("plans", "prices", "coupons", "tables")
        for path in [tmp_path / "billing" / "models" / f"{name}.py"]
    }
    assert found["plans"] == [] and found["tables"] == []
    assert ["Create model Price" in m for m in found["prices"]] == [True]
    assert ["Create model Coupon" in m for m in found["coupons"]] == [True]


def test_a_relation_to_a_class_the_index_cannot_resolve_is_not_compared(tmp_path: Path) -> None:
    """nautobot's ScheduledJob: `models.ForeignKey(beat_models.SolarSchedule, …)` after `import
    django_celery_beat.models as beat_models`. Unresolved, the expression is no app label:
    comparing it with the migration's `django_celery_beat.solarschedule` would report a
    relation change makemigrations would never write. A string target still compares."""
    write_app(
        tmp_path,
        "jobs",
        {
            "models.py": """\
                from django.db import models
                import schedules_lib.models as beat_models


                class Job(models.Model):
                    solar = models.ForeignKey(beat_models.SolarSchedule, on_delete=models.CASCADE)
                    clocked = models.ForeignKey("jobs.Job", on_delete=models.CASCADE)
                """,
            "migrations/0001_initial.py": initial_migration(
                (
                    "Job",
                    '("solar", models.ForeignKey(on_delete=models.CASCADE,'
                    ' to="schedules_lib.solarschedule")),'
                    ' ("clocked", models.ForeignKey(on_delete=models.CASCADE,'
                    ' to="schedules_lib.clockedschedule"))',
                )
            ),
        },
    )
    found = _il304_messages(tmp_path, "jobs")
    assert len(found) == 1 and "Alter field clocked on job" in found[0]


def test_a_field_that_adds_fields_in_contribute_to_class_leaves_the_model_unknown(
    tmp_path: Path,
) -> None:
    """mezzanine's KeywordsField / RatingField add `keywords_string`, `rating_count` … with
    `cls.add_to_class(…)` in `contribute_to_class` (through a base class of the project): the
    migrations have those columns, no class body declares them. A sibling model without such
    a field is still compared."""
    write_app(
        tmp_path,
        "blog",
        {
            "fields.py": """
                from django.contrib.contenttypes.fields import GenericRelation
                from django.db import models

                class BaseGenericRelation(GenericRelation):
                    fields = {"%s_string": models.CharField(max_length=500, blank=True)}

                    def contribute_to_class(self, cls, name):
                        super().contribute_to_class(cls, name)
                        for name_string, field in self.fields.items():
                            cls.add_to_class(name_string % name, field)

                class KeywordsField(BaseGenericRelation):
                    pass

                class PlainRelation(GenericRelation):
                    def contribute_to_class(self, cls, name):
                        super().contribute_to_class(cls, name)
            """,
            "models.py": """
                from django.db import models
                from blog.fields import KeywordsField, PlainRelation

                class Post(models.Model):
                    keywords = KeywordsField("Keyword")
                    title = models.CharField(max_length=20)

                class Note(models.Model):
                    links = PlainRelation("Keyword")
                    title = models.CharField(max_length=20)
            """,
            "migrations/0001_initial.py": initial_migration(
                (
                    "Post",
                    '("keywords_string", models.CharField(max_length=500, blank=True)),'
                    ' ("title", models.CharField(max_length=20))',
                ),
                (
                    "Note",
                    '("links_string", models.CharField(max_length=500, blank=True)),'
                    ' ("title", models.CharField(max_length=20))',
                ),
            ),
        },
    )
    found = _il304_messages(tmp_path, "blog")
    assert [message.rsplit(": ", 1)[-1] for message in found] == [
        "Remove field links_string from note"
    ]


def test_an_app_labelled_by_its_default_app_config(tmp_path: Path) -> None:
    """shuup's `shuup/core/__init__.py` defines its config (label "shuup") and names it as
    `default_app_config`; its migrations point at "shuup.Shop". Read as app "core", every
    relation looked repointed and every migration of the app went unreplayed. An identifier
    field whose class makes `null` follow `blank` (True unless given) is nullable, as its
    migration says. A real difference in the same app is still reported."""
    write_app(
        tmp_path,
        "core",
        {
            "__init__.py": """
                from django.apps import AppConfig

                class CoreConfig(AppConfig):
                    name = "core"
                    label = "shop"

                default_app_config = "core.CoreConfig"
            """,
            "fields.py": """
                from django.db import models

                class IdentifierField(models.CharField):
                    def __init__(self, **kwargs):
                        kwargs.setdefault("max_length", 64)
                        kwargs.setdefault("blank", True)
                        kwargs.setdefault("null", bool(kwargs.get("blank")))
                        super().__init__(**kwargs)
            """,
            "models.py": """
                from django.db import models
                from core.fields import IdentifierField

                class Store(models.Model):
                    identifier = IdentifierField(unique=True)

                class Order(models.Model):
                    store = models.ForeignKey("Store", on_delete=models.CASCADE)
                    note = models.CharField(max_length=20, null=True)
            """,
            "migrations/0001_initial.py": initial_migration(
                (
                    "Store",
                    '("identifier", models.CharField('
                    "max_length=64, blank=True, null=True, unique=True))",
                ),
                (
                    "Order",
                    '("store", models.ForeignKey(on_delete=models.CASCADE, to="shop.Store")),'
                    ' ("note", models.CharField(max_length=20))',
                ),
            ),
        },
    )
    path = tmp_path / "core/models.py"
    found = [
        (f.span.start_line, f.message.rsplit(": ", 1)[-1])
        for f in check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
        if f.code == "IL304"
    ]
    assert found == [(10, "Alter field note on order")]


def test_a_model_of_a_module_the_models_module_never_imports_is_unknown(tmp_path: Path) -> None:
    """django-import-export defines models inside a test module (`test_resource_postgres.py`)
    of an app with migrations: Django registers them only when the test imports the module,
    so makemigrations never writes "Create model" for them. A module models.py imports is
    compared as usual, and so is models.py itself."""
    model = "from django.db import models\n\n\nclass {name}(models.Model):\n"
    model += "    title = models.CharField(max_length=5)\n"
    write_app(
        tmp_path,
        "shelf",
        {
            "models.py": model.format(name="Shelf") + "\n\nfrom .base_models import Box\n",
            "base_models.py": model.format(name="Box"),
            "tests/test_postgres.py": model.format(name="BookWithChapters"),
            "utilities.py": model.format(name="Scratch"),
            "migrations/0001_initial.py": initial_migration(
                ("Box", '("title", models.CharField(max_length=5))')
            ),
        },
    )
    env = environment(tmp_path)

    def drift(relative: str) -> list[str]:
        path = tmp_path / "shelf" / relative
        return [f.message for f in check_source(path.read_text(), path, env) if f.code == "IL304"]

    assert ["Create model Shelf" in m for m in drift("models.py")] == [True]
    assert drift("base_models.py") == []  # migrated
    assert drift("tests/test_postgres.py") == []
    assert drift("utilities.py") == []


def test_a_model_a_custom_operation_names_before_any_create_model_is_unknown(
    tmp_path: Path,
) -> None:
    """An app's own operation class (a CreateModel subclass that skips an existing table) is
    not read: the model it names may be what it created, so no "Create model" for it. A model
    no operation names is still reported. Fails without AppState.maybe_created."""
    model = "\n\nclass {name}(models.Model):\n    title = models.CharField(max_length=5)\n"
    models = "from django.db import models\n" + "".join(
        model.format(name=name) for name in ("Job", "Ledger")
    )
    operations = "from django.db import migrations\n\n\n"
    operations += "class CreateModelUnlessThere(migrations.CreateModel):\n    pass\n"
    migration = (
        "from django.db import migrations, models\n\n"
        "from desk.operations import CreateModelUnlessThere\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        CreateModelUnlessThere(\n"
        '            name="Job",\n'
        '            fields=[("id", models.AutoField(primary_key=True)),'
        ' ("title", models.CharField(max_length=5))],\n'
        "        ),\n"
        "    ]\n"
    )
    write_app(
        tmp_path,
        "desk",
        {
            "models.py": models,
            "operations.py": operations,
            "migrations/0001_initial.py": migration,
        },
    )
    path = tmp_path / "desk" / "models.py"
    messages = [
        f.message
        for f in check_source(path.read_text(), path, environment(tmp_path))
        if f.code == "IL304"
    ]
    assert len(messages) == 1
    assert "Create model Ledger" in messages[0]


def _swapped_user_project(root: Path, *, user_models: str, settings: str = "") -> None:
    """A project that ships no settings module (or `settings`): its own user model class(es)
    in `accounts`, and a `notes` app whose ForeignKey imports the class while its migration,
    as makemigrations writes it, names `settings.AUTH_USER_MODEL`."""
    user_migration = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
        "    operations = [\n        migrations.CreateModel(\n            name='Member',\n"
        "            fields=[('id', models.AutoField(primary_key=True)),"
        " ('password', models.CharField(max_length=128)),"
        " ('last_login', models.DateTimeField(null=True, blank=True))],\n        ),\n    ]\n"
    )
    files = {
        "accounts/__init__.py": "",
        "accounts/models.py": user_models,
        "accounts/migrations/__init__.py": "",
        "accounts/migrations/0001_initial.py": user_migration,
        "notes/__init__.py": "",
        "notes/models.py": (
            "from django.db import models\n\nfrom accounts.models import Member\n\n\n"
            "class Note(models.Model):\n"
            "    author = models.ForeignKey(Member, on_delete=models.CASCADE)\n"
        ),
        "notes/migrations/__init__.py": "",
        "notes/migrations/0001_initial.py": (
            "from django.conf import settings\nfrom django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n    initial = True\n"
            "    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]\n"
            "    operations = [\n        migrations.CreateModel(\n            name='Note',\n"
            "            fields=[('id', models.AutoField(primary_key=True)), ('author',"
            " models.ForeignKey(on_delete=models.CASCADE, to=settings.AUTH_USER_MODEL))],\n"
            "        ),\n    ]\n"
        ),
    }
    if settings:
        files["site/__init__.py"] = ""
        files["site/settings.py"] = settings
    write_files(root, files)


MEMBER = (
    "from django.contrib.auth.base_user import AbstractBaseUser\n\n\n"
    "class Member(AbstractBaseUser):\n    pass\n"
)


def test_the_one_project_user_model_is_auth_user_model_when_no_settings_name_it(
    tmp_path: Path,
) -> None:
    """modoboa ships only a template of its settings (AUTH_USER_MODEL = 'core.User'): the
    project's one concrete user model is what settings.AUTH_USER_MODEL names."""
    _swapped_user_project(tmp_path, user_models=MEMBER)
    assert _il304_messages(tmp_path, "notes") == []


def test_settings_that_name_another_user_model_still_count(tmp_path: Path) -> None:
    settings = 'SECRET_KEY = "x"\nAUTH_USER_MODEL = "auth.User"\n'
    _swapped_user_project(tmp_path, user_models=MEMBER, settings=settings)
    (found,) = _il304_messages(tmp_path, "notes")
    assert "points at accounts.Member in models.py, auth.User in the migrations" in found


def test_two_project_user_models_leave_the_built_in_user(tmp_path: Path) -> None:
    two = MEMBER + "\n\nclass Robot(AbstractBaseUser):\n    pass\n"
    _swapped_user_project(tmp_path, user_models=two)
    (found,) = _il304_messages(tmp_path, "notes")
    assert "auth.User in the migrations" in found


def test_operations_a_function_builds_leave_the_app_unknown(tmp_path: Path) -> None:
    """`operations = [*build()]`, or `operations` assigned only under an `if`: which operations
    run depends on a setting read when the migration is imported (django-auditlog renames a
    field or adds one), so the app's state after it is unknown and models.py is not compared.
    The same models with the operations written out are compared (the field models.py adds is
    reported)."""
    models = (
        "from django.db import models\n\n\n"
        "class Entry(models.Model):\n"
        "    text = models.TextField()\n"
        "    data = models.JSONField(null=True)\n"
    )
    initial = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    dependencies = []\n"
        "    operations = [\n"
        "        migrations.CreateModel(\n"
        '            name="Entry",\n'
        '            fields=[("id", models.AutoField(primary_key=True)),'
        ' ("text", models.TextField())],\n'
        "        ),\n"
        "    ]\n"
    )
    add = (
        '            migrations.AddField(model_name="entry", name="data",'
        " field=models.JSONField(null=True)),\n"
    )
    built = (
        "from django.conf import settings\n"
        "from django.db import migrations, models\n\n\n"
        "def steps():\n"
        "    if settings.TWO_STEPS:\n"
        f"        return [\n{add}        ]\n"
        "    return []\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("journal", "0001_initial")]\n'
        "    operations = [*steps()]\n"
    )
    under_if = (
        "from django.conf import settings\n"
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("journal", "0001_initial")]\n'
        "    if settings.TWO_STEPS:\n"
        f"        operations = [\n    {add}        ]\n"
    )
    data_under_if = under_if.replace(add, '            migrations.RunSQL("SELECT 1"),\n')
    cases = (
        (built, False),
        (under_if, False),
        (data_under_if, True),  # a data step under an `if` leaves the state as it is
        (built.replace("[*steps()]", "[]"), True),
    )
    for second, reported in cases:
        write_app(
            tmp_path,
            "journal",
            {
                "models.py": models,
                "migrations/0001_initial.py": initial,
                "migrations/0002_steps.py": second,
            },
        )
        path = tmp_path / "journal" / "models.py"
        found = [
            f.message
            for f in check_source(path.read_text(), path, environment(tmp_path))
            if f.code == "IL304"
        ]
        assert bool(found) is reported, (second, found)


def test_a_relation_to_an_unread_model_setting_is_not_compared(tmp_path: Path) -> None:
    """django-plans' migration 0019 writes `to=settings.PLANS_PLAN_MODEL` (a swapper setting the
    project's settings do not name; its default is plans.Plan): what it points at is unknown,
    not a different model than models.py's "Plan"."""
    migration = (
        "from django.conf import settings\nfrom django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n    dependencies = []\n    operations = [\n"
        '        migrations.CreateModel(name="Plan", fields=[("id", models.AutoField(primary_key='
        "True))]),\n"
        '        migrations.CreateModel(name="Order", fields=[("id", models.AutoField(primary_key='
        'True)), ("plan", models.ForeignKey(on_delete=models.CASCADE, to=TARGET))]),\n'
        "    ]\n"
    )
    models = (
        "from django.db import models\n\n\nclass Plan(models.Model):\n    pass\n\n\n"
        "class Order(models.Model):\n"
        '    plan = models.ForeignKey("Plan", on_delete=models.CASCADE)\n'
    )
    for target, codes in (("settings.SHOP_PLAN_MODEL", []), ('"shop.Order"', ["IL304"])):
        write_files(
            tmp_path,
            {
                "site_settings.py": SITE_SETTINGS,
                "shop/__init__.py": "",
                "shop/migrations/__init__.py": "",
                "shop/migrations/0001_initial.py": migration.replace("TARGET", target),
                "shop/models.py": models,
            },
        )
        assert _drift_codes(tmp_path, "shop") == codes, target


def test_a_field_of_a_class_read_from_a_setting_is_not_removed(tmp_path: Path) -> None:
    """django-post-office's `context = context_field_class(...)`: the field class comes from
    `import_string(settings.X)`, which the index cannot read; the migrations' column of that
    name is not "Remove field". An attribute that is not there still is."""
    models = (
        "from django.db import models\n\nfrom .conf import payload_class\n\n\n"
        "class Message(models.Model):\n"
        "    subject = models.CharField(max_length=5)\n"
        "    payload = payload_class(blank=True, null=True)\n"
    )
    migration = initial_migration(
        (
            "Message",
            '("subject", models.CharField(max_length=5)), '
            '("payload", models.JSONField(blank=True, null=True))',
        )
    )
    files = {
        "site_settings.py": SITE_SETTINGS,
        "outbox/__init__.py": "",
        "outbox/conf.py": "from django.utils.module_loading import import_string\n\n"
        'payload_class = import_string("django.db.models.JSONField")\n',
        "outbox/migrations/__init__.py": "",
        "outbox/migrations/0001_initial.py": migration,
        "outbox/models.py": models,
    }
    write_files(tmp_path, files)
    assert _drift_codes(tmp_path, "outbox") == []
    without = models.replace("    payload = payload_class(blank=True, null=True)\n", "")
    (tmp_path / "outbox/models.py").write_text(without)
    assert _drift_codes(tmp_path, "outbox") == ["IL304"]
