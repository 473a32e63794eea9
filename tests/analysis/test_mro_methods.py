"""`mro_definitions`: the `save()` (or any method) an instance runs, read in MRO order from the
project's classes up to Django's own `Model`, whose methods are Django's and never yielded."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.analysis.context import Context
from integrity_lsp.analysis.mro_methods import mro_definitions
from integrity_lsp.syntax.source import SourceFile
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Stamped(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Product(Stamped):
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)


class Tag(Stamped):
    pass


class Plain(models.Model):
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)
"""


def _definitions(tmp_path: Path, label: str, method: str) -> list[tuple[int, int] | None]:
    write_app(tmp_path, "shop", {"models.py": MODELS})
    env = environment(tmp_path)
    path = tmp_path / "shop" / "models.py"
    ctx = Context(SourceFile(path, MODELS, env.index.module_name(path)), env, None, None)
    model = env.index.get_model(label)
    assert model is not None
    return [
        None if found is None else (found.position, found.method.start_pos[0])
        for found in mro_definitions(model, method, ctx)
    ]


def test_each_override_in_mro_order(tmp_path: Path) -> None:
    assert _definitions(tmp_path, "shop.Product", "save") == [(0, 13), (1, 8)]


def test_an_inherited_override_only(tmp_path: Path) -> None:
    assert _definitions(tmp_path, "shop.Tag", "save") == [(1, 8)]


def test_djangos_own_methods_are_not_yielded(tmp_path: Path) -> None:
    # Django's Model defines save() and delete(): the walk stops there
    assert _definitions(tmp_path, "shop.Plain", "save") == []
    assert _definitions(tmp_path, "shop.Plain", "delete") == [(0, 22)]
