"""Each finding of examples/ is a prediction: run the flagged code for real and see it come true;
apply the checker's own fix (the real CLI) and see the hazard gone with the same resulting rows.

`test_hazard`: the case's scenario on the unmodified copy raises exactly the error the
finding's message names (SQLite: the same text; PostgreSQL/MariaDB: the same table, columns or
constraint, read back through `integrity_lsp.explain`). Races run in threads, each on its own
connection, meeting at a barrier right before the write (see `worker.Harness.race`); the same
calls run serially raise nothing. Migrations fail only on a table with the offending rows.

`test_fix`: the copy fixed by `integrity-lsp check --fix --select CODE` (`--unsafe-fixes` where
the finding's fix is unsafe; `manage.py makemigrations` where it changed models) no longer has
the finding, and the same scenario raises nothing and leaves the rows a serial run (races),
the failing original or the safe twin (requests) leaves, or the migration applies.
"""

from __future__ import annotations

from typing import Any

import pytest

from .cases import CASES, MIGRATION, RACE, TRIGGER, Case
from .conftest import Lab
from .harness import (
    BACKENDS,
    Prediction,
    Result,
    VariantKey,
    assert_predicted,
    errors,
    iter_messages,
    prediction,
)

ORIGINAL = VariantKey()
PREDICTED_LABELS = {
    "multiple_objects": "duplicates, then MultipleObjectsReturned",
    "transaction": "TransactionManagementError",
    "not_enforced": "no error: the database accepts it",
}
# IL304: the rows the database accepts although models.py forbids them.
NOT_ENFORCED = {
    "coupon_code": [[["SAVE10", 10], ["SAVE10", 20]]],
    "coupon_discount": [[["HALF", 150]]],
}
Record = Any  # pytest's record_property callable


def case_params() -> list[Any]:
    return [pytest.param(case, id=case.id) for case in CASES]


def located(lab: Lab, case: Case, record_property: Record) -> dict[str, Any]:
    finding = lab.finding(case)
    assert finding is not None, f"the checker reports no {case.rule} in {case.file} ({case.anchor})"
    record_property("where", f"{case.file}:{finding['location']['row']}")
    return finding


def mark_xfail(request: pytest.FixtureRequest, reasons: dict[str, str] | Any, backend: str) -> None:
    if backend in reasons:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reasons[backend]))


def run(lab: Lab, key: VariantKey, backend: str, case: Case, mode: str) -> Result:
    result = lab.worker(key, backend).run(case.scenario, mode)
    if "unavailable" in result:
        pytest.skip(result["unavailable"])
    return result


def _innodb_deadlock(result: Result) -> bool:
    raised = errors(result)
    return (
        len(raised) == 1
        and raised[0].get("type") == "OperationalError"
        and "(1213," in raised[0].get("message", "")
    )


def summary(result: Result) -> str:
    messages = list(iter_messages(result))
    return messages[0].splitlines()[0] if messages else "no error"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", case_params())
def test_hazard(
    lab: Lab, case: Case, backend: str, record_property: Record, request: pytest.FixtureRequest
) -> None:
    finding = located(lab, case, record_property)
    predicted = prediction(finding)
    record_property("predicted", predicted.sqlite_message or PREDICTED_LABELS[predicted.kind])
    mark_xfail(request, case.hazard_xfail, backend)
    if case.shape == RACE:
        serial = run(lab, ORIGINAL, backend, case, "serial")
        assert not errors(serial), f"the serial run already fails: {summary(serial)}"
        result = run(lab, ORIGINAL, backend, case, "race")
        for _ in range(2):
            if not _innodb_deadlock(result):
                break
            # InnoDB sometimes resolves the two colliding inserts' lock waits as a deadlock
            # (1213) instead of the duplicate-key error (seen once in three CI runs of the
            # async afirst race): the same race, another victim path. Run it again.
            result = run(lab, ORIGINAL, backend, case, "race")
        assert result["barrier"] == "passed", "the interleaving was not forced"
        if predicted.kind == "multiple_objects":
            record_property("observed", _after(result))
            assert _duplicates(result), f"no duplicate rows: {result['rows']}"
            assert result["after"].get("error", {}).get("type") == "MultipleObjectsReturned"
            return
        record_property("observed", summary(result))
        raised = errors(result)
        assert len(raised) == 1, f"expected one losing call: {result['calls']}"
        assert_predicted(predicted, raised[0], backend, lab.index)
        assert result["rows"] == serial["rows"], "the winner's rows are the serial run's"
    elif case.shape == TRIGGER:
        result = run(lab, ORIGINAL, backend, case, "trigger")
        record_property("observed", summary(result))
        _assert_trigger(predicted, result, case, backend, lab)
    else:
        empty = run(lab, ORIGINAL, backend, case, "empty")
        assert not errors(empty), f"fails even on empty tables: {summary(empty)}"
        result = run(lab, ORIGINAL, backend, case, "trigger")
        record_property("observed", summary(result))
        raised = errors(result)
        assert raised, "the migration applied over the rows that should break it"
        assert_predicted(predicted, raised[0], backend, lab.index)


def _assert_trigger(
    predicted: Prediction, result: Result, case: Case, backend: str, lab: Lab
) -> None:
    raised = errors(result)
    if predicted.kind == "not_enforced":
        assert not raised, f"the database enforces it after all: {summary(result)}"
        assert result["rows"] in NOT_ENFORCED[case.scenario], result["rows"]
        return
    assert len(raised) == 1, f"expected one error: {result['calls']}"
    if predicted.kind == "transaction":
        assert raised[0]["type"] == "TransactionManagementError", summary(result)
        assert "An error occurred in the current transaction" in raised[0]["message"]
        return
    assert_predicted(predicted, raised[0], backend, lab.index)
    if "where" in result:
        expected = "commit" if backend in case.at_commit else "view"
        assert result["where"] == expected, f"inside atomic() it raised at {result['where']}"


def _duplicates(result: Result) -> bool:
    return len(result["rows"]) > 1


def _after(result: Result) -> str:
    error = result["after"].get("error")
    return f"{len(result['rows'])} rows; then {error['type'] if error else 'no error'}"


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", case_params())
def test_fix(
    lab: Lab, case: Case, backend: str, record_property: Record, request: pytest.FixtureRequest
) -> None:
    finding = located(lab, case, record_property)
    fix = finding["fix"]
    if fix is None:
        record_property("applicability", "none")
        pytest.skip("the checker offers no fix")
    record_property("applicability", fix["applicability"])
    key = lab.key_for(case, "fix")
    if key is None:
        pytest.skip("display-only: nothing to apply")
    left = lab.finding(case, key)
    assert left is None, f"the fixed copy still has {left and left['message']}"
    mark_xfail(request, case.fix_xfail, backend)
    if fix["applicability"] == "display-only":
        # The message names the migration makemigrations would write: with it, the database
        # enforces what models.py says — the write it accepted before now fails.
        record_property("applicability", "display-only (makemigrations)")
        result = run(lab, key, backend, case, "trigger")
        record_property("observed", summary(result))
        raised = errors(result)
        assert len(raised) == 1, result["calls"]
        assert (raised[0]["module"], raised[0]["type"]) == ("django.db.utils", "IntegrityError")
        return
    if case.shape == RACE:
        reference = run(lab, ORIGINAL, backend, case, "serial")
        serial = run(lab, key, backend, case, "serial")
        assert not errors(serial), summary(serial)
        result = run(lab, key, backend, case, "race")
        record_property("observed", f"{summary(result)} (barrier {result['barrier']})")
        assert not errors(result), summary(result)
        assert result["rows"] == serial["rows"] == reference["rows"]
        if "after" in result:
            assert "error" not in result["after"], result["after"]
    elif case.shape == TRIGGER:
        result = run(lab, key, backend, case, "trigger")
        record_property("observed", summary(result))
        assert not errors(result), summary(result)
        reference = run(
            lab, ORIGINAL, backend, case, "trigger" if case.reference == "hazard" else "twin"
        )
        assert result["rows"] == reference["rows"]
        if "where" in result:
            assert "error" not in result["atomic"], result["atomic"]
    else:
        assert case.shape == MIGRATION
        result = run(lab, key, backend, case, "fixed")
        record_property("observed", summary(result))
        assert not errors(result), summary(result)
        if case.expected_rows is not None:
            assert [tuple(row) for row in result["rows"]] == list(case.expected_rows)
