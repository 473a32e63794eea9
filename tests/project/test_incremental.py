"""ProjectIndex.update_file: content-hash keyed, incremental, generation bumps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.index import files as index_module
from tests.project.conftest import BuildProject

MODELS = """
from django.db import models

class Product(models.Model):
    sku = models.CharField(max_length=5)
"""


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the parso parses the index makes (its file table parses)."""
    counter: list[int] = []
    real = index_module.parse  # type: ignore[attr-defined]

    def counting(text: str) -> Any:
        counter.append(len(text))
        return real(text)

    monkeypatch.setattr(index_module, "parse", counting)
    return counter


def sku_is_unique(index: ProjectIndex) -> bool:
    product = index.get_model("shop.Product")
    assert product is not None
    return any(unique.fields == {"sku"} for unique in index.unique_sets(product))


def test_changing_unique_updates_unique_sets(build: BuildProject, tmp_path: Path) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    path = tmp_path / "shop/models.py"
    assert not sku_is_unique(index)
    generation = index.generation
    assert index.update_file(path, MODELS.replace("max_length=5", "max_length=5, unique=True"))
    assert sku_is_unique(index)
    assert index.generation == generation + 1
    assert index.update_file(path, MODELS)
    assert not sku_is_unique(index)
    assert index.generation == generation + 2


def test_unchanged_hash_does_no_work(
    build: BuildProject, tmp_path: Path, parses: list[int]
) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    path = tmp_path / "shop/models.py"
    before = len(parses)
    generation = index.generation
    assert not index.update_file(path, MODELS.lstrip("\n"))  # what is on disk
    assert len(parses) == before
    assert index.generation == generation


def test_edit_that_keeps_model_facts_returns_false(build: BuildProject, tmp_path: Path) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    path = tmp_path / "shop/models.py"
    assert not index.update_file(path, MODELS.lstrip("\n") + "\n\ndef helper():\n    return 1\n")
    assert index.generation == 0


def test_files_without_model_classes_are_not_parsed(
    build: BuildProject, tmp_path: Path, parses: list[int]
) -> None:
    index = build(
        {
            "shop/__init__.py": "",
            "shop/models.py": MODELS,
            "shop/views.py": "from .models import Product\n\ndef view(request):\n    pass\n",
        }
    )
    before = len(parses)
    view = tmp_path / "shop/views.py"
    assert not index.update_file(view, "from .models import Product\n\nclass V(View):\n    pass\n")
    assert len(parses) == before
    assert index.is_index_source(view)
    assert not index.is_index_source(tmp_path / "README.md")


def test_model_added_in_another_file_and_new_subclass_elsewhere(
    build: BuildProject, tmp_path: Path
) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    extra = tmp_path / "shop/extra.py"
    source = "from .models import Product\n\nclass Special(Product):\n    pass\n"
    assert index.update_file(extra, source)
    special = index.get_model("shop.Special")
    assert special is not None and index.models_defined_in(extra) == (special,)
    assert index.update_file(extra, None)
    assert index.get_model("shop.Special") is None
    assert not index.update_file(extra, None)


def test_base_becoming_model_ish_parses_dependent_files(
    build: BuildProject, tmp_path: Path
) -> None:
    index = build(
        {
            "core/__init__.py": "",
            "core/base.py": "class Base:\n    pass\n",
            "shop/__init__.py": "",
            "shop/models.py": "from core.base import Base\n\nclass Thing(Base):\n    pass\n",
        }
    )
    assert index.get_model("shop.Thing") is None
    changed = index.update_file(
        tmp_path / "core/base.py",
        "from django.db import models\n\nclass Base(models.Model):\n"
        "    code = models.CharField(unique=True)\n\n    class Meta:\n        abstract = True\n",
    )
    assert changed
    thing = index.get_model("shop.Thing")
    assert thing is not None and "code" in index.all_fields(thing)


def test_new_app_appears(build: BuildProject, tmp_path: Path) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    assert not index.update_file(tmp_path / "blog/__init__.py", "")  # no model facts yet
    assert index.update_file(
        tmp_path / "blog/models.py",
        "from django.db import models\n\nclass Post(models.Model):\n    pass\n",
    )
    assert "blog" in index.apps
    post = index.get_model("blog.Post")
    assert post is not None and post.module == "blog.models"
    assert index.module_name(tmp_path / "blog/models.py") == "blog.models"


def test_apps_py_label_change(build: BuildProject, tmp_path: Path) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    apps = (
        "from django.apps import AppConfig\n\n"
        "class ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n"
    )
    assert index.update_file(tmp_path / "shop/apps.py", apps)
    product = index.get_model("store.Product")
    assert product is not None and index.table_name(product) == "store_product"
    assert index.get_model("shop.Product") is None


def test_default_app_config_label_change(build: BuildProject, tmp_path: Path) -> None:
    config = (
        "from django.apps import AppConfig\n\n"
        "class ShopConfig(AppConfig):\n    name = 'shop'\n    label = '{label}'\n\n"
        "default_app_config = 'shop.ShopConfig'\n"
    )
    index = build({"shop/__init__.py": config.format(label="store"), "shop/models.py": MODELS})
    assert index.get_model("store.Product") is not None
    assert index.update_file(tmp_path / "shop/__init__.py", config.format(label="depot"))
    assert index.get_model("depot.Product") is not None and index.get_model("store.Product") is None
    assert index.update_file(tmp_path / "shop/__init__.py", "")
    assert index.get_model("shop.Product") is not None


def test_settings_change_swaps_user_model(build: BuildProject, tmp_path: Path) -> None:
    index = build(
        {
            "mysite/__init__.py": "",
            "mysite/settings.py": 'AUTH_USER_MODEL = "auth.User"\n',
            "accounts/__init__.py": "",
            "accounts/models.py": (
                "from django.contrib.auth.models import AbstractUser\n\n"
                "class Person(AbstractUser):\n    pass\n"
            ),
        }
    )
    user = index.user_model()
    assert user is not None and user.label == "auth.User"
    settings = tmp_path / "mysite/settings.py"
    assert index.update_file(settings, 'AUTH_USER_MODEL = "accounts.Person"\n')
    user = index.user_model()
    assert user is not None and user.label == "accounts.Person"
    assert index.update_file(settings, 'DATABASES = {"default": {"ATOMIC_REQUESTS": True}}\n')
    assert index.project_settings.atomic_requests


def test_half_typed_models_file_does_not_raise(build: BuildProject, tmp_path: Path) -> None:
    index = build({"shop/__init__.py": "", "shop/models.py": MODELS})
    path = tmp_path / "shop/models.py"
    text = MODELS.lstrip("\n")
    for end in range(0, len(text), 7):
        index.update_file(path, text[:end])
    index.update_file(path, text.replace("max_length=5", "max_length=5, unique=True"))
    assert sku_is_unique(index)
