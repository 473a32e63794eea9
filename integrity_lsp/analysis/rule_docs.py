"""The one renderer of rule documentation, from the rule's docstring: the page that
`integrity-lsp rule`, docs/rules/ILxxx.md and SARIF's `help` show, and the one-line row of
`integrity-lsp rules` and README's rule table. Editors show the docstring itself."""

from __future__ import annotations

from integrity_lsp.analysis.registry import Rule


def rule_page(rule: Rule) -> str:
    """The rule's documentation as Markdown: title, default severity, then the docstring."""
    return f"# {rule.code}: {rule.name}\n\nDefault severity: {rule.severity.value}\n\n{rule.doc}\n"


def table_row(rule: Rule, link: str | None = None) -> str:
    """One Markdown table row: code (linked to its page when `link` is given), name, summary."""
    code = f"[{rule.code}]({link})" if link else rule.code
    return f"| {code} | {rule.name} | {rule.summary} |"


TABLE_HEADER = "| code | name | what it finds |\n|---|---|---|"
