"""Locks taken through raw SQL, and the branches that take them only on one database.

django-crm serialises the writes of one org with a PostgreSQL advisory lock:

    def lock_org(org):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [str(org.id)])

`pg_advisory_xact_lock(key)` waits until no other transaction holds `key` and keeps it until
this transaction ends; `pg_advisory_lock` until it is released. Every writer that runs the same
code asks for the same key, so they queue. The SQL must be a string literal written at the
call, a `SELECT` (a `CREATE FUNCTION` whose body mentions the lock takes none): text built at
run time may not name the function at all. The `_shared` variants do not exclude each other
and `pg_try_…` does not wait: neither is a lock here.

A branch on `connection.vendor` runs exactly when the project's database is that vendor: the
settings' `DATABASES["default"]["ENGINE"]` decides it (unknown engine: the branch may not run).
"""

from __future__ import annotations

import re

from integrity_lsp.syntax.nodes import Node, arguments, code

_ADVISORY = re.compile(r"^\s*SELECT\b[^;]*\bpg_advisory(?:_xact)?_lock\s*\(", re.I)
_VENDORS: tuple[tuple[str, str], ...] = (
    ("postgis", "postgresql"),  # GeoDjango's backend is a postgresql one
    ("postgresql", "postgresql"),
    ("mysql", "mysql"),
    ("sqlite", "sqlite"),
    ("oracle", "oracle"),
)


def takes_advisory_lock(call: Node) -> bool:
    """`( "SELECT pg_advisory_xact_lock(%s)", [key] )`: the SQL literal takes a waiting lock."""
    passed = arguments(call)
    if not passed or passed[0].keyword is not None or passed[0].star:
        return False
    sql = passed[0].value
    parts = sql.children if sql.type == "atom" else [sql]  # implicit concatenation
    if not parts or any(part.type != "string" for part in parts):
        return False
    text = "".join(_body(str(part.value)) for part in parts)
    return bool(_ADVISORY.search(text))


def _body(literal: str) -> str:
    """A string literal's text without its prefix and quotes."""
    stripped = literal.lstrip("rRbBuU")
    quote = stripped[:3] if stripped[:3] in ('"""', "'''") else stripped[:1]
    return stripped[len(quote) : len(stripped) - len(quote)]


def vendor_branch(if_stmt: Node, engine: str | None) -> Node | None:
    """The body of `if <connection>.vendor == "postgresql":` when the project's database engine
    is that vendor (so the body runs on every request), else None."""
    vendor = _vendor_of(engine)
    test = if_stmt.children[1]
    if vendor is None or test.type != "comparison" or len(test.children) != 3:
        return None
    left, operator, right = test.children
    if operator.type != "operator" or operator.value != "==":
        return None
    if right.type != "string":
        left, right = right, left
    if right.type != "string" or not code(left).endswith(".vendor"):
        return None
    literal = str(right.value)
    if literal[:1] not in ("'", '"') or literal[1:-1] != vendor:
        return None
    return if_stmt.children[3]


def _vendor_of(engine: str | None) -> str | None:
    for marker, vendor in _VENDORS:
        if engine is not None and marker in engine:
            return vendor
    return None
