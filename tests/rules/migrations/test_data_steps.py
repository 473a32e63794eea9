"""What counts as the data step before IL302's unique and IL303's NOT NULL: steps that fill,
dedupe or empty the existing rows do (in every shape teams write them); a step that only creates
rows, or touches another model, does not."""

# ruff: noqa: E501 -- migration sources are kept one statement a line

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Item(models.Model):
    code = models.CharField(max_length=20, null=True)


class Tag(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="labels")
    text = models.CharField(max_length=20, null=True)
"""
INITIAL = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Item",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("{name}", models.CharField(max_length=20, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="Tag",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("item", models.ForeignKey(on_delete=models.CASCADE, related_name="labels", to="shop.item")),
                ("text", models.CharField(max_length=20, null=True)),
            ],
        ),
    ]
"""
DATA = """\
from django.core.management import call_command
from django.db import migrations


def step(apps, schema_editor):
    Item = apps.get_model("shop", "Item")
    Tag = apps.get_model("shop", "Tag")
{body}

class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(step, migrations.RunPython.noop)]
"""
LAST = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_data")]
    operations = [
{operations}    ]
"""
MAKE_NOT_NULL = (
    '        migrations.AlterField(model_name="item", name="code", '
    "field=models.CharField(max_length=20)),\n"
)
MAKE_UNIQUE = (
    '        migrations.AlterField(model_name="item", name="code", '
    "field=models.CharField(max_length=20, null=True, unique=True)),\n"
)
RENAME = (
    '        migrations.RenameField(model_name="item", old_name="old_code", new_name="code"),\n'
)


def codes(
    tmp_path: Path, body: str, operations: str, first_name: str = "code", unique: bool = False
) -> list[str]:
    last = LAST.format(operations=operations)
    initial = INITIAL.format(name=first_name)
    if unique:
        initial = initial.replace(
            "null=True)),\n            ],", "null=True, unique=True)),\n            ],", 1
        )
    write_app(
        tmp_path,
        "shop",
        {
            "models.py": MODELS,
            "migrations/0001_initial.py": initial,
            "migrations/0002_data.py": DATA.format(body=textwrap.indent(body, "    ")),
            "migrations/0003_last.py": last,
        },
    )
    path = tmp_path / "shop/migrations/0003_last.py"
    return [f.code for f in check_source(last, path, environment(tmp_path))]


BACKFILLS = {
    "update": 'Item.objects.filter(code__isnull=True).update(code="")\n',
    "delete the NULL rows": "Item.objects.filter(code__isnull=True).delete()\n",
    "empty the table": "Item.objects.all().delete()\n",
    "a management command": 'call_command("fill_codes")\n',
    "a reverse relation": (
        "for tag in Tag.objects.all():\n    tag.item.code = tag.text\n    tag.item.save()\n"
    ),
}


@pytest.mark.parametrize("body", BACKFILLS.values(), ids=BACKFILLS.keys())
def test_a_backfill_before_not_null(tmp_path: Path, body: str) -> None:
    assert "IL303" not in codes(tmp_path, body, MAKE_NOT_NULL)


def test_a_backfill_under_the_old_name_before_rename_field(tmp_path: Path) -> None:
    body = 'Item.objects.filter(old_code__isnull=True).update(old_code="")\n'
    assert "IL303" not in codes(tmp_path, body, RENAME + MAKE_NOT_NULL, first_name="old_code")
    untouched = "Item.objects.filter(pk__gt=10).update(pk=1)\n"
    assert "IL303" in codes(tmp_path, untouched, RENAME + MAKE_NOT_NULL, first_name="old_code")


def test_the_backfill_through_the_related_name(tmp_path: Path) -> None:
    body = 'for item in Item.objects.all():\n    item.labels.filter(text__isnull=True).update(text="")\n'
    operation = (
        '        migrations.AlterField(model_name="tag", name="text", '
        "field=models.CharField(max_length=20)),\n"
    )
    assert "IL303" not in codes(tmp_path, body, operation)


DEDUPES = {
    "delete duplicates": 'Item.objects.filter(code="x").exclude(pk=1).delete()\n',
    "empty the table": "Item.objects.all().delete()\n",
    "keep one row": "kept = Item.objects.first()\nItem.objects.exclude(pk=kept.pk).delete()\n",
    "in a helper": "_dedupe(Item)\n\ndef _dedupe(model):\n    model.objects.filter(code='x').delete()\n",
    "raw SQL emptying the table": 'schema_editor.execute("DELETE FROM shop_item")\n',
    "raw SQL emptying a table it names at run time": (
        'schema_editor.execute("DELETE FROM {};".format(Item._meta.db_table))\n'
    ),
}
NOT_DEDUPES = {
    "only creates rows": 'Item.objects.create(code="x")\nItem.objects.bulk_create([Item(code="x")])\n',
    "another model": 'Tag.objects.filter(text="x").update(text="")\n',
}


@pytest.mark.parametrize("body", DEDUPES.values(), ids=DEDUPES.keys())
def test_a_dedupe_before_unique(tmp_path: Path, body: str) -> None:
    assert "IL302" not in codes(tmp_path, body, MAKE_UNIQUE)


@pytest.mark.parametrize("body", NOT_DEDUPES.values(), ids=NOT_DEDUPES.keys())
def test_not_a_dedupe(tmp_path: Path, body: str) -> None:
    assert "IL302" in codes(tmp_path, body, MAKE_UNIQUE)


def test_a_unique_set_dropped_and_added_again_in_one_migration(tmp_path: Path) -> None:
    """Unique until this migration dropped it: the rows hold no duplicates (allauth mfa 0003,
    wagtail redirects 0004)."""
    drop_then_together = (
        '        migrations.AlterField(model_name="item", name="code", '
        "field=models.CharField(max_length=20, null=True)),\n"
        '        migrations.AlterUniqueTogether(name="item", unique_together={("code",)}),\n'
    )
    body = "pass\n"
    assert "IL302" not in codes(tmp_path / "a", body, drop_then_together, unique=True)
    assert "IL302" in codes(tmp_path / "b", body, drop_then_together)


def test_a_not_null_column_added_after_the_table_was_emptied(tmp_path: Path) -> None:
    add = (
        '        migrations.AddField(model_name="item", name="size", '
        "field=models.IntegerField()),\n"
    )
    assert "IL301" not in codes(tmp_path / "a", "Item.objects.all().delete()\n", add)
    assert "IL301" in codes(tmp_path / "b", 'Item.objects.filter(code="x").delete()\n', add)


def test_options_passed_as_a_mapping_are_unknown(tmp_path: Path) -> None:
    add = (
        '        migrations.AddField(model_name="item", name="size", '
        "field=models.IntegerField(**SIZE_OPTIONS)),\n"
    )
    assert "IL301" not in codes(tmp_path, "pass\n", add)


def test_a_unique_column_with_one_default_added_to_an_emptied_table(tmp_path: Path) -> None:
    add = (
        '        migrations.AddField(model_name="item", name="slug", '
        'field=models.CharField(default="x", max_length=5, unique=True)),\n'
    )
    assert "IL302" not in codes(tmp_path / "a", "Item.objects.all().delete()\n", add)
    assert "IL302" in codes(tmp_path / "b", 'Item.objects.filter(code="x").delete()\n', add)


IMPORTED_STEP = """\
from django.db import migrations, models

from . import empty_items


class Migration(migrations.Migration):
    dependencies = [("shop", "{previous}")]
    operations = [
{operations}    ]
"""
ADD_SIZE = (
    '        migrations.AddField(model_name="item", name="size", field=models.IntegerField()),\n'
)
RUN_IMPORTED = "        migrations.RunPython(empty_items, migrations.RunPython.noop),\n"


def _imported_step_codes(tmp_path: Path, migrations: dict[str, str]) -> list[str]:
    files = {
        "models.py": MODELS,
        "migrations/__init__.py": "def empty_items(apps, schema_editor):\n    pass\n",
        "migrations/0001_initial.py": INITIAL.format(name="code"),
        **migrations,
    }
    write_app(tmp_path, "shop", files)
    last = sorted(migrations)[-1]
    text = files[last]
    return [f.code for f in check_source(text, tmp_path / "shop" / last, environment(tmp_path))]


def test_a_not_null_column_after_this_migrations_own_unreadable_step(tmp_path: Path) -> None:
    """A RunPython whose function lives in another module, in the same migration just before
    the AddField, may have emptied the table: unknown, silent. The same step in an earlier
    migration is not this change's preparation: the AddField still reports."""
    same = IMPORTED_STEP.format(previous="0001_initial", operations=RUN_IMPORTED + ADD_SIZE)
    assert "IL301" not in _imported_step_codes(tmp_path / "a", {"migrations/0002_add.py": same})
    earlier = IMPORTED_STEP.format(previous="0001_initial", operations=RUN_IMPORTED)
    later = IMPORTED_STEP.format(previous="0002_data", operations=ADD_SIZE)
    found = _imported_step_codes(
        tmp_path / "b", {"migrations/0002_data.py": earlier, "migrations/0003_add.py": later}
    )
    assert "IL301" in found


def _il303_after(tmp_path: Path, data: str) -> list[str]:
    """IL303 codes of 0003 (code made NOT NULL) after the data migration `data` as 0002."""
    last = LAST.format(operations=MAKE_NOT_NULL)
    write_app(
        tmp_path,
        "shop",
        {
            "models.py": MODELS,
            "migrations/0001_initial.py": INITIAL.format(name="code"),
            "migrations/0002_data.py": textwrap.dedent(data),
            "migrations/0003_last.py": last,
        },
    )
    path = tmp_path / "shop/migrations/0003_last.py"
    return [f.code for f in check_source(last, path, environment(tmp_path))]


def test_a_backfill_in_a_helper_that_gets_the_model_itself(tmp_path: Path) -> None:
    """nautobot dcim 0034: the RunPython function calls helpers of the same file, each getting
    its model with `apps.get_model` and filling a column by `bulk_update`."""
    data = """\
        from django.db import migrations


        def _fill_codes(apps):
            Item = apps.get_model("shop", "Item")
            items = list(Item.objects.filter(code__isnull=True))
            for item in items:
                item.code = str(item.pk)
            Item.objects.bulk_update(items, ["code"], 500)


        def forwards(apps, schema_editor):
            _fill_codes(apps)


        class Migration(migrations.Migration):
            dependencies = [("shop", "0001_initial")]
            operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
        """
    assert "IL303" not in _il303_after(tmp_path, data)


HANDED_AWAY = """\
from django.db import migrations

from {module} import fill_missing


def forwards(apps, schema_editor):
    Item = apps.get_model("shop", "Item")
    Tag = apps.get_model("shop", "Tag")
    fill_missing({argument})


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
"""


def test_a_model_handed_to_a_function_of_another_module_may_be_filled(tmp_path: Path) -> None:
    """nautobot dcim 0051: `fixup_null_statuses(model=Group, …)` imported from the project: what
    it does to the rows cannot be read here, so the column may have been filled."""
    data = HANDED_AWAY.format(module="shop.fixups", argument="model=Item")
    assert "IL303" not in _il303_after(tmp_path, data)


def test_a_function_of_another_module_given_no_model_is_no_backfill(tmp_path: Path) -> None:
    """Only a model handed over makes the step unknown: a value (or the model's attribute)
    does not."""
    for argument in ('"code"', "Item.DoesNotExist", "len(Tag.objects.all())"):
        data = HANDED_AWAY.format(module="shop.fixups", argument=argument)
        assert "IL303" in _il303_after(tmp_path, data), argument


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        ("CurrentItem.objects.filter(code__isnull=True).delete()\n", False),
        ("CurrentItem.objects.filter(pk__gt=10).update(code='')\n", False),
        ("CurrentItem.objects.create(code='x')\n", True),  # only creates rows: fills nothing
        ("Tag.objects.filter(text__isnull=True).delete()\n", True),  # from apps: another model
    ],
)
def test_a_model_class_the_step_did_not_get_from_apps_may_be_any_table(
    tmp_path: Path, body: str, reported: bool
) -> None:
    """geonode 5.1.1's base 0034 deletes the rows 0035's NOT NULL would refuse through
    `ContactRole.objects`, the class the migration imports from the project's models module
    (here `CurrentItem`, bound outside the function), not from `apps`: which table it changes
    is not read, so the step may have filled or emptied any."""
    codes(tmp_path, "pass\n", MAKE_NOT_NULL)
    data = tmp_path / "shop/migrations/0002_data.py"
    step = (
        "from django.db import migrations\n"
        "from shop.models import Item as CurrentItem\n\n\n"
        "def step(apps, schema_editor):\n"
        '    Tag = apps.get_model("shop", "Tag")\n'
        f"{textwrap.indent(body, '    ')}\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = [migrations.RunPython(step, migrations.RunPython.noop)]\n"
    )
    data.write_text(step, encoding="utf-8")
    last = tmp_path / "shop/migrations/0003_last.py"
    text = last.read_text(encoding="utf-8")
    found = [f.code for f in check_source(text, last, environment(tmp_path))]
    assert ("IL303" in found) is reported
