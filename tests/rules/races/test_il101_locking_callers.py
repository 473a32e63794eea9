"""IL101 stays silent where every caller of the function took a lock first, in a transaction
still open at the call — here a PostgreSQL advisory lock taken through raw SQL, on the branch
that runs on the project's database (django-crm's `apply_pack`: `@transaction.atomic`,
`lock_org(org)`, then the helper's existence check and create). Each way the lock can be
missing has a twin that still reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import environment, write_app

MODELS = """\
from django.db import models


class Field(models.Model):
    org = models.CharField(max_length=30)
    key = models.CharField(max_length=30)

    class Meta:
        unique_together = [("org", "key")]
"""
APPLIER = """\
from django.db import connection, transaction

from packs.models import Field


def lock_org(org):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [org])


def _apply_fields(org, keys):
    for key in keys:
        if Field.objects.filter(org=org, key=key).exists():
            continue
        Field.objects.create(org=org, key=key)


@transaction.atomic
def apply_pack(org, keys):
    lock_org(org)
    _apply_fields(org, keys)
"""
CREATE_LINE = 16
SQL = '"SELECT pg_advisory_xact_lock(hashtext(%s))"'
POSTGRES = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
BUILT_SQL = APPLIER.replace(SQL, "sql").replace("    if conn", f"    sql = {SQL}\n    if conn")
SECOND_CALLER = "\n\ndef seed(org):\n    _apply_fields(org, ['a'])\n"


def _il101_lines(root: Path) -> list[int]:
    path = root / "packs" / "applier.py"
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(root))
    return [finding.span.start_line for finding in findings if finding.code == "IL101"]


@pytest.mark.parametrize(
    ("engine", "applier", "reported"),
    [
        (POSTGRES, APPLIER, False),  # the advisory lock per org runs before every apply
        (SQLITE, APPLIER, True),  # the vendor branch does not run: no lock
        (POSTGRES, APPLIER.replace("@transaction.atomic\n", ""), True),  # lock ends at once
        (POSTGRES, APPLIER + SECOND_CALLER, True),  # a caller that locks nothing
        (POSTGRES, APPLIER.replace("pg_advisory", "pg_try_advisory"), True),  # does not wait
        (POSTGRES, APPLIER.replace("xact_lock(", "xact_lock_shared("), True),  # shared
        (POSTGRES, BUILT_SQL, True),  # the SQL not a literal at the call: not read
        (POSTGRES, APPLIER.replace(".vendor ==", ".vendor !="), True),  # not the vendor's branch
        ("django.contrib.gis.db.backends.postgis", APPLIER, False),  # GeoDjango's postgresql
        (POSTGRES, APPLIER.replace('"SELECT ', '"CREATE FUNCTION f() AS $$ PERFORM '), True),
    ],
)
def test_a_check_then_create_whose_every_caller_locks_first(
    tmp_path: Path, engine: str, applier: str, reported: bool
) -> None:
    write_app(tmp_path, "packs", {"models.py": MODELS, "applier.py": applier})
    settings = tmp_path / "site_settings.py"
    settings.write_text(settings.read_text(encoding="utf-8").replace(SQLITE, engine))
    lines = _il101_lines(tmp_path)
    if applier is BUILT_SQL:
        assert lines == [CREATE_LINE + 1]
    else:
        assert lines == ([CREATE_LINE] if reported else [])
