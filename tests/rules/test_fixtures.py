"""The one `# expect:` runner. Every `# expect: ILxxx` comment in a fixture file is reported,
and nothing else is: lines without the comment are true negatives. Fixture files are the
`cases/` of the fixture projects (tests/fixtures/guards, tests/fixtures/races: one or more per
rule, named by code), every file of the migrations fixture project (which promises only the
IL30x findings) and every file of examples/ (which promises only codes that exist)."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from integrity_lsp.analysis.context import Environment
from integrity_lsp.checker import check_source
from integrity_lsp.rules import load_rules
from tests.helpers import EXAMPLES, FIXTURES, environment, expected_in, reported

MIGRATIONS = FIXTURES / "migrations"
# Project -> the code prefixes its files make promises about (None: every code).
SCOPE: dict[Path, tuple[str, ...] | None] = {MIGRATIONS: ("IL3",)}

FILES = [
    *sorted(FIXTURES.glob("*/cases/**/*.py")),
    *sorted(p for p in MIGRATIONS.rglob("*.py") if "__pycache__" not in p.parts),
    *sorted(p for p in EXAMPLES.rglob("*.py") if "__pycache__" not in p.parts),
]


def _project_of(path: Path) -> Path:
    if EXAMPLES in path.parents:
        return EXAMPLES
    return next(parent for parent in path.parents if parent.parent == FIXTURES)


@functools.cache
def _environment(root: Path) -> Environment:
    return environment(root)


def _id(path: Path) -> str:
    return str(path.relative_to(EXAMPLES.parent if EXAMPLES in path.parents else FIXTURES))


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_fixture(path: Path) -> None:
    root = _project_of(path)
    scope = SCOPE.get(root)
    findings = check_source(path.read_text(encoding="utf-8"), path, _environment(root))
    got = {item for item in reported(findings) if scope is None or item[1].startswith(scope)}
    codes = load_rules()
    expected = {item for item in expected_in(path) if item[1] in codes}
    assert sorted(got) == sorted(expected)
