"""IL102: get() / except DoesNotExist / create(); its fix, and that migrations are not checked
for races."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import (
    check_fixed,
    environment,
    write_app,
)

HEADER = "from shop.models import Product, StockLevel, Warehouse, Category\n\n\n"


def test_il102_get_except_create_becomes_get_or_create(tmp_path: Path) -> None:
    check_fixed(
        HEADER
        + """\
def find(code, name):
    try:
        warehouse = Warehouse.objects.get(code=code)
    except Warehouse.DoesNotExist:
        warehouse = Warehouse.objects.create(code=code, name=name)
    return warehouse
""",
        HEADER
        + """\
def find(code, name):
    warehouse, _created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
    return warehouse
""",
        filename="shop/fixture_case.py",
        project="examples",
        tmp_path=tmp_path,
        code="IL102",
    )


RACE_IN_DATA_STEP = """\
from django.db import migrations


def rates(apps, schema_editor):
    Rate = apps.get_model("tax", "Rate")
    for value in (7, 19):
        try:
            Rate.objects.get(code=str(value))
        except Rate.DoesNotExist:
            Rate.objects.create(code=str(value))


class Migration(migrations.Migration):
    dependencies = []
    operations = [migrations.RunPython(rates, migrations.RunPython.noop)]
"""


@pytest.mark.parametrize(
    ("where", "signature", "reported"),
    [
        ("migrations/0002_rates", "(apps, schema_editor)", False),
        ("services", "(apps, schema_editor)", False),  # RunPython code kept outside migrations/
        ("services", "(apps)", True),
    ],
)
def test_races_are_not_checked_in_migrations(
    tmp_path: Path, where: str, signature: str, reported: bool
) -> None:
    """pretix 2026.8's tax migrations: get()/except DoesNotExist/create() in RunPython code.
    `migrate` runs it once, alone: nothing races it, wherever the function lives (openwisp-radius
    keeps them in migrations/__init__.py). The same code in a service function does race."""
    write_app(
        tmp_path,
        "tax",
        {
            "migrations/__init__.py": "",
            "models.py": """\
                from django.db import models


                class Rate(models.Model):
                    code = models.CharField(max_length=5, unique=True)
                """,
        },
    )
    path = tmp_path / "tax" / f"{where}.py"
    text = RACE_IN_DATA_STEP.replace("(apps, schema_editor)", signature)
    path.write_text(text, encoding="utf-8")
    codes = [f.code for f in check_source(text, path, environment(tmp_path))]
    assert ("IL102" in codes) is reported


FAVORITES_MODELS = """\
    from django.db import models


    class FavoriteManager(models.Manager):
        def create_favorite(self, item, user):
            favorite, _ = self.get_or_create(user=user, item=item)
            return favorite

        def create_copy(self, item, user):
            favorite, _ = self.get_or_create(user=user, item=item)
            favorite.save()
            return favorite


    class Favorite(models.Model):
        user = models.CharField(max_length=30)
        item = models.IntegerField()
        objects = FavoriteManager()

        class Meta:
            unique_together = [("user", "item")]
    """

FAVORITE_VIEW = """\
from shelf.models import Favorite


def add(request, item):
    try:
        Favorite.objects.get(user=request.user.username, item=item)
    except Favorite.DoesNotExist:
        Favorite.objects.METHOD(item, request.user.username)
"""


@pytest.mark.parametrize(
    ("method", "reported"),
    [
        ("create_favorite", False),  # its only write: get_or_create, which fetches the winner
        ("create_copy", True),  # also saves: an insert of its own
        ("create", True),
    ],
)
def test_a_manager_method_that_only_gets_or_creates_is_no_insert(
    tmp_path: Path, method: str, reported: bool
) -> None:
    """geonode 5.1.1's favorite view: get() / except DoesNotExist / `create_favorite(…)`, a
    manager method whose one write is `self.get_or_create(…)`: the loser of a double POST gets
    the winner's row back, no IntegrityError reaches the view."""
    write_app(tmp_path, "shelf", {"models.py": FAVORITES_MODELS})
    path = tmp_path / "shelf" / "views.py"
    arguments = "(item, request.user.username)"
    if method == "create":
        arguments = "(item=item, user=request.user.username)"
    text = FAVORITE_VIEW.replace("METHOD(item, request.user.username)", method + arguments)
    path.write_text(text, encoding="utf-8")
    codes = [f.code for f in check_source(text, path, environment(tmp_path))]
    assert ("IL102" in codes) is reported, codes


def test_an_unresolved_model_is_named_by_its_expression_not_its_manager(tmp_path: Path) -> None:
    """django-organizations' invitation backend: `self.user_model.objects.get(email=…)` except
    DoesNotExist then `create(…)`, the model known only at run time. The message names
    `self.user_model(email=email)` as it would name `User(email=email)`, not the manager."""
    write_app(
        tmp_path,
        "invites",
        {
            "backends.py": """\
                class InvitationBackend:
                    def register_by_email(self, email):
                        try:
                            user = self.user_model.objects.get(email=email)
                        except self.user_model.DoesNotExist:
                            user = self.user_model.objects.create(username=email, email=email)
                        return user
                """
        },
    )
    path = tmp_path / "invites" / "backends.py"
    findings = check_source(path.read_text(), path, environment(tmp_path))
    (finding,) = [f for f in findings if f.code == "IL102"]
    assert "of self.user_model(email=email) guards `create()`" in finding.message
