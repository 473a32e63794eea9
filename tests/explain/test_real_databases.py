"""Real IntegrityErrors from SQLite, PostgreSQL and MariaDB, explained against the fixture project.

`provoke.py` runs in a fresh process per backend (Django configured for the fixture project,
a throw-away test database made by the fixture's own migrations) and hands back the exact
traceback text of each violation; explain must land on the right model and field. Where a
server is unreachable the backend is skipped with the reason, unless
INTEGRITY_LSP_REQUIRE_DATABASES=1 (CI), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import NoReturn

import pytest

from integrity_lsp.config import Settings
from integrity_lsp.explain import explain_text, names
from integrity_lsp.explain.messages import Backend

from .test_explain import FIXTURE, index_for

PROVOKE = Path(__file__).parent / "provoke.py"
UNREACHABLE = 3
BACKENDS: tuple[Backend, ...] = ("sqlite", "postgresql", "mysql")

# case -> (model label, field names the explanation must name, constraint name or None)
EXPECTED: dict[str, tuple[str, tuple[str, ...], str | None]] = {
    "unique_field": ("shop.Customer", ("email",), None),
    "unique_db_column": ("shop.Order", ("reference",), None),
    "unique_together": ("accounts.Member", ("team", "email"), None),
    "unique_constraint": ("shop.Product", ("name", "category"), "uniq_product_name"),
    "not_null": ("shop.Order", ("total",), None),
    "foreign_key": ("shop.Order", ("customer",), None),
    "check_constraint": ("shop.Product", (), "price_gte_0"),
    "positive_field_check": ("shop.Product", ("stock",), None),
    "foreign_key_parent_delete": ("shop.Order", ("customer",), None),
    "product_sku": ("shop.Product", ("sku",), None),
    "unique_added_by_alter_field": ("shop.Category", ("slug",), None),
    "multi_table_child": ("shop.Product", ("sku",), None),
}
# SQLite names no table for a failed foreign key and the deferred check fires at COMMIT, outside
# any project frame: every model with a foreign key is a candidate.
CANDIDATES_ONLY = {("sqlite", "foreign_key"), ("sqlite", "foreign_key_parent_delete")}


@cache
def provoked(backend: Backend) -> dict[str, str]:
    result = subprocess.run(
        [sys.executable, str(PROVOKE), backend],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode == UNREACHABLE:
        _unavailable(f"{backend} unreachable: {json.loads(result.stdout)['unreachable']}")
    assert result.returncode == 0, result.stderr
    texts: dict[str, str] = json.loads(result.stdout)
    return texts


@pytest.mark.parametrize("case", sorted(EXPECTED))
@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_lands_on_the_model_and_field(backend: Backend, case: str) -> None:
    text = provoked(backend)[case]
    if text == "DataError":
        assert (backend, case) == ("mysql", "positive_field_check")
        return  # MySQL refuses a negative UNSIGNED value before any CHECK: no IntegrityError
    assert text, f"{case} raised no IntegrityError on {backend}"
    explanation = explain_text(text, index_for(FIXTURE), settings=Settings())
    assert explanation is not None, text
    assert explanation.violation.backend == backend
    label, field_names, constraint_name = EXPECTED[case]
    if (backend, case) in CANDIDATES_ONLY:
        assert label in {model.label for model in explanation.candidates}
        return
    assert explanation.model is not None, text
    assert explanation.model.label == label
    assert {field.name for field in explanation.fields} >= set(field_names)
    if constraint_name is not None:
        assert explanation.constraint is not None
        assert explanation.constraint.name == constraint_name
    if explanation.violation.constraint is not None and explanation.violation.kind != "not_null":
        # A name the database reported must be recognised, generated or explicit.
        assert explanation.constraint is not None, explanation.violation.constraint
    traceback_sites = [site for site in explanation.write_sites if site.from_traceback]
    if any("shopproj" in frame.path for frame in explanation.frames):
        assert traceback_sites, "the traceback's project frame should be the first write site"
        assert explanation.write_sites[0].from_traceback


POSTGRES_NAME_CASES = [
    ("shop_product", "sku"),
    ("t" * 60, "sku"),
    ("a" * 40, "b" * 40),
    ("short", "c" * 70),
    ("é" * 40, "c"),
]


def test_postgres_names_its_inline_constraints_as_computed() -> None:
    """makeObjectName as a live PostgreSQL applies it to long and multi-byte names."""
    from . import djangoenv

    try:
        import psycopg
    except ImportError as error:
        _unavailable(f"psycopg missing: {error}")
    settings = djangoenv.POSTGRES
    try:
        connection = psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            dbname=settings["NAME"],
            user=settings["USER"],
            autocommit=True,
        )
    except psycopg.OperationalError as error:
        _unavailable(f"postgresql unreachable: {error}")
    with connection:
        connection.execute("CREATE SCHEMA IF NOT EXISTS integrity_lsp_names")
        connection.execute("SET search_path TO integrity_lsp_names")
        try:
            for table, column in POSTGRES_NAME_CASES:
                quoted_table, quoted_column = f'"{table}"', f'"{column}"'
                connection.execute(f"DROP TABLE IF EXISTS {quoted_table}")
                connection.execute(
                    f"CREATE TABLE {quoted_table} (id integer PRIMARY KEY, "
                    f"{quoted_column} integer UNIQUE CHECK ({quoted_column} >= 0))"
                )
                rows = connection.execute(
                    "SELECT conname, contype FROM pg_constraint "
                    "WHERE conrelid = %s::regclass ORDER BY contype",
                    (quoted_table,),
                ).fetchall()
                found = {kind: name for name, kind in rows}
                assert found["u"] == names.postgres_unique_key_name(table, column)
                assert found["c"] == names.postgres_check_name(table, column)
                assert found["p"] == names.postgres_primary_key_name(table)
                connection.execute(f"DROP TABLE {quoted_table}")
        finally:
            connection.execute("DROP SCHEMA integrity_lsp_names CASCADE")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
