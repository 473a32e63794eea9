"""The static migration graph orders migrations exactly as Django's loader and executor do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from integrity_lsp.project.migrations.history import history_for
from tests.helpers import EXAMPLES, FIXTURES, environment

DJANGO_PLAN = """
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
import django
django.setup()
from django.db.migrations.loader import MigrationLoader
graph = MigrationLoader(None, ignore_no_migrations=True).graph
plan = []
for leaf in graph.leaf_nodes():
    for key in graph.forwards_plan(leaf):
        if key not in plan:
            plan.append(key)
print(json.dumps(plan))
"""


def django_plan(root: Path, settings_module: str) -> list[tuple[str, str]]:
    """What Django itself would apply, computed by Django in a subprocess (it imports the
    fixture project's code, which the checker never does)."""
    out = subprocess.run(
        [sys.executable, "-c", DJANGO_PLAN, settings_module],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [(key[0], key[1]) for key in json.loads(out)]


def test_examples_plan_matches_django() -> None:
    history = history_for(environment(EXAMPLES).index)
    ours = history.plan().order
    theirs = [
        key
        for key in django_plan(EXAMPLES, "config.settings")
        if key[0] in ("shop", "accounts", "sales")
    ]
    assert ours == theirs
    assert ("sales", "0001_squashed_0002_orderline") in ours
    assert ("sales", "0001_initial") not in ours


def test_fixture_plan_matches_django_with_run_before_and_swappable() -> None:
    root = FIXTURES / "migrations"
    history = history_for(environment(root).index)
    ours = history.plan().order
    theirs = [
        key for key in django_plan(root, "migsite.settings") if key[0] in ("people", "catalog")
    ]
    assert ours == theirs
    assert ours.index(("people", "0002_person_nick")) < ours.index(("catalog", "0002_item_columns"))


def test_replaced_migration_uses_the_unsquashed_plan() -> None:
    history = history_for(environment(EXAMPLES).index)
    replaced = history.context(EXAMPLES / "orders" / "migrations" / "0002_orderline.py")
    assert replaced is not None and not replaced.squashed
    assert ("sales", "0002_orderline") in replaced.plan.order
    squash = history.context(EXAMPLES / "orders" / "migrations" / "0001_squashed_0002_orderline.py")
    assert squash is not None and squash.squashed
    # A migration written against a replaced one depends on the squash instead.
    parents = squash.plan.parents[("sales", "0003_alter_orderline_unique_together")]
    assert parents == {("sales", "0001_squashed_0002_orderline")}


def test_swappable_dependency_names_the_user_model_app() -> None:
    history = history_for(environment(EXAMPLES).index)
    migrations = history.all_migrations()
    deps = migrations[("sales", "0001_squashed_0002_orderline")].dependencies
    assert ("accounts", "__first__") in {(d.app_label, d.name) for d in deps}
    parents = history.plan().parents[("sales", "0001_squashed_0002_orderline")]
    assert ("accounts", "0001_initial") in parents


def test_unsaved_text_replaces_the_file(tmp_path: Path) -> None:
    from tests.helpers import copy_project

    root = copy_project("examples", tmp_path)
    history = history_for(environment(root).index)
    path = root / "shop" / "migrations" / "0013_product_note.py"
    history.file_changed(
        path,
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0012_digitalproduct")]\n'
        "    operations = [\n"
        '        migrations.AddField("product", "note", models.TextField(null=True)),\n'
        "    ]\n",
    )
    assert history.plan().order[-1] == ("shop", "0013_product_note")
    product = history.app_state("shop").model("Product")
    assert product is not None and product.field("note") is not None
    history.file_changed(path, None)
    assert history.plan().order[-1] == ("shop", "0012_digitalproduct")
