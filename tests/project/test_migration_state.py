"""State replay semantics, and the schema editor's fill-in values checked against Django's own."""

# ruff: noqa: E501 -- migration sources and SQL are kept one statement a line

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from integrity_lsp.project.field_calls import field_from_call
from integrity_lsp.project.migrations.columns import column_filler
from integrity_lsp.project.migrations.reader import parse_migration
from integrity_lsp.project.migrations.state import replay
from integrity_lsp.syntax.source import parse

FIELDS = [
    "models.IntegerField()",
    "models.IntegerField(blank=True)",
    "models.IntegerField(default=None)",
    "models.IntegerField(default=0)",
    "models.IntegerField(null=True)",
    "models.CharField(max_length=5)",
    "models.CharField(max_length=5, blank=True)",
    "models.CharField(max_length=5, blank=True, null=True)",
    "models.SlugField(blank=True)",
    "models.EmailField(blank=True)",
    "models.URLField(blank=True)",
    "models.TextField(blank=True)",
    "models.BinaryField(blank=True)",
    "models.FileField(blank=True)",
    "models.FilePathField(blank=True)",
    "models.GenericIPAddressField(blank=True)",
    "models.UUIDField(blank=True)",
    "models.JSONField(blank=True)",
    "models.DecimalField(max_digits=5, decimal_places=2, blank=True)",
    "models.BooleanField(blank=True)",
    "models.DateTimeField(auto_now=True)",
    "models.DateField(auto_now_add=True)",
    "models.TimeField(auto_now=True)",
    "models.DateTimeField(blank=True)",
    "models.ForeignKey('auth.User', on_delete=models.CASCADE, blank=True)",
    "models.BooleanField(db_default=True)",
]

ORACLE = """
import json, sys
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"], USE_TZ=True)
django.setup()
from django.db import models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
result = []
for source in json.loads(sys.stdin.read()):
    field = eval(source, {"models": models})
    filled = field.has_db_default() or BaseDatabaseSchemaEditor._effective_default(field) is not None
    result.append(filled)
print(json.dumps(result))
"""


def test_column_filler_agrees_with_djangos_effective_default() -> None:
    out = subprocess.run(
        [sys.executable, "-c", ORACLE],
        input=json.dumps(FIELDS),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    django_fills = json.loads(out)
    for source, filled in zip(FIELDS, django_fills, strict=True):
        node = parse(source + "\n").children[0].children[0]
        record = field_from_call("f", node, Path("m.py"), app_label="app")
        assert record is not None, source
        assert (column_filler(record) is not None) == filled, source


def _migrations(*sources: str) -> list:  # type: ignore[type-arg]
    found = []
    for number, source in enumerate(sources, start=1):
        path = Path(f"/p/app/migrations/{number:04d}_m.py")
        found.append(parse_migration(parse(textwrap.dedent(source)), path, "app"))
    return found


CREATE = """
    from django.db import migrations, models
    class Migration(migrations.Migration):
        operations = [
            migrations.CreateModel(
                name="Item",
                fields=[("id", models.AutoField(primary_key=True)), ("name", models.CharField(max_length=5, null=True))],
                options={"unique_together": {("id", "name")}, "db_table": "items"},
            ),
        ]
"""


def test_replay_follows_fields_and_options() -> None:
    state = replay(
        "app",
        _migrations(
            CREATE,
            """
            from django.db import migrations, models
            class Migration(migrations.Migration):
                operations = [
                    migrations.AddField("item", "size", models.IntegerField(default=3), preserve_default=False),
                    migrations.RenameField("item", "name", "title"),
                    migrations.AlterField("item", "title", models.CharField(max_length=5, unique=True)),
                    migrations.AddConstraint("item", models.UniqueConstraint(fields=["size"], name="u")),
                    migrations.AlterModelTable("item", "stuff"),
                ]
            """,
        ),
    )
    item = state.model("Item")
    assert item is not None and item.unknown is None
    assert item.field("size").record.default is None  # type: ignore[union-attr]
    assert item.field("title").record.is_unique  # type: ignore[union-attr]
    assert item.field("name") is None
    assert item.unique_together == (("id", "title"),)
    assert [c.record.name for c in item.constraints] == ["u"]
    assert item.table() == "stuff"


@pytest.mark.parametrize(
    "written",
    ['set([("id", "name")])', 'frozenset({("id", "name")})', '{("id", "name")}'],
)
def test_unique_together_written_as_a_set_call_is_read(written: str) -> None:
    # Django 1.x's makemigrations wrote `'unique_together': set([('token', 'revoked')])`
    # (django-oauth-toolkit 0001_initial): unread, models.py looked drifted (IL304).
    created = CREATE.replace('{("id", "name")}', written)
    altered = """
        from django.db import migrations, models
        class Migration(migrations.Migration):
            operations = [migrations.AlterUniqueTogether("item", set([("name", "id")]))]
    """
    item = replay("app", _migrations(created)).model("Item")
    assert item is not None and item.unique_together == (("id", "name"),)
    item = replay("app", _migrations(created, altered)).model("Item")
    assert item is not None and item.unique_together == (("name", "id"),)


@pytest.mark.parametrize(
    "operation",
    [
        'migrations.RunSQL("UPDATE items SET name = NULL")',
        "migrations.RunSQL(sql_from_somewhere)",
        "migrations.SeparateDatabaseAndState(state_operations=["
        'migrations.AddField("item", "x", models.IntegerField(null=True))])',
        'myapp.operations.Backfill(model_name="item")',
    ],
)
def test_operations_it_cannot_follow_make_the_model_unknown(operation: str) -> None:
    later = f"""
        from django.db import migrations, models
        class Migration(migrations.Migration):
            operations = [{operation}]
    """
    state = replay("app", _migrations(CREATE, later))
    item = state.model("Item")
    assert item is not None and item.unknown is not None


@pytest.mark.parametrize("where", ["class", "module"])
def test_state_operations_assigned_to_a_name_are_read(where: str) -> None:
    """django-oscar's communication 0001: `state_operations = [CreateModel(…)]` in the class,
    then `SeparateDatabaseAndState(state_operations=state_operations)`. The model exists
    (its state is not trusted: the database side is not told)."""
    create = (
        'migrations.CreateModel(name="Email", fields=[("id", models.AutoField(primary_key=True))])'
    )
    assignment = f"state_operations = [{create}]"
    source = f"""
        from django.db import migrations, models
        {assignment if where == "module" else ""}
        class Migration(migrations.Migration):
            {assignment if where == "class" else ""}
            operations = [
                migrations.SeparateDatabaseAndState(state_operations=state_operations),
            ]
    """
    state = replay("app", _migrations(source))
    email = state.model("Email")
    assert email is not None and email.unknown is not None


def test_unreadable_state_operations_make_the_app_unknown() -> None:
    later = """
        from django.db import migrations
        from elsewhere import OPERATIONS
        class Migration(migrations.Migration):
            operations = [migrations.SeparateDatabaseAndState(state_operations=OPERATIONS)]
    """
    state = replay("app", _migrations(CREATE, later))
    item = state.model("Item")
    assert item is not None and item.unknown is not None


def test_rename_model_repoints_the_apps_relations() -> None:
    """wagtail 0070 renames PageRevision to Revision; Comment.revision_created, created
    earlier with to="app.PageRevision", then points at app.Revision (as in Django's state)."""
    create = """
        from django.db import migrations, models
        class Migration(migrations.Migration):
            operations = [
                migrations.CreateModel(name="PageRevision", fields=[("id", models.AutoField(primary_key=True))]),
                migrations.CreateModel(
                    name="Comment",
                    fields=[
                        ("id", models.AutoField(primary_key=True)),
                        ("revision", models.ForeignKey("app.PageRevision", on_delete=models.CASCADE)),
                    ],
                ),
            ]
    """
    rename = """
        from django.db import migrations
        class Migration(migrations.Migration):
            operations = [migrations.RenameModel(old_name="PageRevision", new_name="Revision")]
    """
    state = replay("app", _migrations(create, rename))
    comment = state.model("Comment")
    assert comment is not None
    assert comment.field("revision").record.related_model == "app.Revision"  # type: ignore[union-attr]


def test_operations_built_at_import_time_make_the_app_unknown() -> None:
    """wagtail's search 0006: `operations = [...]` per database vendor, then `.append(...)`
    under an `if`. Which models it creates cannot be told statically."""
    later = """
        from django.db import connection, migrations, models
        class Migration(migrations.Migration):
            if connection.vendor == "sqlite":
                operations = [migrations.AlterField("item", "name", models.CharField(max_length=9))]
                operations.append(migrations.DeleteModel("item"))
            else:
                operations = []
    """
    state = replay("app", _migrations(CREATE, later))
    item = state.model("Item")
    assert item is not None and item.unknown is not None
    assert state.unknown is not None  # models it may have created: IL304 cannot say "none"


def test_state_operations_is_not_operations() -> None:
    later = """
        from django.db import migrations, models
        class Migration(migrations.Migration):
            state_operations = []
            state_operations += []
            operations = [migrations.AddField("item", "size", models.IntegerField(default=1))]
    """
    state = replay("app", _migrations(CREATE, later))
    item = state.model("Item")
    assert item is not None and item.unknown is None and item.field("size") is not None


def test_data_steps_remember_what_their_code_mentions() -> None:
    later = """
        from django.db import migrations
        def fill(apps, schema_editor):
            Item = apps.get_model("app", "Item")
            Item.objects.filter(name=None).update(name="x")
        class Migration(migrations.Migration):
            operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
    """
    state = replay("app", _migrations(CREATE, later))
    item = state.model("Item")
    assert item is not None
    assert item.data_step_between(0, 100, ["name"])
    assert not item.data_step_between(0, 100, ["id"])


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("Q(price__gte=0)", 'models.Q(("price__gte", 0))', True),
        (
            "Q(size__gte=0) & Q(quantity__gte=0)",
            'models.Q(("quantity__gte", 0), ("size__gte", 0))',
            True,
        ),
        (
            '~Q(a=1) | Q(b=F("c"))',
            'models.Q(models.Q(("a", 1), _negated=True), ("b", models.F("c")), _connector="OR")',
            True,
        ),
        ("Q(a=1)", "Q(a=2)", False),
        ("Q(a=1) & Q(b=2)", "Q(a=1) | Q(b=2)", False),
        # a model's condition as written over lines inside `CheckConstraint(…)`
        ('Q(a="x")  # why\n    | Q(b=1)', 'models.Q(("a", "x"), ("b", 1), _connector="OR")', True),
        ('Q(a="x")\n    | Q(b=1)', 'models.Q(("a", "x"), ("b", 2), _connector="OR")', False),
    ],
)
def test_conditions_compare_as_django_deconstructs_them(left: str, right: str, same: bool) -> None:
    from integrity_lsp.project.migrations.drift import canonical_condition

    assert (canonical_condition(left) == canonical_condition(right)) is same
