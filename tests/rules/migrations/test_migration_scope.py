"""Which migrations IL301-IL303 report on in `check`: the new ones relative to the git base by
default, `--since REF`, `--all-migrations`; every one outside git."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import (
    EXAMPLES_NEW_MIGRATIONS,
    commit_all_but,
    copy_project,
    environment,
    initial_migration,
    write_app,
)

HISTORY = "IL301,IL302,IL303"
SHOP_0004 = "0004_product_weight_grams_description.py"
ALL_HAZARDS = [
    "0003_alter_orderline_unique_together.py",
    "0003_profile_referral_code.py",
    SHOP_0004,
    "0006_alter_product_barcode.py",
    "0007_alter_product_category.py",
]
NEW_HAZARDS = [name for name in ALL_HAZARDS if not name.startswith("0003_alter_orderline")]


def check(root: Path, *args: str) -> tuple[list[str], str]:
    command = [sys.executable, "-m", "integrity_lsp", "check", "--no-cache", "--format", "json"]
    done = subprocess.run(
        [*command, "--select", HISTORY, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    return sorted(Path(f["filename"]).name for f in json.loads(done.stdout)), done.stderr


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_outside_git_every_migration_is_reported(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    assert check(root)[0] == ALL_HAZARDS


def test_committed_migrations_are_quiet_and_new_ones_report(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS)
    found, stderr = check(root)
    assert found == NEW_HAZARDS  # untracked
    assert "1 finding(s) in migrations older than main not shown" in stderr
    assert check(root, "--all-migrations")[0] == ALL_HAZARDS
    git(root, "add", ".")
    assert check(root)[0] == NEW_HAZARDS  # staged, not committed: still new
    git(root, "commit", "-q", "-m", "on main")
    assert check(root)[0] == []  # on the default branch, everything is applied history


def test_a_branch_reports_what_it_adds_since_the_merge_base(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root, "shop/migrations/000[4-9]_*.py", "shop/migrations/001*.py")
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "the branch's migrations")
    git(root, "checkout", "-q", "main")
    (root / "README.md").write_text("main moved on\n", encoding="utf-8")
    git(root, "commit", "-q", "-am", "main moves on")
    git(root, "checkout", "-q", "feature")
    shop = [name for name in NEW_HAZARDS if name != "0003_profile_referral_code.py"]
    assert check(root)[0] == shop  # merge-base with main, not main's tip
    assert check(root, "--since", "HEAD")[0] == []
    assert check(root, "--since", "HEAD~1")[0] == shop


def test_a_changed_committed_migration_is_new(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root)
    migration = root / "shop" / "migrations" / SHOP_0004
    migration.write_text(migration.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert check(root)[0] == [SHOP_0004]


def test_a_migration_named_on_the_command_line_is_always_reported(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root)
    assert check(root, f"shop/migrations/{SHOP_0004}")[0] == [SHOP_0004]


def test_an_unknown_ref_is_a_warning_and_every_migration_is_reported(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root)
    found, stderr = check(root, "--since", "no-such-branch")
    assert found == ALL_HAZARDS
    assert "'no-such-branch': git knows no such commit" in stderr


def test_a_ref_that_looks_like_an_option_never_reaches_git(tmp_path: Path) -> None:
    root = copy_project("examples", tmp_path)
    commit_all_but(root)
    found, stderr = check(root, "--since=--output=x")
    assert "`migrations-since` must be" in stderr
    assert found == [] and not (root / "x").exists()


NEW_TABLE = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Box",
            fields=[("id", models.AutoField(primary_key=True))],
        ),
    ]
"""
FILL = """\
from django.db import migrations


def fill(apps, schema_editor):
    apps.get_model("shop", "Box").objects.create()


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_box")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
"""
ADD_COLUMN = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "{previous}")]
    operations = [
        migrations.AddField(model_name="box", name="size", field=models.IntegerField()),
    ]
"""


def _box_project(root: Path, *, filled: bool) -> Path:
    files = {
        "models.py": "from django.db import models\n\n\nclass Box(models.Model):\n"
        "    size = models.IntegerField()\n",
        "migrations/0001_initial.py": initial_migration(),
        "migrations/0002_box.py": NEW_TABLE,
    }
    previous = "0002_box"
    if filled:
        files["migrations/0003_fill.py"] = FILL
        previous = "0003_fill"
    files["migrations/0009_box_size.py"] = ADD_COLUMN.format(previous=previous)
    write_app(root, "shop", files)
    return root / "shop" / "migrations" / "0009_box_size.py"


@pytest.mark.parametrize("filled", [False, True])
def test_a_table_a_new_migration_creates_is_empty(tmp_path: Path, filled: bool) -> None:
    """Before the deploy no database has the new table: a NOT NULL column added to it meets
    no row, unless a data step of the new migrations put some there."""
    path = _box_project(tmp_path, filled=filled)
    commit_all_but(tmp_path, "shop/migrations/000[2-9]_*.py")
    found = [f.code for f in check_source(path.read_text(), path, environment(tmp_path))]
    assert ("IL301" in found) is filled
    committed = tmp_path / "committed"
    path = _box_project(committed, filled=False)
    commit_all_but(committed)  # the table exists on databases that applied 0002: rows maybe
    found = [f.code for f in check_source(path.read_text(), path, environment(committed))]
    assert "IL301" in found


def test_a_squashed_migration_runs_only_on_a_new_database(tmp_path: Path) -> None:
    path = _box_project(tmp_path, filled=False)
    text = path.read_text().replace(
        "class Migration(migrations.Migration):\n",
        'class Migration(migrations.Migration):\n    replaces = [("shop", "0003_old")]\n',
    )
    path.write_text(text)
    assert [f.code for f in check_source(text, path, environment(tmp_path))] == []


def _json_findings(root: Path, *args: str) -> tuple[list[tuple[str, int]], str]:
    command = [sys.executable, "-m", "integrity_lsp", "check", "--no-cache", "--format", "json"]
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, cwd=root, timeout=300
    )
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    where = [(Path(f["filename"]).resolve().relative_to(root.resolve()), f) for f in found]
    return sorted((path.as_posix(), f["location"]["row"]) for path, f in where), done.stderr


def test_since_reports_only_findings_on_changed_lines(tmp_path: Path) -> None:
    """A team gates the code it changes in CI without fixing the past first."""
    root = copy_project("examples", tmp_path)
    commit_all_but(root, "shop/services.py")  # the branch adds services.py whole
    everything, _ = _json_findings(root, "--select", "IL1,IL2")
    views = sorted(line for name, line in everything if name == "shop/views.py")
    assert views and any(name == "shop/services.py" for name, _ in everything)
    path = root / "shop" / "views.py"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[views[0] - 1] = lines[views[0] - 1].rstrip("\n") + "  # touched\n"
    path.write_text("".join(lines), encoding="utf-8")
    found, stderr = _json_findings(root, "--select", "IL1,IL2", "--since", "HEAD")
    expected = [(n, line) for n, line in everything if n == "shop/services.py"]
    assert found == sorted([*expected, ("shop/views.py", views[0])])
    assert "on lines not changed since the --since base not shown" in stderr
