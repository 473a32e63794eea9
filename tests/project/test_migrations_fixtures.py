"""Every `# expect: IL30x` in the migrations fixture project is reported, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_source
from tests.helpers import FIXTURES, environment, expected_in, reported

PROJECT = FIXTURES / "migrations"
FILES = sorted(p for p in PROJECT.rglob("*.py") if "__pycache__" not in p.parts)
CODES = {"IL301", "IL302", "IL303", "IL304"}


@pytest.fixture(scope="module")
def env():  # type: ignore[no-untyped-def]
    return environment(PROJECT)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_fixture_file(path: Path, env) -> None:  # type: ignore[no-untyped-def]
    findings = check_source(path.read_text(encoding="utf-8"), path, env)
    got = {item for item in reported(findings) if item[1] in CODES}
    assert sorted(got) == sorted(expected_in(path))
