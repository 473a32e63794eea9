"""Real Django, configured in-process for the explain tests (never the analysed project's code).

`connection(backend)` gives an unconnected DatabaseWrapper of each backend; its schema editor
computes names without a server. MySQL goes through PyMySQL (`install_as_MySQLdb`) when
mysqlclient is missing.
"""

# mypy: disable-error-code="import-untyped"
from __future__ import annotations

import os
from typing import Any

import django
from django.conf import settings

POSTGRES = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ.get("INTEGRITY_LSP_PG_NAME", "test"),
    "USER": os.environ.get("INTEGRITY_LSP_PG_USER", "postgres"),
    "HOST": os.environ.get("INTEGRITY_LSP_PG_HOST", "127.0.0.1"),
    "PORT": os.environ.get("INTEGRITY_LSP_PG_PORT", "5432"),
    # e.g. `-c lc_messages=de_DE.utf8`: the server's messages in another language
    "OPTIONS": {"options": os.environ["INTEGRITY_LSP_PG_OPTIONS"]}
    if os.environ.get("INTEGRITY_LSP_PG_OPTIONS")
    else {},
}
MARIADB = {
    "ENGINE": "django.db.backends.mysql",
    "NAME": os.environ.get("INTEGRITY_LSP_MYSQL_NAME", "test"),
    "USER": os.environ.get("INTEGRITY_LSP_MYSQL_USER", "root"),
    "PASSWORD": "",
    "HOST": os.environ.get("INTEGRITY_LSP_MYSQL_HOST", "127.0.0.1"),
    "PORT": os.environ.get("INTEGRITY_LSP_MYSQL_PORT", "3306"),
    # e.g. `de_DE`: the server's messages in another language (its session `lc_messages`)
    "OPTIONS": {
        "init_command": f"SET lc_messages = '{os.environ['INTEGRITY_LSP_MYSQL_LC_MESSAGES']}'"
    }
    if os.environ.get("INTEGRITY_LSP_MYSQL_LC_MESSAGES")
    else {},
}
ALIASES = {"sqlite": "default", "postgresql": "explain_pg", "mysql": "explain_mysql"}


def setup() -> None:
    """Configure Django once per process (other test modules may have done it already)."""
    _install_mysqldb()
    if not settings.configured:
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
            INSTALLED_APPS=["django.contrib.contenttypes"],
            USE_TZ=True,
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
    django.setup()
    from django.db import connections

    for alias, config in ((ALIASES["postgresql"], POSTGRES), (ALIASES["mysql"], MARIADB)):
        if alias not in connections.settings:
            default = connections.settings["default"]
            configured = connections.configure_settings({"default": default, alias: dict(config)})
            connections.settings[alias] = configured[alias]


def connection(backend: str) -> Any:
    from django.db import connections

    setup()
    return connections[ALIASES[backend]]


def _install_mysqldb() -> None:
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        try:
            import pymysql
        except ImportError:
            return
        pymysql.install_as_MySQLdb()
