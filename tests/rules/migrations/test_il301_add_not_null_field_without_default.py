"""IL301: AddField of a NOT NULL column without a default -- not on the initial migrations
makemigrations splits over several files (written here by real Django), nor on a column a
field class makes nullable (django-oscar's NullCharField); its fixes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from integrity_lsp.analysis.edits import compiles
from integrity_lsp.checker import check_paths, check_source
from tests.helpers import (
    EXAMPLES_NEW_MIGRATIONS,
    SITE_SETTINGS,
    commit_all_but,
    copy_project,
    created_files,
    environment,
    first_unsafe_fix,
    initial_migration,
    write_app,
    write_files,
)

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


@pytest.fixture(scope="module")
def cyclic_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cycle")
    write_files(
        root,
        {
            "manage.py": MANAGE,
            "site_settings.py": SITE_SETTINGS,
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
    write_app(
        tmp_path,
        "basket",
        {
            "models.py": "",
            "migrations/0001_initial.py": initial_migration(("Basket", ""), ("Line", "")),
            f"migrations/{name}.py": OLD_SPLIT_SECOND,
        },
    )
    path = tmp_path / f"basket/migrations/{name}.py"
    codes = [f.code for f in check_source(OLD_SPLIT_SECOND, path, environment(tmp_path))]
    assert ("IL301" in codes) is reported


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
    write_app(
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
            "migrations/0001_initial.py": initial_migration(
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


def test_il301_three_step_recipe(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    path, fix = first_unsafe_fix(
        root, "shop/migrations/0004_product_weight_grams_description.py", "IL301"
    )
    own = [e for e in fix.edits if e.path == path]
    assert [e.content for e in own] == ["null=True"]
    files = created_files(fix)
    assert set(files) == {
        "0004_backfill_product_weight_grams.py",
        "0004_alter_product_weight_grams.py",
    }
    backfill = files["0004_backfill_product_weight_grams.py"]
    assert 'apps.get_model("shop", "Product")' in backfill
    assert "filter(weight_grams__isnull=True).update(weight_grams=0)" in backfill
    alter = files["0004_alter_product_weight_grams.py"]
    assert '("shop", "0004_backfill_product_weight_grams")' in alter
    assert "field=models.PositiveIntegerField()," in alter
    assert all(compiles(text) for text in files.values())
    rewired = [e for e in fix.edits if e.path.name == "0005_product_barcode.py"]
    assert [e.content for e in rewired] == ['"0004_alter_product_weight_grams"']


def test_il301_db_default_fix_edits_migration_and_model(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    path = root / "shop/migrations/0004_product_weight_grams_description.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    fix = next(
        fx for f in findings if f.code == "IL301" for fx in f.fixes if "db_default" in fx.title
    )
    by_file = {(e.path.name, e.content) for e in fix.edits}
    assert by_file == {
        ("0004_product_weight_grams_description.py", "db_default=0"),
        ("catalog.py", "db_default=0"),
    }


def test_il301_offers_no_fix_on_a_migration_that_may_be_applied(tmp_path: Path) -> None:
    """Committed on the default branch, or (outside git) with a migration depending on it:
    a database may have applied it, and an edit would break its next `migrate`."""
    outside_git = copy_project("examples", tmp_path / "plain")
    committed = copy_project("examples", tmp_path / "git")
    commit_all_but(committed)
    for root in (outside_git, committed):
        path = root / "shop/migrations/0004_product_weight_grams_description.py"
        findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
        assert [f.fixes for f in findings if f.code == "IL301"] == [()]


ITEM_MODEL = """\
from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=50)
"""


def _codes_of_second_migration(tmp_path: Path, operations: str) -> list[str]:
    second = (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        f"    operations = [\n{textwrap.indent(textwrap.dedent(operations), ' ' * 8)}    ]\n"
    )
    write_app(
        tmp_path,
        "shop",
        {
            "models.py": ITEM_MODEL,
            "migrations/0001_initial.py": initial_migration(
                ("Item", '("name", models.CharField(max_length=50))')
            ),
            "migrations/0002_more.py": second,
        },
    )
    path = tmp_path / "shop/migrations/0002_more.py"
    return [f.code for f in check_source(second, path, environment(tmp_path))]


@pytest.mark.parametrize(
    ("field", "reported"),
    [
        ("models.IntegerField(null='True')", False),  # Django: `if self.null` -> true
        ("models.IntegerField(null=1)", False),
        ("models.NullBooleanField()", False),  # nullable by construction
        ("models.IntegerField(null='')", True),
        ("models.IntegerField(null=0)", True),
        ("models.BooleanField()", True),
    ],
)
def test_null_is_read_as_django_evaluates_it(tmp_path: Path, field: str, reported: bool) -> None:
    operation = f'migrations.AddField(model_name="item", name="extra", field={field}),\n'
    assert ("IL301" in _codes_of_second_migration(tmp_path, operation)) is reported
