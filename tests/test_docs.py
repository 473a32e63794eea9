"""Rule documentation: every rule documents itself completely, and the generated docs are fresh."""

from __future__ import annotations

import pytest

from integrity_lsp.rules import load_rules
from scripts.gen_docs import ROOT, render_readme, rule_page

HEADINGS = (
    "## What it does",
    "## Why is this bad?",
    "## Example",
    "## Use instead",
    "## Fix safety",
    "## References",
)


@pytest.mark.parametrize("code", sorted(load_rules()))
def test_rule_docstring_has_every_heading(code: str) -> None:
    doc = load_rules()[code].doc
    positions = [doc.find(heading) for heading in HEADINGS]
    assert all(p >= 0 for p in positions), code
    assert positions == sorted(positions), code
    assert "docs.djangoproject.com" in doc


@pytest.mark.parametrize("code", sorted(load_rules()))
def test_generated_rule_page_is_up_to_date(code: str) -> None:
    page = ROOT / "docs" / "rules" / f"{code}.md"
    assert page.read_text(encoding="utf-8") == rule_page(code), "run python scripts/gen_docs.py"


def test_readme_rule_table_is_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_readme(readme) == readme, "run python scripts/gen_docs.py"
