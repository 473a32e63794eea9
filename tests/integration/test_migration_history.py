"""IL301-IL303 fixes never rewrite applied history, and the new migrations they write do what
they say — proven with the example project's real `manage.py` on SQLite, PostgreSQL and MariaDB,
and for the migration rules' fixture project (tests/fixtures/migrations) too.

The example project is copied into a git repository whose commit is the *applied* history
(a database has run every committed migration); its migrations with hazards, and the ones
after them, are the branch's new, uncommitted work. Two stories:

- the whole history is committed and applied: `check --all-migrations --unsafe-fixes` reports
  the old hazards but edits no migration, and the next `migrate` succeeds;
- the committed migrations are applied and the database holds the rows that break the new
  ones (products without a weight, two profiles, two products with one barcode): after
  `check --unsafe-fixes` the new migrations apply, the NULLs are backfilled, the duplicate
  barcode is gone and every profile has its own referral code.

Each backend's database is created fresh with a random name and dropped afterwards; an
unreachable server skips (or fails, with INTEGRITY_LSP_REQUIRE_DATABASES=1).
"""

# ruff: noqa: E501 -- the seeding scripts are kept one statement a line

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import EXAMPLES_NEW_MIGRATIONS, commit_all_but, copy_project

from .harness import REQUIRE_DATABASES
from .worker import MYSQL_HOST, MYSQL_PORT, MYSQL_USER, PG_HOST, PG_PORT, PG_USER

BACKENDS = ("sqlite", "postgresql", "mysql")
SETTINGS = """\
from {package}.settings import *  # noqa
try:
    import MySQLdb  # noqa: F401
except ImportError:
    import pymysql

    pymysql.install_as_MySQLdb()
DATABASES = {{"default": {database!r}}}
"""
# The rows of the applied history's models (not the current ones: the schema is older).
APPLIED_APPS = (
    "from django.db import connection\n"
    "from django.db.migrations.executor import MigrationExecutor\n"
    "apps = MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps\n"
)


def _database(backend: str, name: str, tmp: Path) -> dict[str, object]:
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / f"{name}.sqlite3")}
    if backend == "postgresql":
        engine, user, host, port = "postgresql", PG_USER, PG_HOST, PG_PORT
    else:
        engine, user, host, port = "mysql", MYSQL_USER, MYSQL_HOST, MYSQL_PORT
    return {
        "ENGINE": f"django.db.backends.{engine}",
        "NAME": name,
        "USER": user,
        "PASSWORD": "",
        "HOST": host,
        "PORT": port,
    }


def _server(backend: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE on the server; raise OSError-like errors when unreachable."""
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(statement)  # type: ignore[arg-type]
    else:
        import pymysql

        connection = pymysql.connect(
            host=MYSQL_HOST, port=int(MYSQL_PORT), user=MYSQL_USER, password=""
        )
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, object]]:
    backend: str = request.param
    name = f"il_history_{secrets.token_hex(4)}"
    if backend != "sqlite":
        try:
            _server(backend, f"CREATE DATABASE {name}")
        except Exception as error:
            reason = f"{backend} unreachable: {type(error).__name__}: {error}"
            if REQUIRE_DATABASES:
                pytest.fail(reason)
            pytest.skip(reason)
    try:
        yield _database(backend, name, tmp_path)
    finally:
        if backend != "sqlite":
            _server(backend, f"DROP DATABASE IF EXISTS {name}")


# The projects whose IL30x fixes must leave a history `migrate` accepts: the examples and the
# migration rules' fixture project, each with its settings package.
SETTINGS_PACKAGES = {"examples": "config", "migrations": "migsite"}


def _project(
    tmp_path: Path, database: dict[str, object], *new: str, name: str = "examples"
) -> Path:
    root = copy_project(name, tmp_path)
    commit_all_but(root, *new)
    package = SETTINGS_PACKAGES[name]
    settings = SETTINGS.format(database=database, package=package)
    # Not committed, and not a migration: the scope of the rules is unchanged by it.
    (root / package / "test_settings.py").write_text(settings, encoding="utf-8")
    return root


def _django(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    package = SETTINGS_PACKAGES[root.name]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "DJANGO_SETTINGS_MODULE": f"{package}.test_settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "integrity_lsp", "check", str(root), "--no-cache", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def _git_status(root: Path) -> list[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(line[3:] for line in done.stdout.splitlines())


def _codes(result: subprocess.CompletedProcess[str]) -> list[tuple[str, str]]:
    return sorted(
        (Path(f["filename"]).name, f["code"])
        for f in json.loads(result.stdout)
        if f["code"].startswith("IL30")
    )


def test_applied_history_is_reported_with_all_migrations_but_never_edited(
    tmp_path: Path, database: dict[str, object]
) -> None:
    root = _project(tmp_path, database)
    _ok(_django(root, "migrate"))
    before = _git_status(root)

    quiet = _check(root, "--select", "IL301,IL302,IL303", "--format", "json")
    assert _codes(quiet) == [], quiet.stdout  # the default: nothing new since main

    everything = _check(
        root, "--all-migrations", "--select", "IL301,IL302,IL303", "--format", "json"
    )
    assert _codes(everything) == [
        ("0003_alter_orderline_unique_together.py", "IL302"),
        ("0003_profile_referral_code.py", "IL302"),
        ("0004_product_weight_grams_description.py", "IL301"),
        ("0006_alter_product_barcode.py", "IL302"),
        ("0007_alter_product_category.py", "IL303"),
    ], everything.stdout

    fixing = _check(
        root, "--all-migrations", "--select", "IL301,IL302,IL303", "--fix", "--unsafe-fixes"
    )
    assert "Fixed" not in fixing.stderr, fixing.stderr
    assert _git_status(root) == before  # no migration written or edited
    _ok(_django(root, "migrate"))


def test_new_migrations_are_fixed_and_do_what_they_say(
    tmp_path: Path, database: dict[str, object]
) -> None:
    root = _project(tmp_path, database, *EXAMPLES_NEW_MIGRATIONS)
    # The database has applied the committed history (shop up to 0003, accounts up to 0002).
    _ok(_django(root, "migrate", "shop", "0003"))
    _ok(_django(root, "migrate", "accounts", "0002"))
    _ok(_django(root, "migrate", "sales"))
    seed = APPLIED_APPS + (
        'Category = apps.get_model("shop", "Category")\n'
        'Product = apps.get_model("shop", "Product")\n'
        'User = apps.get_model("accounts", "User")\n'
        'Profile = apps.get_model("accounts", "Profile")\n'
        'category = Category.objects.create(name="c", slug="c", position=0)\n'
        'for sku in ("a", "b"):\n'
        '    Product.objects.create(sku=sku, name="n", price=1, category=category, is_active=True)\n'
        'for name in ("ann", "bob"):\n'
        '    user = User.objects.create(username=name, email=f"{name}@example.com")\n'
        "    Profile.objects.create(user=user, display_name=name)\n"
    )
    _ok(_django(root, "shell", "-c", seed))

    fixing = _check(root, "--select", "IL301,IL302,IL303", "--fix", "--unsafe-fixes")
    assert "Fixed 4 finding(s)" in fixing.stderr, fixing.stdout + fixing.stderr
    committed = _git_status(root)
    assert all(
        path.startswith(("shop/migrations/", "accounts/migrations/", "config/"))
        for path in committed
    )
    unchanged = subprocess.run(
        ["git", "diff", "--stat"], cwd=root, capture_output=True, text=True, check=True
    )
    assert unchanged.stdout == ""  # no committed file was edited

    # Up to the new column, then two products share a barcode: the dedupe must remove one.
    _ok(_django(root, "migrate", "shop", "0005_product_barcode"))
    duplicate = (
        APPLIED_APPS + 'apps.get_model("shop", "Product").objects.update(barcode="4006381333931")\n'
    )
    _ok(_django(root, "shell", "-c", duplicate))
    _ok(_django(root, "migrate"))

    report = (
        "import json\n"
        "from shop.models import Product\n"
        "from accounts.models import Profile\n"
        "print(json.dumps({\n"
        '    "products": sorted([p.sku, p.barcode, p.weight_grams] for p in Product.objects.all()),\n'
        '    "codes": [p.referral_code for p in Profile.objects.all()],\n'
        "}))\n"
    )
    data = json.loads(_ok(_django(root, "shell", "-c", report)).strip().splitlines()[-1])
    assert data["products"] == [["a", "4006381333931", 0]]  # backfilled 0; "b" was the duplicate
    assert len(data["codes"]) == 2 and len(set(data["codes"])) == 2 and all(data["codes"])


def test_the_fixture_project_applied_history_is_never_edited(
    tmp_path: Path, database: dict[str, object]
) -> None:
    """Every IL30x finding of the migration rules' fixture project, on a database that applied
    its whole (committed) history: reported with `--all-migrations`, no fix written, and the
    next `migrate` succeeds."""
    root = _project(tmp_path, database, name="migrations")
    _ok(_django(root, "migrate"))
    before = _git_status(root)
    everything = _check(
        root, "--all-migrations", "--select", "IL301,IL302,IL303", "--format", "json"
    )
    assert {code for _name, code in _codes(everything)} == {"IL301", "IL302", "IL303"}
    fixing = _check(
        root, "--all-migrations", "--select", "IL301,IL302,IL303", "--fix", "--unsafe-fixes"
    )
    assert "Fixed" not in fixing.stderr, fixing.stderr
    assert _git_status(root) == before
    _ok(_django(root, "migrate"))


def test_the_fixture_project_new_migrations_are_fixed_into_a_history_migrate_accepts(
    tmp_path: Path, database: dict[str, object]
) -> None:
    """catalog 0003-0007 are the branch's new work (unique columns, a dedupe, NOT NULL
    columns): the database applied the committed 0001-0002; after `check --fix
    --unsafe-fixes` only new migrations are edited or written, and `migrate` applies them."""
    root = _project(tmp_path, database, "catalog/migrations/000[3-9]_*.py", name="migrations")
    _ok(_django(root, "migrate", "catalog", "0002"))
    _ok(_django(root, "migrate", "people"))
    found = _check(root, "--select", "IL301,IL302,IL303", "--format", "json")
    assert {name for name, _code in _codes(found)} == {
        "0003_uniques.py",
        "0005_item_slug_unique.py",
        "0006_not_null.py",
    }
    fixing = _check(root, "--select", "IL301,IL302,IL303", "--fix", "--unsafe-fixes")
    assert "Fixed" in fixing.stderr, fixing.stdout + fixing.stderr
    unchanged = subprocess.run(
        ["git", "diff", "--stat"], cwd=root, capture_output=True, text=True, check=True
    )
    assert unchanged.stdout == ""  # no committed file was edited
    assert all(path.startswith(("catalog/migrations/", "migsite/")) for path in _git_status(root))
    _ok(_django(root, "migrate"))
    _ok(_django(root, "migrate", "--check"))  # nothing left unapplied
