"""Regenerate docs/rules/ILxxx.md and README's rule table from the rule docstrings.

Run: python scripts/gen_docs.py   (tests/test_docs.py fails when the output is stale)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integrity_lsp.analysis import rule_docs  # noqa: E402
from integrity_lsp.rules import load_rules  # noqa: E402

START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_page(code: str) -> str:
    return rule_docs.rule_page(load_rules()[code])


def rule_table() -> str:
    rows = [rule_docs.TABLE_HEADER]
    for rule in load_rules().values():
        rows.append(rule_docs.table_row(rule, link=f"docs/rules/{rule.code}.md"))
    return "\n".join(rows)


def render_readme(text: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    return pattern.sub(f"{START}\n{rule_table()}\n{END}", text)


def main() -> None:
    folder = ROOT / "docs" / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    for code in load_rules():
        (folder / f"{code}.md").write_text(rule_page(code), encoding="utf-8")
    readme = ROOT / "README.md"
    readme.write_text(render_readme(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
