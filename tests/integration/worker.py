"""One Django process per (project copy, backend): the real project code against a real database.

Run as `python worker.py BACKEND PROJECT_DIR DB_NAME TMP_DIR`. It configures Django from the
project's own `config.settings` (only DATABASES, ALLOWED_HOSTS and a fast password hasher are
overridden), creates the database DB_NAME, then answers one JSON request per stdin line with
one JSON line on stdout: `{"scenario": NAME, "mode": MODE}` runs `scenarios.NAME(harness, MODE)`
and answers `{"result": {...}}` (or `{"crash": TRACEBACK}` when the scenario itself broke).
Everything else the project prints goes to stderr. At the end (stdin closed) every database it
created is dropped. Exit status 3, with `{"unreachable": REASON}`, means the server or its
driver is not there. `python worker.py makemigrations PROJECT_DIR APP` only writes migrations.

Each project copy gets its own process because Django's app registry holds one `shop`, one
`accounts` and one `sales` per process; the test process itself never configures Django.
"""

# mypy: disable-error-code="import-untyped,import-not-found"
from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

UNREACHABLE = 3
BARRIER_TIMEOUT = 30.0  # seconds a thread waits for the others (generous: CI is loaded)

PG_USER = os.environ.get("INTEGRITY_LSP_PG_USER", "postgres")
PG_HOST = os.environ.get("INTEGRITY_LSP_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("INTEGRITY_LSP_PG_PORT", "5432")
MYSQL_USER = os.environ.get("INTEGRITY_LSP_MYSQL_USER", "root")
MYSQL_HOST = os.environ.get("INTEGRITY_LSP_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = os.environ.get("INTEGRITY_LSP_MYSQL_PORT", "3306")


def database_settings(backend: str, name: str, tmp: Path) -> dict[str, Any]:
    if backend == "sqlite":
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp / f"{name}.sqlite3")}
    if backend == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": PG_USER,
            "HOST": PG_HOST,
            "PORT": PG_PORT,
        }
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": name,
        "USER": MYSQL_USER,
        "PASSWORD": "",
        "HOST": MYSQL_HOST,
        "PORT": MYSQL_PORT,
    }


def install_mysqldb() -> None:
    """mysqlclient needs a C toolchain; PyMySQL stands in for it when it is missing."""
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        try:
            import pymysql
        except ImportError:
            return
        pymysql.install_as_MySQLdb()


def configure(backend: str, project: Path, name: str, tmp: Path) -> None:
    sys.path.insert(0, str(project))
    install_mysqldb()
    from django.conf import settings

    module = importlib.import_module("config.settings")
    values = {key: getattr(module, key) for key in dir(module) if key.isupper()}
    database = dict(values["DATABASES"]["default"])
    database.update(database_settings(backend, name, tmp))
    values["DATABASES"] = {"default": database}
    values["ALLOWED_HOSTS"] = ["testserver"]
    values["PASSWORD_HASHERS"] = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.configure(**values)
    import django

    django.setup()


def error_info(error: BaseException) -> dict[str, str]:
    return {
        "type": type(error).__name__,
        "module": type(error).__module__,
        "message": str(error),
        "traceback": "".join(traceback.format_exception(error)),
    }


class Harness:
    """What scenarios need: databases, migrations, threads with a forced interleaving, rows."""

    def __init__(self, backend: str, base_name: str, tmp: Path) -> None:
        self.backend = backend
        self.base_name = base_name
        self.tmp = tmp
        self.created: list[str] = []
        self.current = ""
        self.main_migrated = False

    # -- databases -------------------------------------------------------------------------
    def create_database(self, name: str) -> None:
        from django.db import connections

        self.use(name)
        if self.backend != "sqlite":
            with connections["default"]._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
                cursor.execute(f"CREATE DATABASE {name}")
        self.created.append(name)

    def use(self, name: str) -> None:
        """Point every connection (this thread's and future threads') at database `name`."""
        from django.db import connections

        connections.close_all()
        connections.settings["default"].update(database_settings(self.backend, name, self.tmp))
        self.current = name

    def fresh_database(self) -> None:
        """A new empty database for a scenario that migrates (or breaks) the schema."""
        self.create_database(f"{self.base_name}_{len(self.created)}")

    def drop_all(self) -> None:
        from django.db import connections

        connections.close_all()
        for name in self.created:
            if self.backend == "sqlite":
                Path(database_settings("sqlite", name, self.tmp)["NAME"]).unlink(missing_ok=True)
                continue
            with connections["default"]._nodb_cursor() as cursor:
                force = " WITH (FORCE)" if self.backend == "postgresql" else ""
                cursor.execute(f"DROP DATABASE IF EXISTS {name}{force}")
        self.created.clear()

    def migrate(self, app: str | None = None, target: str | None = None) -> None:
        from django.core.management import call_command

        args = [arg for arg in (app, target) if arg is not None]
        call_command("migrate", *args, verbosity=0, interactive=False)

    def latest(self) -> None:
        """The main database, migrated to the project's latest state, emptied of app rows."""
        if self.current != self.base_name:
            self.use(self.base_name)
        if not self.main_migrated:
            self.migrate()
            self.main_migrated = True
        self.wipe()

    def wipe(self) -> None:
        from django.apps import apps
        from django.core.management.color import no_style
        from django.db import connection

        tables = [
            model._meta.db_table
            for config in apps.get_app_configs()
            if config.label in {"shop", "accounts", "sales"}
            for model in config.get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy
        ]
        statements = connection.ops.sql_flush(no_style(), tables, allow_cascade=True)
        connection.ops.execute_sql_flush(statements)

    def historical(self, app: str, migration: str) -> Any:
        """The app registry as it was right after `app.migration` (for rows of that time)."""
        from django.db import connection
        from django.db.migrations.loader import MigrationLoader

        loader = MigrationLoader(connection)
        node = loader.get_migration_by_prefix(app, migration)
        return loader.project_state((app, node.name)).apps

    # -- running code ------------------------------------------------------------------------
    def call(self, function: Callable[[], Any]) -> dict[str, Any]:
        try:
            value = function()
        except Exception as error:  # what the project code raised is the observation
            return {"error": error_info(error)}
        return {"value": describe(value)}

    def race(
        self,
        model: Any,
        calls: Sequence[Callable[[], Any]],
        *,
        serial: bool,
        signal: str = "pre_save",
    ) -> dict[str, Any]:
        """Run `calls` each in its own thread (own connection), all meeting before the write.

        The interleaving is forced with a `pre_save` receiver for `model`: the first save a
        thread makes waits at a barrier until every thread has reached its own first save.
        A check-then-act function has done its check by then, so every thread has seen
        "no row" before any of them inserts — the worst case, every time, without patching
        the code under test, and the same place in the fixed code (get_or_create and
        update_or_create save through the same signal). If the database itself makes a
        thread wait (a lock held by a thread already at the barrier), the barrier times out
        and the run goes on: the result says `"barrier": "broken"`, i.e. the database
        serialised the calls. `serial=True` runs the calls one after the other, no barrier:
        the reference result. `signal="post_init"` meets at the first instance a thread builds
        instead: `bulk_create()` sends no `pre_save`, and a batch builds its new rows only once
        it has read which ones exist.
        """
        from django.db import connections
        from django.db.models import signals

        meeting = getattr(signals, signal)

        results: list[dict[str, Any]] = [{} for _ in calls]
        if serial:
            for number, function in enumerate(calls):
                results[number] = self.call(function)
            return {"calls": results, "barrier": None}
        barrier = threading.Barrier(len(calls), timeout=BARRIER_TIMEOUT)
        local = threading.local()
        broken: list[int] = []

        def at_first_save(sender: Any, **kwargs: Any) -> None:
            if getattr(local, "armed", False):
                local.armed = False
                try:
                    barrier.wait()
                except threading.BrokenBarrierError:
                    broken.append(1)

        def run(number: int) -> None:
            local.armed = True
            try:
                results[number] = self.call(calls[number])
            finally:
                connections.close_all()

        meeting.connect(at_first_save, sender=model, weak=False, dispatch_uid="il-race")
        try:
            threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            meeting.disconnect(sender=model, dispatch_uid="il-race")
        return {"calls": results, "barrier": "broken" if broken else "passed"}

    def request(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        """Call the view `path` resolves to, as Django's handler would, minus the middleware.

        RequestFactory + the resolved view keep each thread's exception its own (the test
        Client collects exceptions through a process-wide signal, so concurrent clients see
        each other's). Http404 becomes the 404 response Django would send; any other
        exception propagates: that is the HTTP 500.
        """
        from django.http import Http404, HttpResponseNotFound
        from django.test import RequestFactory
        from django.urls import resolve

        request = getattr(RequestFactory(), method)(path, data, **extra)
        match = resolve(path)
        try:
            return match.func(request, *match.args, **match.kwargs)
        except Http404:
            return HttpResponseNotFound()


def describe(value: Any) -> Any:
    """A JSON-able trace of what a call returned (model instances by class; responses)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    status = getattr(value, "status_code", None)
    if status is not None:
        return {"status": status, "body": value.content.decode(errors="replace")[:300]}
    if isinstance(value, tuple):
        return [describe(item) for item in value]
    return type(value).__name__


def makemigrations(project: Path, app: str) -> int:
    from django.core.management import call_command

    configure("sqlite", project, "makemigrations", project.parent)
    call_command("makemigrations", app, verbosity=1)
    return 0


def serve(backend: str, project: Path, name: str, tmp: Path) -> int:
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything the project prints goes to stderr, not into the protocol
    sys.stdout = sys.stderr
    try:
        configure(backend, project, name, tmp)
        from django.core.exceptions import ImproperlyConfigured
        from django.db import OperationalError

        harness = Harness(backend, name, tmp)
        harness.create_database(name)
    except (ImportError, ImproperlyConfigured, OperationalError) as error:
        reason = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
        out.write(json.dumps({"unreachable": reason}) + "\n")
        out.flush()
        return UNREACHABLE
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import scenarios

    try:
        out.write(json.dumps({"ready": True}) + "\n")
        out.flush()
        for line in sys.stdin:
            request = json.loads(line)
            try:
                scenario = getattr(scenarios, request["scenario"])
                answer = {"result": scenario(harness, request["mode"])}
            except Exception:
                answer = {"crash": traceback.format_exc()}
            out.write(json.dumps(answer) + "\n")
            out.flush()
    finally:
        harness.drop_all()
    return 0


def main(argv: list[str]) -> int:
    if argv[0] == "makemigrations":
        return makemigrations(Path(argv[1]), argv[2])
    backend, project, name, tmp = argv
    return serve(backend, Path(project), name, Path(tmp))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
