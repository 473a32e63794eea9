"""App discovery, labels and module names (project/apps.py through the index)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.config import Settings
from tests.project.conftest import BuildProject

MODEL = (
    "from django.db import models\n\nclass Thing(models.Model):\n    name = models.CharField()\n"
)


def test_labels_from_apps_py_name_and_folder(build: BuildProject) -> None:
    index = build(
        {
            "shop/__init__.py": "",
            "shop/models.py": MODEL,
            "shop/apps.py": """
                from django.apps import AppConfig

                class ShopConfig(AppConfig):
                    name = "shop"
                    label = "store"
            """,
            "project/__init__.py": "",
            "project/billing/__init__.py": "",
            "project/billing/models.py": MODEL,
            "project/billing/apps.py": """
                from django.apps import AppConfig

                class BillingConfig(AppConfig):
                    default_auto_field = "django.db.models.BigAutoField"
                    name = "project.billing"
            """,
            "blog/__init__.py": "",
            "blog/models/__init__.py": "from .post import *\n",
            "blog/models/post.py": MODEL,
            "blog/migrations/__init__.py": "",
        }
    )
    assert set(index.apps) == {"store", "billing", "blog"}
    assert index.apps["store"].name == "shop"
    assert index.apps["billing"].name == "project.billing"
    assert index.apps["blog"].has_migrations and not index.apps["store"].has_migrations
    assert index.get_model("store.Thing") is not None
    assert index.get_model("billing.thing") is not None
    assert index.get_model("blog.Thing") is not None
    billing = index.get_model("billing.Thing")
    assert billing is not None
    assert index.pk(billing) is not None
    assert index.pk(billing).field_class == "BigAutoField"  # type: ignore[union-attr]


def test_module_names_and_src_layout(build: BuildProject, tmp_path: Path) -> None:
    index = build(
        {
            "src/shop/__init__.py": "",
            "src/shop/models/__init__.py": "",
            "src/shop/models/catalog.py": MODEL,
            "scripts/tool.py": "",
        }
    )
    assert index.module_name(tmp_path / "src/shop/models/catalog.py") == "shop.models.catalog"
    assert index.module_name(tmp_path / "src/shop/models/__init__.py") == "shop.models"
    assert index.module_name(tmp_path / "scripts/tool.py") == "tool"
    assert index.path_for_module("shop.models.catalog") == tmp_path / "src/shop/models/catalog.py"
    assert index.path_for_module("shop") == tmp_path / "src/shop/__init__.py"
    app = index.app_for_path(tmp_path / "src/shop/models/catalog.py")
    assert app is not None and app.label == "shop" and app.name == "shop"
    assert index.app_for_path(tmp_path / "scripts/tool.py") is None


def test_virtualenvs_vendored_and_excluded_folders_are_skipped(
    build: BuildProject, tmp_path: Path
) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    index = build(
        {
            "shop/__init__.py": "",
            "shop/models.py": MODEL,
            ".venv/lib/site-packages/other/__init__.py": "",
            ".venv/lib/site-packages/other/models.py": MODEL,
            "env/lib/pkg/__init__.py": "",
            "env/lib/pkg/models.py": MODEL,
            "node_modules/x/__init__.py": "",
            "node_modules/x/models.py": MODEL,
            "legacy/__init__.py": "",
            "legacy/models.py": MODEL,
        },
        Settings(exclude=("legacy",)),
    )
    assert set(index.apps) == {"shop"}
    assert [model.label for model in index.models() if not index.is_builtin(model)] == [
        "shop.Thing"
    ]


def test_label_collision_prefers_installed_app(build: BuildProject) -> None:
    index = build(
        {
            "settings.py": 'INSTALLED_APPS = ["apps.core"]\n',
            "apps/__init__.py": "",
            "apps/core/__init__.py": "",
            "apps/core/models.py": MODEL,
            "core/__init__.py": "",
            "core/models.py": MODEL,
        }
    )
    assert index.apps["core"].name == "apps.core"


def test_a_models_module_inside_a_models_package_is_not_an_app(build: BuildProject) -> None:
    """extras/models/models.py is a module of the app extras, not an app labelled "models":
    its models' tables are extras_… (the label printed in messages)."""
    index = build(
        {
            "extras/__init__.py": "",
            "extras/models/__init__.py": "from .models import *\nfrom .tags import *\n",
            "extras/models/models.py": MODEL,
            "extras/models/tags.py": MODEL.replace("Thing", "Tag"),
            "extras/migrations/__init__.py": "",
        }
    )
    assert set(index.apps) == {"extras"}
    assert index.get_model("extras.Thing") is not None
    assert index.get_model("extras.Tag") is not None
    assert index.get_model("models.Thing") is None


def test_a_models_module_in_a_sub_package_of_an_app_belongs_to_the_app(
    build: BuildProject,
) -> None:
    """reports/plugins/archive/models.py (no apps.py, no migrations, not installed), whose model
    the migrations of reports create, is a module of the app reports: Django labels its models
    reports.…, as those migrations do. A sub-package with a model no migration of the app
    creates (askbot's optional importers, whose `User` and `Post` share names with askbot's;
    django-river's test models) stays an app of its own; so does one with its own migrations."""
    create = (
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    operations = [migrations.CreateModel(name="Archive", fields=[])]\n'
    )
    index = build(
        {
            "reports/__init__.py": "",
            "reports/models.py": MODEL,
            "reports/migrations/__init__.py": "",
            "reports/migrations/0001_initial.py": create,
            "reports/plugins/__init__.py": "",
            "reports/plugins/archive/__init__.py": "",
            "reports/plugins/archive/models.py": MODEL.replace("Thing", "Archive"),
            "reports/importers/__init__.py": "",
            "reports/importers/models.py": MODEL.replace("Thing", "Archive")
            + "\n\nclass Imported(models.Model):\n    name = models.CharField()\n",
            "billing/__init__.py": "",
            "billing/models.py": MODEL,
            "billing/migrations/__init__.py": "",
            "billing/ledger/__init__.py": "",
            "billing/ledger/models.py": MODEL.replace("Thing", "Entry"),
            "billing/ledger/migrations/__init__.py": "",
        }
    )
    assert set(index.apps) == {"reports", "importers", "billing", "ledger"}
    assert index.get_model("reports.Archive") is not None
    assert index.get_model("archive.Archive") is None
    assert index.get_model("importers.Imported") is not None
    assert index.get_model("ledger.Entry") is not None


def test_label_from_the_config_default_app_config_names(build: BuildProject) -> None:
    """Before Django 3.2 an app's config was the one its `__init__.py` names as
    `default_app_config`; projects written for it (shuup labels `shuup.core` "shuup") name their
    models by that label in every migration. The class may sit in `__init__.py` itself or in
    `apps.py`; a config named elsewhere keeps the folder. (A config the `__init__.py` defines
    without naming it: `test_label_from_a_config_the_package_defines_for_itself`.)"""
    index = build(
        {
            "shop/__init__.py": """
                from django.apps import AppConfig

                class ShopConfig(AppConfig):
                    name = "shop"
                    label = "store"

                default_app_config = "shop.ShopConfig"
            """,
            "shop/models.py": MODEL,
            "billing/__init__.py": 'default_app_config = __name__ + ".apps.Second"\n',
            "billing/apps.py": """
                from django.apps import AppConfig

                class First(AppConfig):
                    name = "billing"
                    label = "first"

                class Second(AppConfig):
                    name = "billing"
                    label = "invoices"
            """,
            "billing/models.py": MODEL,
            "crm/__init__.py": 'default_app_config = "crm.config.CrmConfig"\n',
            "crm/models.py": MODEL,
        }
    )
    assert set(index.apps) == {"store", "invoices", "crm"}
    assert index.get_model("store.Thing") is not None
    assert index.get_model("invoices.Thing") is not None


PLUGIN_INIT = """
    from pulpcore.plugin import PulpPluginAppConfig

    class PulpGalleryPluginAppConfig(PulpPluginAppConfig):
        name = "gallery.app"
        label = "gallery"
"""


@pytest.mark.parametrize(
    ("installed", "label"),
    [
        (None, "gallery"),  # no settings file: the entry point lists the config
        ('["gallery.app.PulpGalleryPluginAppConfig"]', "gallery"),
        ('["django.contrib.auth"]', "gallery"),  # added at run time (pulp's entry points)
        ('["gallery.app"]', "app"),  # the bare package: Django makes a default config
    ],
)
def test_label_from_a_config_the_package_defines_for_itself(
    build: BuildProject, installed: str | None, label: str
) -> None:
    """A pulp plugin defines its AppConfig in the app package's `__init__.py` (galaxy_ng's
    `galaxy_ng.app`, labelled "galaxy"), with no apps.py and no `default_app_config`:
    INSTALLED_APPS names the class by its dotted path, from the plugin's entry point. That
    config gives the label, unless the settings list the bare package."""
    files = {"gallery/__init__.py": "", "gallery/app/__init__.py": PLUGIN_INIT}
    files["gallery/app/models.py"] = MODEL
    if installed is not None:
        files["settings.py"] = f"INSTALLED_APPS = {installed}\n"
    index = build(files)
    assert set(index.apps) == {label}
    assert index.get_model(f"{label}.Thing") is not None
