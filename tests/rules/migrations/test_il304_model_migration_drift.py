"""IL304: models.py and the migrations disagree. Display-only: the finding says what the
migrations have, where they last touched the model, and what makemigrations would write."""

from __future__ import annotations

from pathlib import Path

from integrity_lsp.checker import check_source
from integrity_lsp.findings import Applicability
from tests.helpers import FIXTURES, environment, initial_migration, write_app

PROJECT = FIXTURES / "migrations"


def test_each_difference_names_what_makemigrations_would_write() -> None:
    path = PROJECT / "catalog/models.py"
    env = environment(PROJECT)
    found = [
        f for f in check_source(path.read_text(encoding="utf-8"), path, env) if f.code == "IL304"
    ]
    by_line = {finding.span.start_line: finding for finding in found}
    assert sorted(by_line) == [18, 37, 51, 55]
    price = by_line[18]
    assert "(null=True in models.py)" in price.message
    assert price.message.endswith("makemigrations would write: Alter field price on item")
    ((fix),) = price.fixes
    assert fix.applicability is Applicability.DISPLAY_ONLY
    assert fix.title == "Run makemigrations: Alter field price on item"
    assert [(r.path.name, r.message) for r in price.related] == [
        ("0001_initial.py", "last migrated here")
    ]
    gadget = by_line[55]
    assert "(no migration creates it)" in gadget.message
    assert gadget.related == ()


def test_options_of_an_installed_packages_field_class_are_not_compared(tmp_path: Path) -> None:
    """openwisp-utils' FallbackBooleanChoiceField sets null=True in its __init__: models.py
    does not say so, the migration does, and both are right."""
    write_app(
        tmp_path,
        "geo",
        {
            "models.py": """
                from django.db import models
                from openwisp_utils.fields import FallbackBooleanChoiceField

                class GeoSettings(models.Model):
                    enabled = FallbackBooleanChoiceField(fallback=True)
                    radius = models.IntegerField()
            """,
            "migrations/0001_initial.py": initial_migration(
                (
                    "GeoSettings",
                    '("enabled", models.BooleanField(null=True, blank=True, default=None)),'
                    ' ("radius", models.IntegerField(null=True))',
                )
            ),
        },
    )
    path = tmp_path / "geo/models.py"
    found = [
        f.message
        for f in check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
        if f.code == "IL304"
    ]
    assert len(found) == 1 and "Alter field radius" in found[0]


def test_a_field_whose_class_has_no_known_column_is_not_missing(tmp_path: Path) -> None:
    """django-cms's PlaceholderRelationField derives from GenericRelation (no column); netbox's
    tags field derives from taggit's manager: makemigrations writes no column for them."""
    write_app(
        tmp_path,
        "cms",
        {
            "fields.py": """
                from django.contrib.contenttypes.fields import GenericRelation
                from taggit.managers import TaggableManager

                class PlaceholderRelationField(GenericRelation):
                    pass

                class TaggableManagerField(TaggableManager):
                    pass
            """,
            "models.py": """
                from django.db import models
                from cms.fields import PlaceholderRelationField, TaggableManagerField

                class Page(models.Model):
                    placeholders = PlaceholderRelationField("Placeholder")
                    tags = TaggableManagerField()
                    title = models.CharField(max_length=20)
            """,
            "migrations/0001_initial.py": initial_migration(
                ("Page", '("slug", models.SlugField())')
            ),
        },
    )
    path = tmp_path / "cms/models.py"
    found = [
        f.message
        for f in check_source(path.read_text(encoding="utf-8"), path, environment(tmp_path))
        if f.code == "IL304"
    ]
    assert sorted(message.rsplit(": ", 1)[-1] for message in found) == [
        "Add field title to page",
        "Remove field slug from page",
    ]
