"""IL302 and deletes that cascade: a data step that deletes rows of a parent model also deletes
the rows of a child whose ForeignKey to it has `on_delete=CASCADE`, grouped by that column, so a
later unique set over the ForeignKey has its data step; a step that only creates parents, a
ForeignKey that does not cascade, or a set without the ForeignKey still reports."""

# ruff: noqa: E501 -- migration sources are kept one statement a line

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Album(models.Model):
    title = models.CharField(max_length=20)


class Track(models.Model):
    album = models.ForeignKey(Album, on_delete=models.{on_delete})
    position = models.IntegerField()
    disc = models.IntegerField()

    class Meta:
        unique_together = [({together})]
"""
INITIAL = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Album",
            fields=[("id", models.AutoField(primary_key=True)), ("title", models.CharField(max_length=20))],
        ),
        migrations.CreateModel(
            name="Track",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("album", models.ForeignKey(on_delete=models.{on_delete}, to="music.album")),
                ("position", models.IntegerField()),
                ("disc", models.IntegerField()),
            ],
        ),
    ]
"""
DATA = """\
from django.db import migrations


def step(apps, schema_editor):
    Album = apps.get_model("music", "Album")
    {body}


class Migration(migrations.Migration):
    dependencies = [("music", "0001_initial")]
    operations = [migrations.RunPython(step, migrations.RunPython.noop)]
"""
LAST = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("music", "0002_data")]
    operations = [migrations.AlterUniqueTogether(name="track", unique_together={{({together})}})]
"""
DELETE = 'Album.objects.exclude(title="kept").delete()'
CREATE = 'Album.objects.create(title="new")'
WITH_FK = '"album", "position"'
WITHOUT_FK = '"disc", "position"'


@pytest.mark.parametrize(
    ("body", "on_delete", "together", "expected"),
    [
        (DELETE, "CASCADE", WITH_FK, []),
        (CREATE, "CASCADE", WITH_FK, ["IL302"]),
        (DELETE, "PROTECT", WITH_FK, ["IL302"]),
        (DELETE, "CASCADE", WITHOUT_FK, ["IL302"]),
    ],
    ids=["parents deleted", "parents created", "no cascade", "set without the key"],
)
def test_a_parent_delete_dedupes_the_children_by_their_foreign_key(
    tmp_path: Path, body: str, on_delete: str, together: str, expected: list[str]
) -> None:
    last = LAST.format(together=together)
    write_app(
        tmp_path,
        "music",
        {
            "models.py": MODELS.format(on_delete=on_delete, together=together),
            "migrations/0001_initial.py": INITIAL.format(on_delete=on_delete),
            "migrations/0002_data.py": DATA.format(body=body),
            "migrations/0003_last.py": last,
        },
    )
    path = tmp_path / "music/migrations/0003_last.py"
    found = [f.code for f in check_source(last, path, environment(tmp_path))]
    assert [code for code in found if code == "IL302"] == expected
