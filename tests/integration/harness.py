"""The test-process side: project copies fixed by the real CLI, Django workers, predictions.

Nothing here imports Django. `Variant`s are copies of examples/ (as they are, or after
`integrity-lsp check --fix/--unsafe-fixes --select CODE`, then `manage.py makemigrations` where
the fix changed models); `Worker` drives one `worker.py` process per (variant, backend);
`Prediction` is what a finding's message says will go wrong, and `assert_predicted` compares
it with the error the database really raised.
"""

# mypy: disable-error-code="import-untyped"
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrity_lsp.config import Settings
from integrity_lsp.explain import Explanation, explain_text, parse_violation
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.records import FieldRecord
from tests.helpers import EXAMPLES_NEW_MIGRATIONS, commit_all_but

from .worker import MYSQL_HOST, MYSQL_PORT, MYSQL_USER, PG_HOST, PG_PORT, PG_USER

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
EXAMPLES = REPO / "examples"
WORKER = HERE / "worker.py"
UNREACHABLE = 3
BACKENDS = ("sqlite", "postgresql", "mysql")
BACKEND_TITLES = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MariaDB"}
REQUIRE_DATABASES = os.environ.get("INTEGRITY_LSP_REQUIRE_DATABASES") == "1"
Result = dict[str, Any]


class Unreachable(Exception):
    """The database server (or its driver) is not there."""


# -- the real CLI ----------------------------------------------------------------------------
def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "integrity_lsp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def findings(root: Path) -> list[dict[str, Any]]:
    """`integrity-lsp check --format json` over a project: ruff-shaped finding dicts."""
    result = cli("check", "--format", "json", "--exit-zero", ".", cwd=root)
    assert result.returncode == 0, result.stderr
    return with_paths(json.loads(result.stdout), root)


def with_paths(found: list[dict[str, Any]], root: Path) -> list[dict[str, Any]]:
    """Add `path`, the file relative to the project root, to each finding."""
    for finding in found:
        path = (root / finding["filename"]).resolve()  # relative names are relative to the cwd
        finding["path"] = path.relative_to(root.resolve()).as_posix()
    return found


def copy_examples(destination: Path) -> Path:
    shutil.copytree(
        EXAMPLES, destination, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3*")
    )
    return destination


@dataclass(frozen=True)
class VariantKey:
    """Which project copy: the examples as they are (`rule` None) or fixed for one rule."""

    rule: str | None = None
    unsafe: bool = False
    makemigrations: tuple[str, ...] = ()

    @property
    def slug(self) -> str:
        parts = [self.rule.lower() if self.rule else "original"]
        if self.unsafe:
            parts.append("unsafe")
        parts.extend(f"makemigrations_{app}" for app in self.makemigrations)
        return "_".join(parts)


@dataclass
class Variant:
    key: VariantKey
    root: Path
    remaining: list[dict[str, Any]] | None = None  # findings of the rule left after the fix


def build_variant(key: VariantKey, destination: Path) -> Variant:
    root = copy_examples(destination)
    # A git repository whose commit is the applied history: the migrations with hazards (and
    # those after them) are new, the ones IL301-IL303 report on and the only ones fixes edit.
    commit_all_but(root, *EXAMPLES_NEW_MIGRATIONS, "orders/migrations/000[3-9]_*.py")
    remaining = None
    if key.rule is not None:
        args = ["check", "--fix", "--exit-zero", "--format", "json", "--select", key.rule]
        if key.unsafe:
            args.append("--unsafe-fixes")
        result = cli(*args, ".", cwd=root)
        assert result.returncode == 0, result.stderr
        remaining = with_paths(json.loads(result.stdout), root)  # what the fix left, re-checked
    for app in key.makemigrations:
        made = subprocess.run(
            [sys.executable, str(WORKER), "makemigrations", str(root), app],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert made.returncode == 0, made.stderr
    return Variant(key, root, remaining)


# -- workers -----------------------------------------------------------------------------------
class Worker:
    """One `worker.py` process: a Django for one project copy on one backend."""

    def __init__(self, backend: str, root: Path, database: str, tmp: Path) -> None:
        self.backend = backend
        self.stderr_path = tmp / f"{database}.stderr.txt"
        self._stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), backend, str(root), database, str(tmp)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        first = self._read()
        if "unreachable" in first:
            self.close()
            raise Unreachable(f"{BACKEND_TITLES[backend]} unreachable: {first['unreachable']}")
        assert first.get("ready"), first
        self.pending = 0  # requests sent whose answers nobody wants (warm-up)

    def warm(self) -> None:
        """Migrate the main database now, in the background; `run` collects the answer."""
        self._send("warm", "")
        self.pending += 1

    def _send(self, scenario: str, mode: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"scenario": scenario, "mode": mode}) + "\n")
        self.process.stdin.flush()

    def _read(self) -> Result:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=30)
            raise AssertionError(f"worker died:\n{self.stderr_tail()}")
        answer: Result = json.loads(line)
        return answer

    def stderr_tail(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-6000:]

    def run(self, scenario: str, mode: str) -> Result:
        while self.pending:
            self.pending -= 1
            warmed = self._read()
            if "crash" in warmed:
                raise AssertionError(f"warm-up crashed:\n{warmed['crash']}")
        self._send(scenario, mode)
        answer = self._read()
        if "crash" in answer:
            raise AssertionError(f"scenario {scenario}/{mode} crashed:\n{answer['crash']}")
        result: Result = answer["result"]
        return result

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.close()


def drop_leftovers(prefix: str) -> None:
    """Drop databases named `prefix*` a crashed worker may have left (best effort)."""
    try:
        import psycopg

        with psycopg.connect(
            host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
        ) as connection:
            names = connection.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s", (prefix + "%",)
            ).fetchall()
            for (name,) in names:
                connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    except Exception:  # unreachable or no driver: nothing was created there either
        pass
    try:
        import pymysql

        connection = pymysql.connect(
            host=MYSQL_HOST, port=int(MYSQL_PORT), user=MYSQL_USER, password=""
        )
        with connection.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE %s", (prefix + "%",))
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.close()
    except Exception:
        pass


# -- what was raised ---------------------------------------------------------------------------
def errors(result: Result) -> list[Result]:
    """Every error the scenario's calls raised (the race's losers, a failed migration, …)."""
    return [call["error"] for call in result.get("calls", []) if "error" in call]


def values(result: Result) -> list[Any]:
    return [call.get("value") for call in result.get("calls", [])]


def iter_messages(result: Result) -> Iterator[str]:
    for error in errors(result):
        yield f"{error['module']}.{error['type']}: {error['message']}"


# -- predictions ---------------------------------------------------------------------------------
# The SQLite wording a finding quotes: `UNIQUE constraint failed: shop_product.sku`.
_QUOTED = re.compile(
    r"`(?:IntegrityError: )?((?:UNIQUE|NOT NULL|CHECK|FOREIGN KEY) constraint failed[^`]*)`"
)
_FK_COLUMN = re.compile(r"\((\w+)\.(\w+)")
# Django's SQLite schema editor rebuilds a table as `new__<table>` and copies the rows into it.
_REMAKE = re.compile(r"\bnew__(\w+)")


@dataclass(frozen=True)
class Target:
    """What a constraint violation is about, in database terms."""

    kind: str  # unique | not_null | check | foreign_key
    table: str | None
    columns: frozenset[str]
    constraint: str | None


@dataclass(frozen=True)
class Prediction:
    """The runtime error a finding's message announces."""

    kind: str  # integrity | multiple_objects | transaction | not_enforced
    sqlite_message: str = ""  # for integrity: SQLite's exact wording
    target: Target | None = None


def prediction(finding: dict[str, Any]) -> Prediction:
    message: str = finding["message"]
    quoted = _QUOTED.search(message)
    if quoted is not None:
        text = quoted.group(1)
        violation = parse_violation(text)
        assert violation is not None, text
        table, columns = violation.table, frozenset(violation.columns)
        if violation.kind == "foreign_key":
            column = _FK_COLUMN.search(message[quoted.end() :])
            assert column is not None, message
            table, columns = column.group(1), frozenset({column.group(2)})
        target = Target(violation.kind, table, columns, violation.constraint)
        return Prediction("integrity", text, target)
    if "MultipleObjectsReturned" in message:
        return Prediction("multiple_objects")
    if "TransactionManagementError" in message or "next query" in message:
        return Prediction("transaction")
    if "does not enforce" in message:
        return Prediction("not_enforced")
    raise AssertionError(f"no runtime error named in: {message}")


def column_of(field: FieldRecord) -> str:
    if field.db_column:
        return field.db_column
    return f"{field.name}_id" if field.is_foreign_key else field.name


def observed_target(error: Result, index: ProjectIndex) -> tuple[Target | None, str]:
    """What the raised error is about, via `integrity_lsp.explain` (with the traceback, whose
    project frame settles messages that name no table). The second item says how it was read.
    """
    explanation = explain_text(error["traceback"], index, settings=Settings())
    if explanation is not None and explanation.model is not None:
        return _target_of(explanation), "explain"
    return None, "explain found no model"


def _target_of(explanation: Explanation) -> Target:
    assert explanation.model is not None
    constraint = explanation.constraint.name if explanation.constraint is not None else None
    default_table = f"{explanation.model.app_label}_{explanation.model.name.lower()}"
    return Target(
        explanation.violation.kind,
        explanation.table or explanation.model.db_table or default_table,
        frozenset(column_of(field) for field in explanation.fields),
        constraint,
    )


def same_target(predicted: Target, observed: Target) -> bool:
    if predicted.kind != observed.kind:
        return False
    if predicted.kind == "check":
        # SQLite names a column check by its column, a table check by its constraint name.
        names = {observed.constraint, *observed.columns}
        return predicted.constraint in names
    if observed.table is not None and predicted.table != observed.table:
        return False
    return not observed.columns or predicted.columns == observed.columns


def assert_predicted(
    predicted: Prediction, error: Result, backend: str, index: ProjectIndex
) -> str:
    """The raised `error` is the one `predicted`; returns a one-line description of it."""
    raised = f"{error['type']}: {error['message'].splitlines()[0]}"
    assert (error["module"], error["type"]) == ("django.db.utils", "IntegrityError"), (
        f"predicted IntegrityError: {predicted.sqlite_message}; raised {raised}"
    )
    if backend == "sqlite":
        assert _REMAKE.sub(r"\1", error["message"]) == predicted.sqlite_message, raised
        return raised
    assert predicted.target is not None
    observed, how = observed_target(error, index)
    assert observed is not None, f"{raised}: {how}"
    assert same_target(predicted.target, observed), (
        f"predicted {predicted.target}, raised {raised} = {observed} ({how})"
    )
    return raised


def project_index(root: Path) -> ProjectIndex:
    return ProjectIndex.build(root, Settings())
