"""IL101–IL103 stay silent when a data migration of the model's app inserts the very row the
check looks for (every lookup value a constant the migration writes alike): the row is there
before the first request, so the check finds it and no caller reaches the insert. A computed
lookup, another constant, or a seed of another model still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from integrity_lsp.project.migrations.seeded_rows import seeded_values
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Realm(models.Model):
    name = models.CharField(max_length=30, unique=True)
    storage = models.CharField(max_length=100)


class Shelf(models.Model):
    name = models.CharField(max_length=30, unique=True)
"""

SEED = """\
from django.db import migrations


def add_default_realm(apps, schema_editor):
    Realm = apps.get_model("vault", "Realm")
    try:
        Realm.objects.get(name="default")
    except Realm.DoesNotExist:
        Realm(name="default", storage="local").save()


def add_public_shelf(apps, schema_editor):
    apps.get_model("vault.Shelf").objects.create(name="public")  # not bound: not read


class Migration(migrations.Migration):
    dependencies = [("vault", "0001_initial")]
    operations = [migrations.RunPython(add_default_realm), migrations.RunPython(add_public_shelf)]
"""

SERVICES = """\
from vault.models import Realm, Shelf


def default_realm():
    try:
        return Realm.objects.get(name={value})
    except Realm.DoesNotExist:
        return Realm.objects.create(name={value}, storage="local")


def default_shelf():
    if not Shelf.objects.filter(name="default").exists():
        Shelf.objects.create(name="default")
"""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"default"', ["IL101"]),  # the seeded Realm: only the Shelf check reports
        ('"archive"', ["IL101", "IL102"]),  # another constant: not seeded
        ("realm_name()", ["IL101", "IL102"]),  # computed: not a fact
    ],
)
def test_a_row_a_data_migration_inserts_is_found_by_the_check(
    tmp_path: Path, value: str, expected: list[str]
) -> None:
    write_app(
        tmp_path,
        "vault",
        {"models.py": MODELS, "migrations/0002_seed.py": SEED, "migrations/0001_initial.py": ""},
    )
    text = SERVICES.format(value=value)
    path = tmp_path / "vault" / "services.py"
    path.write_text(text, encoding="utf-8")
    codes = sorted(f.code for f in check_source(text, path, environment(tmp_path)))
    assert codes == expected


def test_seeded_values_reads_constant_keywords_of_bound_models(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0002_seed.py").write_text(SEED, encoding="utf-8")
    assert seeded_values(folder, "vault", "Realm") == [{"name": "default", "storage": "local"}]
    assert seeded_values(folder, "vault", "Shelf") == []
    assert seeded_values(folder, "other", "Realm") == []
    assert seeded_values(folder, "vault", "Realm", ("archive",)) == []
