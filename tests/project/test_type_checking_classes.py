"""A class declared under `if TYPE_CHECKING:` (django-postman's `_TypedUser(AbstractUser)` in
its tests) never runs: it is no model, and no migration has to create it. The `else:` branch
runs."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from tests.helpers import environment, initial_migration, write_app


def test_a_class_for_type_checkers_only_is_no_model(tmp_path: Path) -> None:
    write_app(
        tmp_path,
        "club",
        {
            "models.py": """
                from typing import TYPE_CHECKING

                from django.contrib.auth.models import AbstractUser
                from django.db import models

                if TYPE_CHECKING:
                    class TypedUser(AbstractUser):
                        nickname: str
                else:
                    class Runtime(models.Model):
                        name = models.CharField(max_length=30)
            """,
            "migrations/0001_initial.py": initial_migration(
                ("Runtime", '("name", models.CharField(max_length=30))')
            ),
        },
    )
    index = ProjectIndex.build(tmp_path, Settings())
    assert index.get_model("club.TypedUser") is None
    assert index.get_model("club.Runtime") is not None
    models = tmp_path / "club/models.py"
    found = check_source(models.read_text(encoding="utf-8"), models, environment(tmp_path))
    assert [f.code for f in found] == []
