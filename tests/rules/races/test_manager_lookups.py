"""IL104 at a manager's call on itself (`self.get_or_create(…)`, `super().update_or_create(…,
**kwargs)`): the model is the one the manager class serves, the lookup what each production
caller of the manager's method hands on (tests/fixtures/races/shop/drafting.py, callers in
cases/il104_manager_callers.py)."""

from __future__ import annotations

from integrity_lsp.checker import check_source
from tests.helpers import FIXTURES, environment, expected_in, reported

ROOT = FIXTURES / "races"
DRAFTS = ROOT / "shop" / "drafting.py"


def _il104(path=DRAFTS):  # type: ignore[no-untyped-def]
    findings = check_source(path.read_text(encoding="utf-8"), path, environment(ROOT))
    return [finding for finding in findings if finding.code == "IL104"]


def test_manager_calls_on_itself_are_reported_where_a_caller_leaves_them_uncovered() -> None:
    got = set(reported(_il104()))
    assert sorted(got) == sorted(expected_in(DRAFTS))


def test_the_message_names_the_caller_whose_keys_are_handed_on() -> None:
    (finding,) = [f for f in _il104() if "update_or_create" in f.message]
    assert "author=…" in finding.message
    assert "cases/il104_manager_callers.py:" in finding.message
    assert any(location.path.name == "il104_manager_callers.py" for location in finding.related)


def test_a_generic_relation_passed_in_adds_its_content_type_and_object_id() -> None:
    path = ROOT / "cases" / "il104_passed_managers.py"
    (finding,) = _il104(path)
    assert "on shop.Memo" in finding.message
    assert "content_type=…, object_id=…" in finding.message
    assert "`.memos`, passed in at cases/il104_passed_managers.py:14" in finding.message
    (fix,) = finding.fixes
    assert "fields=['content_type', 'object_id', 'slot']" in fix.title
