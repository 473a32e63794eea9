"""`check` on several cores gives exactly what one core gives; before the workers are forked,
the migrations are read by another process while the models are parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import integrity_lsp.project.migrations.history as migrations
from benchmarks.generate import generate
from integrity_lsp import checker
from integrity_lsp.checker import batch, workers
from integrity_lsp.config import load_settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("parallel") / "proj", "small", seed=5).root


def test_two_workers_find_what_one_finds(project: Path) -> None:
    assert _check(project, jobs=2) == _check(project, jobs=1) != []


def test_migration_findings_survive_reading_aside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "PARALLEL_FROM", 1)  # examples/ is small: fork anyway
    serial = _check(EXAMPLES, jobs=1)
    assert {"IL301", "IL302", "IL303", "IL304"} <= {finding.code for finding in serial}
    assert _check(EXAMPLES, jobs=2) == serial


def _check(root: Path, *, jobs: int) -> list[Any]:
    # examples/ is committed history: every migration, not only those new since main
    settings = load_settings(root).merged({"migrations-since": "all"})
    env = checker.build_environment(root, settings, lazy=True)
    return checker.check_paths([root], env, jobs=jobs).findings


@pytest.mark.skipif(not workers.CAN_FORK, reason="reading aside needs fork")
def test_migrations_are_read_in_another_process(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = checker.build_environment(project, load_settings(project), lazy=True)
    workers.prepare(env, read_migrations_aside=True)

    def no_parse(text: str) -> Any:
        raise AssertionError("a migration was parsed in this process")

    monkeypatch.setattr(migrations, "parse", no_parse)
    history = migrations.history_for(env.index)
    read = history.read_all()  # everything was adopted: nothing left to parse here
    assert len(read) == len(list(project.glob("*/migrations/0*.py")))
