"""A field option written as an expression the checker cannot evaluate (`unique=settings.X`,
django-user-accounts' `ACCOUNT_EMAIL_UNIQUE`, an AppConf default of True) is unknown: neither
true nor false. Which lookups the field covers is unknown (the model's fields are not known for
IL104 and the other whole-model rules), and IL304 compares no option it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, initial_migration, write_app

MODELS = """
    from django.conf import settings
    from django.db import models

    class EmailAddress(models.Model):
        email = models.EmailField(max_length=254, unique={unique})
        label = models.CharField(max_length=20, null={null})
        note = models.CharField(max_length=20)
"""

VIEWS = """
    from accounts.models import EmailAddress

    def remember(request):
        return EmailAddress.objects.get_or_create(email=request.POST["email"])
"""

# The migration as makemigrations wrote it with the settings' defaults; `note` really differs.
MIGRATION = initial_migration(
    (
        "EmailAddress",
        '("email", models.EmailField(max_length=254, unique=True)),'
        ' ("label", models.CharField(max_length=20, null=True)),'
        ' ("note", models.CharField(max_length=20, null=True))',
    )
)


def _codes(root: Path, module: str) -> list[tuple[int, str]]:
    path = root / "accounts" / module
    found = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    return sorted((f.span.start_line, f.code) for f in found if f.code in ("IL104", "IL304"))


def _project(root: Path, unique: str, null: str) -> None:
    models = MODELS.format(unique=unique, null=null)
    write_app(
        root,
        "accounts",
        {"models.py": models, "views.py": VIEWS, "migrations/0001_initial.py": MIGRATION},
    )


def test_a_unique_option_read_from_settings_is_no_missing_constraint(tmp_path: Path) -> None:
    _project(tmp_path, unique="settings.ACCOUNT_EMAIL_UNIQUE", null="True")
    assert _codes(tmp_path, "views.py") == []
    assert _codes(tmp_path, "models.py") == []


def test_a_literal_unique_option_is_still_compared(tmp_path: Path) -> None:
    _project(tmp_path, unique="False", null="True")
    assert _codes(tmp_path, "views.py") == [(5, "IL104")]
    assert [line for line, _ in _codes(tmp_path, "models.py")] == [6, 8]


@pytest.mark.parametrize("null", ["settings.LABELS_OPTIONAL", "getattr(settings, 'X', True)"])
def test_a_null_option_read_from_settings_is_not_compared(tmp_path: Path, null: str) -> None:
    _project(tmp_path, unique="True", null=null)
    assert _codes(tmp_path, "models.py") == [(8, "IL304")]  # only `note`, which really differs
