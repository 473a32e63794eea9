"""Field classes a project re-exports through star imports (sentry: `sentry.db.models` does
`from .fields import *`, whose `__init__` does `from .foreignkey import *`) are the project's
classes, found through both stars; a project class named like one of Django's field classes
is not Django's; and a uniqueness constraint naming a field the index does not have leaves the
model's field set unknown (silence), never "no constraint covers it"."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.config import Settings
from integrity_lsp.project.index import ProjectIndex
from tests.helpers import environment, write_app

KIT = {
    "kit/__init__.py": "",
    "kit/db/__init__.py": "",
    "kit/db/models/__init__.py": "from .base import *  # noqa\nfrom .fields import *  # noqa\n",
    "kit/db/models/base.py": """
        from django.db import models

        __all__ = ("Model",)


        class Model(models.Model):
            class Meta:
                abstract = True
        """,
    "kit/db/models/fields/__init__.py": (
        "from .foreignkey import *  # noqa\nfrom .text import *  # noqa\n"
    ),
    "kit/db/models/fields/foreignkey.py": """
        from django.db.models import ForeignKey

        __all__ = ("FlexibleForeignKey",)


        class FlexibleForeignKey(ForeignKey):
            def __init__(self, *args, **kwargs):
                kwargs.setdefault("on_delete", None)
                super().__init__(*args, **kwargs)
        """,
    "kit/db/models/fields/text.py": """
        from django.db import models

        __all__ = ("JSONField",)


        class JSONField(models.TextField):
            \"\"\"Stores JSON as text; `{}` unless nullable.\"\"\"

            def __init__(self, *args, **kwargs):
                if not kwargs.get("null", False):
                    kwargs["default"] = kwargs.get("default", dict)
                super().__init__(*args, **kwargs)
        """,
}

MODELS = """
    from django.db import models

    from kit.db.models import FlexibleForeignKey, JSONField, Model
    from missing_package.fields import ShardedKey


    class Project(Model):
        name = models.CharField(max_length=30)


    class GroupHash(Model):
        project = FlexibleForeignKey("shop.Project")
        hash = models.CharField(max_length=32)
        data = JSONField()
        raw = models.JSONField()

        class Meta:
            unique_together = (("project", "hash"),)


    class Shard(Model):
        owner = ShardedKey("shop.Project")
        key = models.CharField(max_length=32)

        class Meta:
            unique_together = (("owner", "key"),)


    class Tag(Model):
        project = FlexibleForeignKey("shop.Project")
        key = models.CharField(max_length=32)
"""

VIEWS = """
    from shop.models import GroupHash, Shard, Tag


    def hash_of(project, value):
        found, _ = GroupHash.objects.get_or_create(project=project, hash=value, defaults={"raw": 1})
        return found


    def shard_of(project, key):
        found, _ = Shard.objects.get_or_create(owner=project, key=key)
        return found


    def tag_of(project, key):
        found, _ = Tag.objects.get_or_create(project=project, key=key)  # twin: nothing unique
        return found


    def new_hash(project):
        GroupHash.objects.create(project=project, hash="x")  # `raw` left NULL: Django's JSONField
"""


def _project(root: Path) -> None:
    write_app(root, "shop", {"models.py": MODELS, "views.py": VIEWS}, KIT)


def test_a_field_class_star_exported_twice_is_the_projects(tmp_path: Path) -> None:
    _project(tmp_path)
    index = ProjectIndex.build(tmp_path, Settings())
    model = index.get_model("shop.GroupHash")
    assert model is not None
    project = index.field(model, "project")
    assert project is not None
    assert (project.known_class, project.related_model) == ("ForeignKey", "shop.Project")
    assert index.fields_known(model)
    data = index.field(model, "data")
    assert data is not None and data.filled_when_omitted() is not None  # the project's class
    raw = index.field(model, "raw")
    assert raw is not None and raw.filled_when_omitted() is None  # Django's JSONField


def test_a_constraint_naming_an_unread_field_leaves_the_fields_unknown(tmp_path: Path) -> None:
    _project(tmp_path)
    index = ProjectIndex.build(tmp_path, Settings())
    shard = index.get_model("shop.Shard")
    tag = index.get_model("shop.Tag")
    assert shard is not None and tag is not None
    assert index.field(shard, "owner") is None  # its class is in no package the index reads
    assert not index.fields_known(shard)
    assert index.fields_known(tag)


def test_rules_report_only_the_twins(tmp_path: Path) -> None:
    _project(tmp_path)
    views = tmp_path / "shop/views.py"
    found = check_source(views.read_text(encoding="utf-8"), views, environment(tmp_path))
    assert sorted((f.span.start_line, f.code) for f in found if f.code != "IL304") == [
        (16, "IL104"),
        (21, "IL203"),
    ]
    (il203,) = [f for f in found if f.code == "IL203"]
    assert "`raw`" in il203.message and "`data`" not in il203.message
