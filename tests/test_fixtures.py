"""Every `# expect: ILxxx` comment in the fixture projects and in examples/ is reported, and
nothing else is: lines without the comment are true negatives."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrity_lsp.checker import check_paths, check_source
from tests.helpers import EXAMPLES, FIXTURES, environment, expected_in, reported

CASE_FILES = sorted(FIXTURES.glob("*/cases/**/*.py"))


def _project_of(case: Path) -> Path:
    return next(parent for parent in case.parents if parent.parent == FIXTURES)


@pytest.mark.parametrize("case", CASE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_case(case: Path) -> None:
    env = environment(_project_of(case))
    findings = check_source(case.read_text(encoding="utf-8"), case, env)
    assert sorted(reported(findings)) == sorted(expected_in(case))


def test_examples_report_exactly_what_they_promise() -> None:
    env = environment(EXAMPLES)
    report = check_paths([EXAMPLES], env, jobs=1)
    by_file: dict[Path, set[tuple[int, str]]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.path.resolve(), set()).add(
            (finding.span.start_line, finding.code)
        )
    implemented = _implemented_codes()
    for path in sorted(EXAMPLES.rglob("*.py")):
        expected = {item for item in expected_in(path) if item[1] in implemented}
        assert by_file.get(path.resolve(), set()) == expected, path.relative_to(EXAMPLES)


def _implemented_codes() -> set[str]:
    from integrity_lsp.rules import load_rules

    return set(load_rules())
