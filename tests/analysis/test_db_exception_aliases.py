"""An `except` naming an alias of `django.db`'s exception classes catches the collision
(nautobot-ssot 4.7's `from django.db import Error as DjangoBaseDBError` around a `create()`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app


def _codes(tmp_path: Path, template: str, import_line: str, caught: str) -> list[str]:
    """The codes reported on `template` filled in, as inventory/sync.py of a project whose
    inventory app has a unique `Vendor.name` and an exception class `errors.Failure` of its own."""
    write_app(
        tmp_path,
        "inventory",
        {
            "errors.py": "class Failure(Exception):\n    pass\n",
            "models.py": """\
                from django.db import models


                class Vendor(models.Model):
                    name = models.CharField(max_length=50, unique=True)
                """,
        },
    )
    path = tmp_path / "inventory" / "sync.py"
    text = template.format(import_line=import_line, caught=caught)
    path.write_text(text, encoding="utf-8")
    return [f.code for f in check_source(text, path, environment(tmp_path))]


SYNC = """\
{import_line}
from inventory.models import Vendor


def vendor_named(name, log):
    try:
        return Vendor.objects.get(name=name)
    except Vendor.DoesNotExist:
        try:
            return Vendor.objects.create(name=name)
        except {caught}:
            log.error("could not add vendor %s", name)
    return None
"""


@pytest.mark.parametrize(
    ("import_line", "caught", "reported"),
    [
        ("from django.db import Error as DatabaseFailure", "DatabaseFailure", False),
        ("from django.db.utils import IntegrityError as Clash", "(ValueError, Clash)", False),
        ("from inventory.errors import Failure as DatabaseFailure", "DatabaseFailure", True),
        ("from django.db import DataError", "DataError", True),
    ],
)
def test_an_alias_of_a_django_db_exception_catches_the_insert(
    tmp_path: Path, import_line: str, caught: str, reported: bool
) -> None:
    assert ("IL102" in _codes(tmp_path, SYNC, import_line, caught)) is reported


ATOMIC_SYNC = """\
from django.db import transaction
{import_line}
from inventory.models import Vendor


@transaction.atomic
def add_vendors(names):
    for name in names:
        try:
            Vendor.objects.create(name=name)
        except {caught}:
            pass
"""


@pytest.mark.parametrize(
    ("import_line", "caught", "reported"),
    [
        ("from django.db import Error as DatabaseFailure", "DatabaseFailure", True),
        ("from django.db import IntegrityError as Clash", "Clash", True),
        ("from django.db import Error as DatabaseFailure", "(KeyError, DatabaseFailure)", True),
        ("import django.db", "django.db.IntegrityError", True),
        ("from inventory.errors import Failure as DatabaseFailure", "DatabaseFailure", False),
    ],
)
def test_an_alias_caught_inside_atomic_is_il202(
    tmp_path: Path, import_line: str, caught: str, reported: bool
) -> None:
    """IL202 trusts a bare `Error` only when its import says it is Django's."""
    assert ("IL202" in _codes(tmp_path, ATOMIC_SYNC, import_line, caught)) is reported
