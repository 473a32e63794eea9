"""IL301-IL303 on two things real projects have: the initial migrations makemigrations splits
over several files (0002_initial adds the ForeignKeys that 0001 could not, for a cycle between
apps), and field classes whose `__init__` fixes `null=True` (django-oscar's NullCharField).

The initial migrations are written by real Django (`makemigrations`), not by hand."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from integrity_lsp.checker import check_paths, check_source
from integrity_lsp.project.field_classes import FieldClassOptions, read_field_classes
from tests.helpers import environment

SETTINGS = """\
SECRET_KEY = "x"
INSTALLED_APPS = ["library", "people"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
"""
MANAGE = """\
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""
LIBRARY = """\
from django.db import models


class Book(models.Model):
    title = models.CharField(max_length=100)
    author = models.ForeignKey("people.Author", on_delete=models.CASCADE)
"""
PEOPLE = """\
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)
    favourite = models.ForeignKey("library.Book", on_delete=models.CASCADE, related_name="+")
"""


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _write_app(root: Path, label: str, files: dict[str, str]) -> None:
    """A project of the one installed app `label`: settings, its package, its migrations
    package when it has a migration, and `files` (relative to the app, dedented)."""
    tree = {
        "site_settings.py": SETTINGS.replace('"library", "people"', f'"{label}"'),
        f"{label}/__init__.py": "",
    }
    if any(name.startswith("migrations/") for name in files):
        tree[f"{label}/migrations/__init__.py"] = ""
    tree.update({f"{label}/{name}": textwrap.dedent(text) for name, text in files.items()})
    _write(root, tree)


def _initial_migration(*models: tuple[str, str], initial: bool = False) -> str:
    """A 0001_initial creating each (name, fields after the AutoField id) model."""
    creates = "".join(
        f"        migrations.CreateModel(\n"
        f"            name={name!r},\n"
        f'            fields=[("id", models.AutoField(primary_key=True)), {fields}],\n'
        f"        ),\n"
        for name, fields in models
    )
    flag = "    initial = True\n" if initial else ""
    return (
        "from django.db import migrations, models\n\n\n"
        f"class Migration(migrations.Migration):\n{flag}"
        f"    dependencies = []\n    operations = [\n{creates}    ]\n"
    )


@pytest.fixture(scope="module")
def cyclic_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cycle")
    _write(
        root,
        {
            "manage.py": MANAGE,
            "site_settings.py": SETTINGS,
            "library/__init__.py": "",
            "library/models.py": LIBRARY,
            "people/__init__.py": "",
            "people/models.py": PEOPLE,
        },
    )
    run = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "library", "people", "--noinput"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return root


def test_makemigrations_splits_the_cycle_into_initial_migrations(cyclic_project: Path) -> None:
    """The premise: Django writes a second initial migration that adds a NOT NULL ForeignKey
    to a table the first one created."""
    second = sorted((cyclic_project / "library/migrations").glob("0002_*.py"))
    second += sorted((cyclic_project / "people/migrations").glob("0002_*.py"))
    (path,) = second
    text = path.read_text(encoding="utf-8")
    assert "initial = True" in text
    assert "migrations.AddField(" in text and "null=True" not in text


def test_initial_migrations_are_not_reported(cyclic_project: Path) -> None:
    report = check_paths([cyclic_project], environment(cyclic_project))
    assert [f.code for f in report.findings if f.code.startswith("IL30")] == []


def test_a_later_migration_of_the_same_shape_is(cyclic_project: Path, tmp_path: Path) -> None:
    """The same AddField in a migration of a later run (no `initial = True`) meets rows."""
    (first,) = (cyclic_project / "library/migrations").glob("0001_*.py")
    (second,) = [
        *(cyclic_project / "library/migrations").glob("0002_*.py"),
        *(cyclic_project / "people/migrations").glob("0002_*.py"),
    ]
    later = second.read_text(encoding="utf-8").replace("initial = True", "")
    path = second.with_name("0003_later.py")
    app = second.parent.parent.name
    later = later.replace(
        "dependencies = [", f"dependencies = [\n        ({app!r}, {second.stem!r}),", 1
    )
    path.write_text(later, encoding="utf-8")
    try:
        env = environment(cyclic_project)
        codes = [f.code for f in check_source(later, path, env)]
    finally:
        path.unlink()
    assert first.exists()
    assert "IL301" in codes


NULL_CHAR_FIELD = """\
from django.db import models


class NullCharField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs["null"] = kwargs["blank"] = True
        super().__init__(*args, **kwargs)


class UppercaseCodeField(NullCharField):
    pass
"""


def test_a_field_class_that_fixes_null_makes_the_column_nullable(tmp_path: Path) -> None:
    """django-oscar's catalogue 0027: AddField of NullCharField(unique=True) columns."""
    _write_app(
        tmp_path,
        "shop",
        {
            "fields.py": NULL_CHAR_FIELD,
            "models.py": """\
                from django.db import models

                from shop.fields import NullCharField, UppercaseCodeField


                class Option(models.Model):
                    name = models.CharField(max_length=50)
                    code = NullCharField(max_length=255, unique=True)
                    group = UppercaseCodeField(max_length=20)
                """,
            "migrations/0001_initial.py": _initial_migration(
                ("Option", '("name", models.CharField(max_length=50))'), initial=True
            ),
            "migrations/0002_option_code.py": textwrap.dedent(
                """\
                from django.db import migrations
                import shop.fields


                class Migration(migrations.Migration):
                    dependencies = [("shop", "0001_initial")]
                    operations = [
                        migrations.AddField(
                            model_name="option",
                            name="code",
                            field=shop.fields.NullCharField(max_length=255, unique=True),
                        ),
                        migrations.AddField(
                            model_name="option",
                            name="group",
                            field=shop.fields.UppercaseCodeField(max_length=20),
                        ),
                    ]
                """
            ),
            "services.py": textwrap.dedent(
                """\
                from shop.models import Option


                def add(name):
                    return Option.objects.create(name=name)
                """
            ),
        },
    )
    env = environment(tmp_path)
    option = env.index.get_model("shop.Option")
    assert option is not None
    fields = env.index.all_fields(option)
    assert fields["code"].null and fields["code"].unique and fields["group"].null
    report = check_paths([tmp_path], env)
    assert [(f.path.name, f.code) for f in report.findings] == []


def test_what_an_init_fixes_and_what_it_only_defaults() -> None:
    text = textwrap.dedent(
        """\
        from django.db import models


        class Forced(models.CharField):
            def __init__(self, *args, **options):
                options.update(unique=True)
                super().__init__(*args, null=True, **options)


        class Defaulted(models.IntegerField):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("default", 0)
                super().__init__(*args, **kwargs)


        class Child(Defaulted):
            def __init__(self, *args, **kwargs):
                kwargs["blank"] = True
                super().__init__(*args, **kwargs)


        class CharField(models.CharField):  # Django's own name: never taken over
            def __init__(self, *args, **kwargs):
                kwargs["null"] = True
                super().__init__(*args, **kwargs)


        class Plain(models.TextField):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
        """
    )
    classes = [
        ("Forced", ("CharField",)),
        ("Defaulted", ("IntegerField",)),
        ("Child", ("Defaulted",)),
        ("CharField", ("CharField",)),
        ("Plain", ("TextField",)),
    ]
    found = dict(read_field_classes(classes, [text]).by_name)
    assert found == {
        "Forced": FieldClassOptions(forced=(("null", "True"), ("unique", "True"))),
        "Defaulted": FieldClassOptions(defaults=(("default", "0"),)),
        "Child": FieldClassOptions(forced=(("blank", "True"),), defaults=(("default", "0"),)),
    }


WAGTAIL_LIKE_MODELS = """\
import django_filters
from django.db import models
from wagtail.fields import StreamField


class ScoreField(models.IntegerField):
    pass


class Photo(models.Model):
    file = models.ImageField(upload_to="photos", width_field="width", height_field="height")
    width = models.IntegerField()
    height = models.IntegerField()
    body = StreamField([])
    score = ScoreField()


class PermissionManager(models.Manager):
    def create(self, **kwargs):
        kwargs.setdefault("kind", 1)
        return super().create(**kwargs)


class Permission(models.Model):
    kind = models.IntegerField()
    objects = PermissionManager()


class PhotoFilter(django_filters.ModelChoiceFilter):
    pass
"""
WAGTAIL_LIKE_SERVICES = """\
from gallery.models import Permission, Photo


def upload(image):
    Photo.objects.create(file=image)


def upload_scored(image):
    Photo.objects.create(file=image, score=1)


def placeholder():
    Photo.objects.create(score=1)


def grant():
    Permission.objects.create()
"""


def test_what_django_or_the_class_fills_is_not_missing(tmp_path: Path) -> None:
    """Found in wagtail 6.3: an ImageField's width_field/height_field (filled from the image),
    a manager's own create(), a third-party field class (StreamField: Django sends "" unless
    the class says otherwise), and django_filters' ModelChoiceFilter taken for a model (IL304).
    A project subclass of IntegerField still counts as an IntegerField."""
    _write_app(
        tmp_path,
        "gallery",
        {"models.py": WAGTAIL_LIKE_MODELS, "services.py": WAGTAIL_LIKE_SERVICES},
    )
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.path.name, f.span.start_line, f.code, f.message) for f in report.findings]
    assert [(name, line, code) for name, line, code, _ in found] == [
        ("services.py", 5, "IL203"),
        ("services.py", 13, "IL203"),
    ]
    assert "leaves `score` unset" in found[0][3]
    assert "leaves `width`, `height` unset" in found[1][3]


FILLED_ELSEWHERE_MODELS = """\
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Locale(models.Model):
    code = models.CharField(max_length=10)


class Translatable(models.Model):
    locale = models.ForeignKey(Locale, on_delete=models.PROTECT)

    class Meta:
        abstract = True


class Snippet(Translatable):
    title = models.CharField(max_length=10)


class Comment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")


class Tag(models.Model):
    slug_id = models.IntegerField()
    weight = models.IntegerField()
"""
FILLED_ELSEWHERE_SIGNALS = """\
from django.db.models.signals import pre_save
from django.dispatch import receiver

from notes.models import Locale, Translatable


@receiver(pre_save)
def set_locale(sender, instance, **kwargs):
    if isinstance(instance, Translatable) and instance.locale_id is None:
        instance.locale = Locale.objects.first()


def number_tags(sender, instance, **kwargs):
    instance.slug_id = 1


pre_save.connect(number_tags, sender="notes.Tag")
"""
FILLED_ELSEWHERE_SERVICES = """\
from notes.models import Comment, Snippet, Tag


def add(title, target, content_type):
    Snippet.objects.create(title=title)
    Comment.objects.create(content_object=target)
    Comment.objects.create(content_type=content_type)
    Tag.objects.create(weight=1)
    Tag.objects.create()
"""


def _write_notes_project(root: Path) -> None:
    _write_app(
        root,
        "notes",
        {
            "models.py": FILLED_ELSEWHERE_MODELS,
            "signals.py": FILLED_ELSEWHERE_SIGNALS,
            "services.py": FILLED_ELSEWHERE_SERVICES,
        },
    )


def test_fields_a_receiver_or_a_generic_foreign_key_fills(tmp_path: Path) -> None:
    """Found in wagtail 6.3: TranslatableMixin's `locale` (set by a pre_save receiver) and
    `content_type`/`object_id` set through `content_object=`. A receiver with a sender fills
    only that model's fields; a GenericForeignKey only when it is given."""
    _write_notes_project(tmp_path)
    report = check_paths([tmp_path], environment(tmp_path))
    found = [(f.span.start_line, f.message) for f in report.findings if f.code == "IL203"]
    assert [line for line, _ in found] == [7, 9]
    assert "leaves `object_id` unset" in found[0][1]
    assert "leaves `weight` unset" in found[1][1]


def test_an_edited_receiver_updates_the_index(tmp_path: Path) -> None:
    """As the server sees it: the receiver's file changes (unsaved), the index says so, and
    the create that relied on it is reported."""
    _write_notes_project(tmp_path)
    env = environment(tmp_path)
    services = tmp_path / "notes/services.py"
    text = services.read_text(encoding="utf-8")
    assert [f.span.start_line for f in check_source(text, services, env)] == [7, 9]
    generation = env.index.generation
    edited = FILLED_ELSEWHERE_SIGNALS.replace("instance.locale = ", "locale = ")
    assert env.index.update_file(tmp_path / "notes/signals.py", edited)
    assert env.index.generation > generation
    assert [f.span.start_line for f in check_source(text, services, env)] == [5, 7, 9]


PAGES_0002 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [
        migrations.AddField("page", "translation_key", models.UUIDField(null=True)),
        migrations.AddField("page", "code", models.CharField(max_length=5, null=True, default="x")),
        migrations.AddConstraint(
            "page", models.UniqueConstraint(fields=["translation_key", "title"], name="k")
        ),
        migrations.AddConstraint(
            "page", models.UniqueConstraint(fields=["code", "title"], name="c")
        ),
    ]
"""


def test_a_unique_set_over_a_column_just_added_as_null_is_not_reported(tmp_path: Path) -> None:
    """wagtail 0055: `translation_key` and `locale` added with null=True, then made unique
    together in the same migration. Every existing row holds NULL there, and NULLs never
    collide. A column added with a default holds that one value in every row: reported."""
    _write_app(
        tmp_path,
        "pages",
        {
            "models.py": "",
            "migrations/0001_initial.py": _initial_migration(
                ("Page", '("title", models.CharField(max_length=50))')
            ),
            "migrations/0002_keys.py": PAGES_0002,
        },
    )
    path = tmp_path / "pages/migrations/0002_keys.py"
    env = environment(tmp_path)
    findings = [f for f in check_source(PAGES_0002, path, env) if f.code == "IL302"]
    assert len(findings) == 1
    assert "pages_page.code, pages_page.title" in findings[0].message


OLD_SPLIT_SECOND = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("basket", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="line",
            name="basket",
            field=models.ForeignKey(to="basket.Basket", on_delete=models.CASCADE),
        ),
    ]
"""


@pytest.mark.parametrize(
    ("name", "reported"),
    [("0002_auto_20140827_1705", False), ("0002_line_basket", True)],
)
def test_django_17_split_initial_migrations(tmp_path: Path, name: str, reported: bool) -> None:
    """django-oscar's basket 0002_auto_20140827_1705 (Django 1.7, before `initial = True`):
    makemigrations never writes a NOT NULL AddField without a default for a table that
    exists, so its own `auto` migration right after 0001 came from the same run. A migration
    named by hand gets no such benefit of the doubt."""
    _write_app(
        tmp_path,
        "basket",
        {
            "models.py": "",
            "migrations/0001_initial.py": _initial_migration(("Basket", ""), ("Line", "")),
            f"migrations/{name}.py": OLD_SPLIT_SECOND,
        },
    )
    path = tmp_path / f"basket/migrations/{name}.py"
    codes = [f.code for f in check_source(OLD_SPLIT_SECOND, path, environment(tmp_path))]
    assert ("IL301" in codes) is reported


RACE_IN_DATA_STEP = """\
from django.db import migrations


def rates(apps, schema_editor):
    Rate = apps.get_model("tax", "Rate")
    for value in (7, 19):
        try:
            Rate.objects.get(code=str(value))
        except Rate.DoesNotExist:
            Rate.objects.create(code=str(value))


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(rates, migrations.RunPython.noop)]
"""


@pytest.mark.parametrize(
    ("where", "reported"), [("migrations/0002_rates", False), ("services", True)]
)
def test_races_are_not_checked_in_migrations(tmp_path: Path, where: str, reported: bool) -> None:
    """pretix 2026.8's tax migrations: get()/except DoesNotExist/create() in RunPython code.
    `migrate` runs it once, alone: nothing races it. The same code in a service does race."""
    _write_app(
        tmp_path,
        "tax",
        {
            "migrations/__init__.py": "",
            "models.py": """\
                from django.db import models


                class Rate(models.Model):
                    code = models.CharField(max_length=5, unique=True)
                """,
        },
    )
    path = tmp_path / "tax" / f"{where}.py"
    path.write_text(RACE_IN_DATA_STEP, encoding="utf-8")
    codes = [f.code for f in check_source(RACE_IN_DATA_STEP, path, environment(tmp_path))]
    assert ("IL102" in codes) is reported


def test_jedi_is_not_asked_about_reverse_relations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pretix 2026.8.0: 1,122 jedi inferences (43 s of a 66 s check) about
    `self.order.payments.create(…)`-like calls, none of which found a model: the receiver of a
    reverse relation is an instance, never a model class. A name jedi can follow still goes
    to jedi."""
    from integrity_lsp.project.resolve import Resolver

    asked: list[int] = []
    original = Resolver._jedi_infer

    def counting(self: Resolver, source: object, line: int, column: int, kind: str) -> object:
        asked.append(line)
        return original(self, source, line, column, kind)  # type: ignore[arg-type]

    monkeypatch.setattr(Resolver, "_jedi_infer", counting)
    _write_app(
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
