"""Fixtures for the real-database suite, and the recorder behind docs/hazards.md.

`lab` builds project copies (fixed through the real CLI), starts one Django worker per
(copy, backend) on first use and closes them at the end; databases get a fresh random prefix
per run and are dropped by the workers (and, as a safety net, by name prefix at session end).
A backend that is unreachable skips its tests with a one-line reason, or fails them when
INTEGRITY_LSP_REQUIRE_DATABASES=1 (set by .ci/run).

Every `test_hazard` / `test_fix` outcome is recorded into tests/integration/hazards.json
(merged: a test that did not run, or was skipped because its server was unreachable, keeps
its previous result) and docs/hazards.md is rendered from it by scripts/gen_hazard_table.py.
"""

from __future__ import annotations

import importlib.util
import json
import re
import secrets
import threading
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from .cases import MIGRATION, Case
from .harness import (
    BACKEND_TITLES,
    EXAMPLES,
    REPO,
    REQUIRE_DATABASES,
    Unreachable,
    Variant,
    VariantKey,
    Worker,
    build_variant,
    drop_leftovers,
    findings,
    project_index,
)

RESULTS = Path(__file__).parent / "hazards.json"
RENDERER = REPO / "scripts" / "gen_hazard_table.py"
PHASES = {"test_hazard": "hazard", "test_fix": "fix"}
UNREACHABLE_MARK = "unreachable:"


class Lab:
    """Project copies, their findings and their Django workers, shared by the tests.

    Everything is built on first use, and `prepare` starts building what the collected
    tests will need, in their order, in the background: copies (a real CLI run each) on one
    pool, worker processes (which create and migrate their database while earlier tests
    run) on another, so the 2-core CI spends its time running scenarios, not waiting.
    """

    def __init__(self, tmp: Path, prefix: str) -> None:
        self.tmp = tmp
        self.prefix = prefix
        self.lock = threading.Lock()
        self.builders = ThreadPoolExecutor(max_workers=2, thread_name_prefix="il-variant")
        self.starters = ThreadPoolExecutor(max_workers=2, thread_name_prefix="il-worker")
        self.variants: dict[VariantKey, Future[Variant]] = {}
        self.workers: dict[tuple[VariantKey, str], Future[Worker]] = {}
        self.found: dict[VariantKey, list[dict[str, Any]]] = {}
        self.unreachable: dict[str, str] = {}
        self.index = project_index(self.variant(VariantKey()).root)

    def variant(self, key: VariantKey) -> Variant:
        with self.lock:
            if key not in self.variants:
                path = self.tmp / key.slug
                self.variants[key] = self.builders.submit(build_variant, key, path)
            future = self.variants[key]
        return future.result()

    def findings(self, key: VariantKey) -> list[dict[str, Any]]:
        if key not in self.found:
            remaining = self.variant(key).remaining
            self.found[key] = findings(self.variant(key).root) if remaining is None else remaining
        return self.found[key]

    def finding(self, case: Case, key: VariantKey | None = None) -> dict[str, Any] | None:
        """The finding of `case.rule` in `case.file` within the function/class at its anchor."""
        key = key or VariantKey()
        first, last = anchor_range(self.variant(key).root / case.file, case.anchor)
        for found in sorted(self.findings(key), key=lambda f: f["location"]["row"]):
            row = found["location"]["row"]
            if found["path"] == case.file and found["code"] == case.rule and first <= row <= last:
                return found
        return None

    def key_for(self, case: Case, phase: str) -> VariantKey | None:
        """The copy a test of `case` runs on; None when it runs on none (no fix to apply)."""
        if phase == "hazard":
            return VariantKey()
        finding = self.finding(case)
        fix = finding and finding["fix"]
        if fix and fix["applicability"] == "display-only" and case.suggested_makemigrations:
            return VariantKey(makemigrations=case.suggested_makemigrations)
        if not fix or fix["applicability"] == "display-only":
            return None
        return VariantKey(case.rule, fix["applicability"] == "unsafe", case.makemigrations)

    def _start(self, key: VariantKey, backend: str, database: str, warm: bool) -> Worker:
        worker = Worker(backend, self.variant(key).root, database, self.tmp)
        if warm:
            worker.warm()
        return worker

    def _worker_future(self, key: VariantKey, backend: str, warm: bool = False) -> Future[Worker]:
        with self.lock:
            if (key, backend) not in self.workers:
                database = f"{self.prefix}_{len(self.workers)}"
                self.workers[(key, backend)] = self.starters.submit(
                    self._start, key, backend, database, warm
                )
            return self.workers[(key, backend)]

    def prepare(self, wanted: list[tuple[VariantKey, str, bool]]) -> None:
        """Start building copies and workers for (key, backend, warm) in this order."""
        for key, _backend, _warm in wanted:
            with self.lock:
                if key not in self.variants:
                    path = self.tmp / key.slug
                    self.variants[key] = self.builders.submit(build_variant, key, path)
        for key, backend, warm in wanted:
            self._worker_future(key, backend, warm)

    def worker(self, key: VariantKey, backend: str) -> Worker:
        if backend in self.unreachable:
            unavailable(self.unreachable[backend])
        try:
            return self._worker_future(key, backend).result()
        except Unreachable as error:
            self.unreachable[backend] = str(error)
            unavailable(str(error))
            raise

    def close(self) -> None:
        self.builders.shutdown(wait=True, cancel_futures=True)
        self.starters.shutdown(wait=True, cancel_futures=True)
        for future in self.workers.values():
            if future.done() and not future.cancelled() and future.exception() is None:
                future.result().close()
        drop_leftovers(self.prefix)


def unavailable(reason: str) -> None:
    if REQUIRE_DATABASES:
        pytest.fail(f"{reason} (INTEGRITY_LSP_REQUIRE_DATABASES=1)")
    pytest.skip(reason)


def anchor_range(path: Path, anchor: str) -> tuple[int, int]:
    """Lines of the top-level block starting at the first line containing `anchor`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines, 1) if anchor in line)
    end = len(lines)
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line.startswith(("def ", "class ", "@")) and anchor not in line:
            end = number - 1
            break
    # Comments right above a def belong to the next block, not to this one.
    return start, end


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Lab]:
    prefix = f"test_il_{secrets.token_hex(4)}"
    laboratory = Lab(tmp_path_factory.mktemp("integration"), prefix)
    try:
        laboratory.prepare(wanted(laboratory, request.session.items))
        yield laboratory
    finally:
        laboratory.close()


def wanted(lab: Lab, items: list[pytest.Item]) -> list[tuple[VariantKey, str, bool]]:
    """(copy, backend, needs the main database) for the collected tests, in their order."""
    order: dict[tuple[VariantKey, str], bool] = {}
    for item in items:
        phase = PHASES.get(getattr(item, "originalname", ""))
        callspec = getattr(item, "callspec", None)
        if phase is None or callspec is None:
            continue
        case: Case = callspec.params["case"]
        key = lab.key_for(case, phase)
        if key is not None:
            slot = (key, callspec.params["backend"])
            order[slot] = order.get(slot, False) or case.shape != MIGRATION
    return [(key, backend, warm) for (key, backend), warm in order.items()]


# -- recording outcomes for docs/hazards.md ------------------------------------------------------
_recorded: dict[tuple[str, str, str], dict[str, Any]] = {}
_cases: dict[str, Case] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    phase = PHASES.get(getattr(item, "originalname", ""))
    callspec = getattr(item, "callspec", None)
    if phase is None or callspec is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        case: Case = callspec.params["case"]
        backend: str = callspec.params["backend"]
        _cases[case.id] = case
        _recorded[(case.id, phase, backend)] = describe(report)


def describe(report: pytest.TestReport) -> dict[str, Any]:
    properties = dict(report.user_properties)
    if hasattr(report, "wasxfail"):
        status = "xpassed" if report.passed else "xfailed"
        detail = str(report.wasxfail).removeprefix("reason: ")
    elif report.skipped:
        status = "skipped"
        longrepr = report.longrepr
        detail = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        detail = detail.removeprefix("Skipped: ")
    else:
        status = report.outcome
        detail = "" if report.passed else report.longreprtext.strip().splitlines()[-1][:300]
    if isinstance(properties.get("observed"), str):
        properties["observed"] = _RUN_DATABASE.sub("test_il_<run>", properties["observed"])
    return {"status": status, "detail": detail, **properties}


# The per-run database name MariaDB puts into its messages: recorded as is, every run would
# change the committed table.
_RUN_DATABASE = re.compile(r"\btest_il_[0-9a-f]{8}(?:_\d+)?")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _recorded:
        return
    data: dict[str, Any] = (
        json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {"cases": {}}
    )
    for (case_id, phase, backend), result in sorted(_recorded.items()):
        case = _cases[case_id]
        entry = data["cases"].setdefault(case_id, {})
        entry["rule"] = case.rule
        for key in ("where", "predicted", "applicability"):
            if key in result:
                entry[key] = result.pop(key)
        previous = entry.setdefault(phase, {}).get(backend)
        skipped_unreachable = result["status"] == "skipped" and UNREACHABLE_MARK in result["detail"]
        if skipped_unreachable and previous is not None:
            continue  # a laptop without that server keeps the last real result
        entry[phase][backend] = result
    from tests.integration.cases import CASES

    known = {case.id for case in CASES}  # a renamed or removed case leaves the table
    data["cases"] = {key: data["cases"][key] for key in sorted(known) if key in data["cases"]}
    data["backends"] = BACKEND_TITLES
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    RESULTS.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("gen_hazard_table", RENDERER)
    assert spec is not None and spec.loader is not None
    renderer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(renderer)
    renderer.write(RESULTS, REPO / "docs" / "hazards.md")


__all__ = ["EXAMPLES", "Lab", "lab"]
