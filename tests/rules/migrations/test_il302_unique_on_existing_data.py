"""IL302: a unique constraint added over rows that may repeat a value; its fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.analysis.edits import compiles
from integrity_lsp.checker import check_source
from integrity_lsp.config import Settings
from tests.helpers import (
    EXAMPLES_NEW_MIGRATIONS,
    commit_all_but,
    copy_project,
    created_files,
    environment,
    first_unsafe_fix,
    initial_migration,
    write_app,
)

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
    write_app(
        tmp_path,
        "pages",
        {
            "models.py": "",
            "migrations/0001_initial.py": initial_migration(
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


LINES_0002 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("lines", "0001_initial")]
    operations = [
        migrations.AddField(
            "line", "basket", models.ForeignKey("lines.Basket", on_delete=models.CASCADE)
        ),
        migrations.AlterUniqueTogether("line", set([("basket", "reference")])),
        migrations.AlterUniqueTogether("basket", set([("owner", "code")])),
    ]
"""


def test_a_unique_set_over_a_column_just_added_not_null_is_not_reported(tmp_path: Path) -> None:
    """django-oscar basket 0002: `Line.basket` added NOT NULL with no default, then (`basket`,
    `line_reference`) made unique in the same migration (written `set([...])`, as Django 1.7
    did). The AddField fails on any existing row, so the index is built on an empty table. A
    set over columns that were there before is still reported."""
    write_app(
        tmp_path,
        "lines",
        {
            "models.py": "",
            "migrations/0001_initial.py": initial_migration(
                ("Basket", '("owner", models.IntegerField()), ("code", models.IntegerField())'),
                ("Line", '("reference", models.CharField(max_length=50))'),
            ),
            "migrations/0002_basket.py": LINES_0002,
        },
    )
    path = tmp_path / "lines/migrations/0002_basket.py"
    findings = [
        f for f in check_source(LINES_0002, path, environment(tmp_path)) if f.code == "IL302"
    ]
    assert [f.message.split(" unique ")[0] for f in findings] == [
        "AlterUniqueTogether makes lines_basket.owner, lines_basket.code"
    ]


def test_il302_dedupe_before(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    path, fix = first_unsafe_fix(root, "shop/migrations/0006_alter_product_barcode.py", "IL302")
    own = [e for e in fix.edits if e.path == path]
    assert [e.content for e in own] == ['\n        ("shop", "0006_dedupe_product_barcode"),']
    ((name, text),) = created_files(fix).items()
    assert name == "0006_dedupe_product_barcode.py"
    assert '("shop", "0005_product_barcode")' in text
    assert ".exclude(barcode__isnull=True)" in text and "Decide" in text
    assert compiles(text)


def test_il302_unique_add_field_regenerates_values(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    path, fix = first_unsafe_fix(root, "accounts/migrations/0003_profile_referral_code.py", "IL302")
    files = created_files(fix)
    regenerate = files["0003_backfill_profile_referral_code.py"]
    assert "row.referral_code = accounts.models.new_referral_code()" in regenerate
    assert "import accounts.models" in regenerate
    own = "".join(e.content for e in fix.edits if e.path == path)
    assert own == ", null=True"


STATES_0001 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="State",
            fields=[
                ("id", models.AutoField(primary_key=True)),
                ("page", models.IntegerField()),
                ("status", models.CharField(max_length=20, choices=[
                    ("in_progress", "In progress"), ("approved", "Approved"),
                    ("rejected", "Rejected"),
                ])),
            ],
        ),
        migrations.AddConstraint(
            "state",
            models.UniqueConstraint(
                fields=("page",), condition=models.Q(status="in_progress"), name="one_open"
            ),
        ),
    ]
"""

STATES_0002 = """\
from django.db import migrations, models
{function}

class Migration(migrations.Migration):
    dependencies = [("states", "0001_initial")]
    operations = [
        migrations.RemoveConstraint("state", "one_open"),
        migrations.AlterField("state", "status", models.CharField(max_length=20, choices=[
            ("in_progress", "In progress"), ("approved", "Approved"),
            ("needs_changes", "Needs changes"),
        ])),{step}
        migrations.AddConstraint(
            "state",
            models.UniqueConstraint(
                fields=("page",),
                condition=models.Q(status__in=({values})),
                name="one_open",
            ),
        ),
    ]
"""

RENAME_STATUS = """
def rename(apps, schema_editor):
    State = apps.get_model("states", "State")
    State.objects.filter(status="rejected").update(status="needs_changes")
"""


def _il302_in_states(tmp_path: Path, values: str, with_step: bool = False) -> list[str]:
    text = STATES_0002.format(
        values=values,
        function=RENAME_STATUS if with_step else "",
        step="\n        migrations.RunPython(rename)," if with_step else "",
    )
    write_app(
        tmp_path,
        "states",
        {"models.py": "", "migrations/0001_initial.py": STATES_0001, "migrations/0002_x.py": text},
    )
    path = tmp_path / "states/migrations/0002_x.py"
    return [f.message for f in check_source(text, path, environment(tmp_path)) if f.code == "IL302"]


def test_a_conditional_constraint_re_added_over_a_new_choice_is_not_reported(
    tmp_path: Path,
) -> None:
    """wagtail 0050: the conditional unique constraint on in-progress states is dropped and
    re-added for `in_progress` or `needs_changes`, a status the same migration introduces. No
    row holds it yet, so the rows the new condition covers were already unique."""
    assert _il302_in_states(tmp_path, '"in_progress", "needs_changes"') == []


def test_a_conditional_constraint_broadened_to_values_rows_hold_is_reported(
    tmp_path: Path,
) -> None:
    """`approved` was a choice before the migration: approved and in-progress states of one
    page may exist together, and now they collide."""
    assert len(_il302_in_states(tmp_path, '"in_progress", "approved"')) == 1


def test_a_new_choice_written_by_a_data_step_first_is_reported(tmp_path: Path) -> None:
    """A RunPython of the same migration renames `rejected` to `needs_changes` before the
    constraint: rows hold the new value, and a page's rejected and in-progress states collide."""
    assert len(_il302_in_states(tmp_path, '"in_progress", "needs_changes"', True)) == 1


LINKS_0002 = """\
# Generated by Django 3.1.14 on {when}

from django.db import migrations, models
{function}

class Migration(migrations.Migration):
    dependencies = [("links", "0001_initial")]
    operations = [{step}
        migrations.AddConstraint(
            "link", models.UniqueConstraint(fields=("project", "label"), name="unique_link")
        ),
    ]
"""

LINKS_FILL = """
def fill(apps, schema_editor):
    Link = apps.get_model("links", "Link")
    for old in apps.get_model("links", "OldLink").objects.all():
        Link.objects.create(project=old.project, label=old.label)
"""


PREFS_0002 = """\
from django.db import migrations, models
{function}

class Migration(migrations.Migration):
    dependencies = [("prefs", "0001_initial")]
    operations = [{step}
        migrations.AlterField("pref", "event", models.IntegerField(null=True)),
        migrations.AddConstraint(
            "pref",
            models.UniqueConstraint(
                fields=("user",), condition=models.Q(event__isnull=True), name="one_global"
            ),
        ),
    ]
"""

CLEAR_EVENTS = """
def clear(apps, schema_editor):
    Pref = apps.get_model("prefs", "Pref")
    Pref.objects.filter(event=0).update(event=None)
"""


def _il302_in_prefs(tmp_path: Path, event_null: bool, with_step: bool = False) -> list[str]:
    text = PREFS_0002.format(
        function=CLEAR_EVENTS if with_step else "",
        step="\n        migrations.RunPython(clear)," if with_step else "",
    )
    event = "models.IntegerField(null=True)" if event_null else "models.IntegerField()"
    fields = f'("user", models.IntegerField()), ("event", {event})'
    write_app(
        tmp_path,
        "prefs",
        {
            "models.py": "",
            "migrations/0001_initial.py": initial_migration(("Pref", fields)),
            "migrations/0002_x.py": text,
        },
    )
    path = tmp_path / "prefs/migrations/0002_x.py"
    return [f.message for f in check_source(text, path, environment(tmp_path)) if f.code == "IL302"]


def test_a_constraint_on_null_rows_of_a_column_that_was_not_null_is_not_reported(
    tmp_path: Path,
) -> None:
    """pretalx: a per-event preference's `event` becomes nullable and a constraint keeps one
    global (event IS NULL) row per user. `event` was NOT NULL until this migration, so no
    existing row meets the condition: the index starts empty."""
    assert _il302_in_prefs(tmp_path, event_null=False) == []


def test_a_constraint_on_null_rows_of_a_nullable_column_is_reported(tmp_path: Path) -> None:
    """`event` could already be NULL: a user's global rows may repeat."""
    assert len(_il302_in_prefs(tmp_path, event_null=True)) == 1


def test_null_rows_written_by_a_data_step_first_are_reported(tmp_path: Path) -> None:
    """A RunPython of the same migration sets `event` to NULL before the constraint: the
    covered rows exist and may repeat a user."""
    assert len(_il302_in_prefs(tmp_path, event_null=False, with_step=True)) == 1


def _il302_in_links(
    tmp_path: Path,
    when: str,
    *,
    fill: bool = False,
    squashed: bool = False,
    new: tuple[str, ...] | None = None,
    since: str | None = None,
) -> int:
    creator = "# Generated by Django 3.1.14 on 2022-01-31 09:56\n\n" + initial_migration(
        ("Link", '("project", models.IntegerField()), ("label", models.IntegerField())'),
        ("OldLink", '("project", models.IntegerField()), ("label", models.IntegerField())'),
    )
    if squashed:
        creator = creator.replace("    dependencies = []", '    replaces = [("links", "0001_a")]')
    text = LINKS_0002.format(
        when=when,
        function=LINKS_FILL if fill else "",
        step="\n        migrations.RunPython(fill)," if fill else "",
    )
    write_app(
        tmp_path,
        "links",
        {"models.py": "", "migrations/0001_initial.py": creator, "migrations/0002_x.py": text},
    )
    if new is not None:  # a git repository whose commit holds all but `new`
        commit_all_but(tmp_path, *new)
    path = tmp_path / "links/migrations/0002_x.py"
    env = environment(tmp_path, Settings(migrations_since=since))
    return sum(f.code == "IL302" for f in check_source(text, path, env))


def test_a_table_created_hours_before_by_makemigrations_is_not_reported(tmp_path: Path) -> None:
    """label-studio labels_manager: 0001 creates LabelLink at 09:56, 0002 makes (project,
    label) unique at 13:25 the same day. One piece of work, released together: the table had
    no rows when the constraint was added."""
    assert _il302_in_links(tmp_path, "2022-01-31 13:25") == 0


def test_a_table_created_long_before_is_reported(tmp_path: Path) -> None:
    assert _il302_in_links(tmp_path, "2022-03-02 13:25") == 1


def test_a_table_filled_since_it_was_created_is_reported(tmp_path: Path) -> None:
    """A data step copied rows into the new table first: they may repeat a pair."""
    assert _il302_in_links(tmp_path, "2022-01-31 13:25", fill=True) == 1


def test_a_squashed_creator_tells_nothing_of_when_the_table_was_made(tmp_path: Path) -> None:
    assert _il302_in_links(tmp_path, "2022-01-31 13:25", squashed=True) == 1


def test_git_decides_for_a_new_migration_on_a_table_committed_before_the_base(
    tmp_path: Path,
) -> None:
    """0001 is on main (it may be deployed: a team that deploys several times a day has rows
    in it by 13:25), 0002 is the branch's new migration: reported, whatever the headers say."""
    assert _il302_in_links(tmp_path, "2022-01-31 13:25", new=("links/migrations/0002_*",)) == 1


def test_headers_speak_where_git_cannot_tell_two_committed_migrations_apart(
    tmp_path: Path,
) -> None:
    """Both committed, checked with --all-migrations: git says nothing of a release between
    them; written three hours apart, they shipped together."""
    assert _il302_in_links(tmp_path, "2022-01-31 13:25", new=(), since="all") == 0


PAGES_SECOND_HALF = """\
{header}from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [{create}
        migrations.AlterUniqueTogether("page", unique_together={{("site", "reverse_id")}}),
    ]
"""
PLACEHOLDER = """
        migrations.CreateModel(
            name="Placeholder", fields=[("id", models.AutoField(primary_key=True))]
        ),"""
FILL_PAGES = """
        migrations.RunPython(fill),"""


def _il302_on_split_pair(
    tmp_path: Path,
    name: str = "0002_auto_20140816_1918",
    *,
    header: str = "",
    create: bool = True,
    fill: bool = False,
) -> int:
    """django-cms 0001_initial + 0002_auto_20140816_1918: Django 1.7 wrote the app's first run
    in two files; the second creates more models and gives Page its unique_together."""
    creator = initial_migration(
        ("Page", '("site", models.IntegerField()), ("reverse_id", models.IntegerField())')
    )
    steps = (FILL_PAGES if fill else "") + (PLACEHOLDER if create else "")
    text = PAGES_SECOND_HALF.format(header=header, create=steps)
    if fill:
        text = text.replace(
            "\n\nclass Migration",
            "\n\ndef fill(apps, schema_editor):\n"
            '    apps.get_model("pages", "Page").objects.create(site=1, reverse_id=1)\n'
            "\n\nclass Migration",
        )
    write_app(
        tmp_path,
        "pages",
        {"models.py": "", "migrations/0001_initial.py": creator, f"migrations/{name}.py": text},
    )
    path = tmp_path / f"pages/migrations/{name}.py"
    env = environment(tmp_path, Settings(migrations_since="all"))
    return sum(f.code == "IL302" for f in check_source(text, path, env))


def test_the_second_half_of_a_split_first_run_is_not_reported(tmp_path: Path) -> None:
    """Both halves ship together and run together: Page has no rows when it becomes unique."""
    assert _il302_on_split_pair(tmp_path) == 0


@pytest.mark.parametrize(
    ("name", "header", "create", "fill"),
    [
        pytest.param("0002_page_unique", "", True, False, id="named-by-hand"),
        pytest.param("0002_auto_20160816_1918", "", True, False, id="django-1.9-or-later"),
        pytest.param(
            "0002_auto_20140816_1918",
            "# Generated by Django 1.11 on 2014-08-16 19:18\n\n",
            True,
            False,
            id="a-header-without-initial",
        ),
        pytest.param("0002_auto_20140816_1918", "", False, False, id="no-model-created"),
        pytest.param("0002_auto_20140816_1918", "", True, True, id="rows-written-first"),
    ],
)
def test_what_is_not_a_split_first_run_is_reported(
    tmp_path: Path, name: str, header: str, create: bool, fill: bool
) -> None:
    """A name given by hand, a date after Django 1.9 (which marks both halves `initial =
    True`), a header (written by 1.9 or later, yet not marked), a migration that creates no
    model (a later change), or a data step that filled Page first: no evidence of one run."""
    found = _il302_on_split_pair(tmp_path, name, header=header, create=create, fill=fill)
    assert found == 1


LEADS_0002 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("leads", "0001_initial")]
    operations = [
        migrations.AddField(
            "lead", "external_id", models.CharField(blank=True, default="", max_length=50)
        ),
        migrations.AddConstraint(
            "lead",
            models.UniqueConstraint(
                fields=("org", "external_id"),
                condition=models.Q(("external_id", {excluded}), _negated=True),
                name="one_lead_per_external_id",
            ),
        ),
    ]
"""


def _il302_in_leads(tmp_path: Path, excluded: str) -> list[str]:
    text = LEADS_0002.format(excluded=excluded)
    write_app(
        tmp_path,
        "leads",
        {
            "models.py": "",
            "migrations/0001_initial.py": initial_migration(
                ("Lead", '("org", models.IntegerField())')
            ),
            "migrations/0002_x.py": text,
        },
    )
    path = tmp_path / "leads/migrations/0002_x.py"
    return [f.message for f in check_source(text, path, environment(tmp_path)) if f.code == "IL302"]


def test_a_condition_false_for_the_value_a_new_column_gave_every_row_is_not_reported(
    tmp_path: Path,
) -> None:
    """django-crm leads 0019: `external_id` is added with `default=""` for every existing row,
    then made unique per org where it is not "": no existing row meets the condition."""
    assert _il302_in_leads(tmp_path, '""') == []


def test_a_condition_true_for_the_value_a_new_column_gave_every_row_is_reported(
    tmp_path: Path,
) -> None:
    """Excluding another value covers every existing row, all with `external_id` "" per org."""
    assert len(_il302_in_leads(tmp_path, '"none"')) == 1
