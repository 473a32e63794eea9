"""The words a rule declares only skip files it could not report on: over the whole corpus
(examples/ and every fixture project) checking with the words gives exactly what checking
every file with every rule gives, and most files are skipped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import integrity_lsp.checker as checker
from integrity_lsp.analysis.registry import Rule
from integrity_lsp.config import Settings
from integrity_lsp.rules import load_rules
from tests.robustness.support import corpus, environment_for


def test_every_rule_names_its_words() -> None:
    assert all(rule.words for rule in load_rules().values())


def test_words_never_hide_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = corpus()
    with_words = {path: _check(root, path) for root, path in cases}
    original = checker.enabled_rules

    def every_rule_everywhere(
        settings: Settings, path: Path | None = None, root: Path | None = None
    ) -> list[Rule]:
        return [replace(rule, words=()) for rule in original(settings, path, root)]

    monkeypatch.setattr(checker, "enabled_rules", every_rule_everywhere)
    without_words = {path: _check(root, path) for root, path in cases}
    assert with_words == without_words
    assert sum(bool(found) for found in without_words.values()) >= 30  # the corpus has findings


def test_a_file_without_any_rule_word_is_not_parsed() -> None:
    text = "def helper(items):\n    return sorted(items)\n"
    assert not checker.might_matter(text)
    assert checker.might_matter("Product.objects.create(sku=sku)\n")
    assert checker.might_matter("user = User.objects.create_user(name)\n")


def _check(root: Path, path: Path) -> list[object]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return list(checker.check_source(text, path, environment_for(root, path)))
