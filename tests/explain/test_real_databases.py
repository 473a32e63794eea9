"""Real IntegrityErrors from SQLite, PostgreSQL and MariaDB, explained against the fixture project.

`provoke.py` runs in a fresh process per backend (Django configured for the fixture project,
a throw-away test database made by the fixture's own migrations) and hands back the exact
traceback text of each violation; explain must land on the right model and field.
`provoke_migrations.py` does the same for migrations that meet rows already in the table (the
migrateproj fixture), handing back migrate's output and traceback. Where a
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
from integrity_lsp.explain import explain_text
from integrity_lsp.project import db_names
from integrity_lsp.project.db_names import Backend

from .test_explain import FIXTURE, index_for

PROVOKE = Path(__file__).parent / "provoke.py"
PROVOKE_MIGRATIONS = Path(__file__).parent / "provoke_migrations.py"
MIGRATEPROJ = Path(__file__).parent / "fixtures" / "migrateproj"
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
    return _run_provoker(PROVOKE, backend)


def _run_provoker(script: Path, backend: Backend) -> dict[str, str]:
    """Run a provoking script in a fresh process; its JSON `{case: text}`."""
    result = subprocess.run(
        [sys.executable, str(script), backend],
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


# case -> (model label, field names, constraint name or None, the migration that failed and
# introduced the constraint); the rows were written at 0001, then `migrate shop <migration>`.
MIGRATION_EXPECTED: dict[str, tuple[str, tuple[str, ...], str | None, str]] = {
    "alter_field_unique": ("shop.Product", ("sku",), None, "0002_product_sku_unique"),
    "alter_field_not_null": ("shop.Order", ("customer",), None, "0003_order_customer_not_null"),
    "add_unique_constraint": (
        "shop.Product", ("name", "maker"), "uniq_product_name_maker",
        "0004_uniq_product_name_maker",
    ),
    "add_check_constraint": (
        "shop.Product", ("maker",), "maker_not_blank", "0005_maker_not_blank",
    ),
    "add_unique_field": ("shop.Product", ("code",), None, "0006_product_code"),
}  # fmt: skip


@cache
def provoked_by_migrations(backend: Backend) -> dict[str, str]:
    return _run_provoker(PROVOKE_MIGRATIONS, backend)


@pytest.mark.parametrize("case", sorted(MIGRATION_EXPECTED))
@pytest.mark.parametrize("backend", BACKENDS)
def test_explain_a_migration_that_met_existing_rows(backend: Backend, case: str) -> None:
    """migrate's real output and traceback, pasted whole and as the bare message."""
    text = provoked_by_migrations(backend)[case]
    assert text, f"{case} migrated without an error on {backend}"
    label, field_names, constraint_name, migration = MIGRATION_EXPECTED[case]
    message = text.strip().splitlines()[-1]
    if message.startswith("DETAIL:"):
        message = "\n".join(text.strip().splitlines()[-2:])
    for pasted in (text, message.partition(": ")[2]):
        explanation = explain_text(pasted, index_for(MIGRATEPROJ), settings=Settings())
        if explanation is None:
            # MariaDB answers a NOT NULL over NULL rows with a DataError (1265) that explain
            # reads only where the text shows a migration running.
            assert (backend, case) == ("mysql", "alter_field_not_null")
            assert pasted.startswith('(1265, "Data truncated')
            continue
        assert explanation.violation.backend == backend
        assert explanation.model is not None, pasted
        assert explanation.model.label == label
        assert {field.name for field in explanation.fields} >= set(field_names)
        if constraint_name is not None:
            assert explanation.constraint is not None
            assert explanation.constraint.name == constraint_name
        assert explanation.introduced is not None
        assert explanation.introduced.migration == migration
        if pasted is text:
            assert explanation.applying == ("shop", migration)
            assert explanation.existing_rows  # the schema editor's frames say so
        else:
            # The bare message says so in PostgreSQL's wordings and SQLite's `new__<table>`;
            # MariaDB's duplicate entry and SQLite's failed CHECK read as any write's.
            says_so = backend == "postgresql" or "new__" in pasted
            assert explanation.existing_rows == says_so
        if explanation.existing_rows:
            assert migration in "\n".join(explanation.notes)


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
                assert found["u"] == db_names.postgres_unique_key_name(table, column)
                assert found["c"] == db_names.postgres_check_name(table, column)
                assert found["p"] == db_names.postgres_primary_key_name(table)
                connection.execute(f"DROP TABLE {quoted_table}")
        finally:
            connection.execute("DROP SCHEMA integrity_lsp_names CASCADE")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)
