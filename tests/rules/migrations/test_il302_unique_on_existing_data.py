"""IL302: a unique constraint added over rows that may repeat a value; its fixes."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.edits import compiles
from integrity_lsp.checker import check_source
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
