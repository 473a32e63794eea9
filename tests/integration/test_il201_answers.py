"""IL201's fix answers the loser of a real race the way the handler answers a duplicate.

Two requests post one new warehouse code at the same moment, meeting after validation (both
have passed `is_valid()`), on SQLite, PostgreSQL and MariaDB. In the copy fixed by
`integrity-lsp check --fix --select IL201` the winner gets 201 and the loser the ModelForm's own
field error (400, the form re-rendered as JSON) or DRF's 409 — never a 500, never a body naming
the model or its table — exactly as the hand-written safe twins in examples/ answer.
"""

from __future__ import annotations

from typing import Any

import pytest

from .cases import CASES
from .conftest import Lab
from .harness import BACKENDS, VariantKey, errors, values

LOSER_STATUS = {"warehouse_form": 400, "warehouse_serializer": 409}
TAKEN = "This value is already taken."


def _answers(result: dict[str, Any]) -> list[dict[str, Any]]:
    if "unavailable" in result:
        pytest.skip(result["unavailable"])
    assert result["barrier"] == "passed", "the interleaving was not forced"
    assert not errors(result), errors(result)
    return sorted(values(result), key=lambda answer: answer["status"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("scenario", sorted(LOSER_STATUS))
def test_the_loser_gets_the_handlers_own_answer(lab: Lab, scenario: str, backend: str) -> None:
    case = next(case for case in CASES if case.scenario == scenario)
    fixed = lab.key_for(case, "fix")
    assert fixed is not None and fixed.rule == "IL201"
    winner, loser = _answers(lab.worker(fixed, backend).run(scenario, "race"))
    assert (winner["status"], loser["status"]) == (201, LOSER_STATUS[scenario])
    assert '"code"' in loser["body"] and TAKEN in loser["body"], loser["body"]
    for leaked in ("Warehouse", "shop_warehouse", "IntegrityError"):
        assert leaked not in loser["body"], loser["body"]
    twin = _answers(lab.worker(VariantKey(), backend).run(scenario, "twin"))
    assert [answer["status"] for answer in twin] == [201, LOSER_STATUS[scenario]]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("scenario", sorted(LOSER_STATUS))
def test_before_the_fix_the_loser_raises_integrity_error(
    lab: Lab, scenario: str, backend: str
) -> None:
    """The unfixed handler on every backend: the loser's insert raises IntegrityError (the
    HTTP 500), the winner got 201 (test_hazard also matches the error to the finding's
    message)."""
    result = lab.worker(VariantKey(), backend).run(scenario, "race")
    if "unavailable" in result:
        pytest.skip(result["unavailable"])
    assert result["barrier"] == "passed", "the interleaving was not forced"
    raised = errors(result)
    assert [(error["module"], error["type"]) for error in raised] == [
        ("django.db.utils", "IntegrityError")
    ], result["calls"]
    assert [answer["status"] for answer in values(result) if answer] == [201]
