"""The candidate pass (`checker.candidates`) only blanks what no rule reads: over the whole
corpus (examples/ and every fixture project), checking with function bodies blanked gives
exactly the findings and fixes of checking the whole text, and every finding of the whole
text lies outside what was blanked. New fixtures of any rule are checked here too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from parso.utils import split_lines

from integrity_lsp.analysis.conditions import may_read_negative
from integrity_lsp.analysis.registry import Narrowing, Rule
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.checker.candidates import candidate_text, plan
from integrity_lsp.checker.single import enabled_rules
from integrity_lsp.config import Settings, load_settings
from integrity_lsp.findings import Finding
from integrity_lsp.rules import load_rules
from tests.robustness.support import corpus, environment_for


def _rule(scope: str, words: tuple[str, ...] = ("create(",)) -> Rule:
    return replace(load_rules()["IL201"], scope=scope, words=words)


def _blanked(text: str, rules: list[Rule]) -> str | None:
    return candidate_text(text, rules, split_lines(text, keepends=True))


def _blanked_lines(original: str, blanked: str | None) -> set[int]:
    if blanked is None:
        return set()
    pairs = zip(split_lines(original), split_lines(blanked), strict=True)
    return {number for number, (old, new) in enumerate(pairs, 1) if old != new}


def test_blanking_keeps_every_line_and_column() -> None:
    text = (
        "import x\r\n"
        "@decorate\r\n"
        "def helper(a):\r\n"
        "    value = compute(a)\r\n"
        "    return value\r\n"
        "\r\n"
        "class View:\r\n"
        "    name = 'v'\r\n"
        "    def post(self):\r\n"
        "        Thing.objects.create(name=self.name)\r\n"
        "    def unrelated(self): return 1\r\n"
        "    def other(\r\n"
        "        self): return 2\r\n"
        "    def long(self):\r\n"
        "        a = 1\r\n"
        "        return a\r\n"
    )
    blanked = _blanked(text, [_rule("function")])
    assert blanked is not None
    old, new = split_lines(text, keepends=True), split_lines(blanked, keepends=True)
    assert len(old) == len(new)
    assert all(line.endswith("\r\n") for line in new[:-1])
    # helper's and long's bodies are blanked, their last line holding `...` at the body's
    # indentation; the decorator, signatures, one-line bodies and class attributes stay.
    assert _blanked_lines(text, blanked) == {4, 5, 15, 16}
    assert new[4] == "    ...\r\n" and new[3] == "\r\n"
    assert new[15] == "        ...\r\n"
    assert [new[i] for i in (1, 2, 7, 8, 9, 10, 11, 12)] == [
        old[i] for i in (1, 2, 7, 8, 9, 10, 11, 12)
    ]


def test_callers_and_callees_of_a_candidate_are_kept() -> None:
    text = (
        "def ensure(name):\n"
        "    Thing.objects.create(name=name)\n"
        "\n"
        "def view(request):\n"
        "    if not exists(request):\n"
        "        ensure(request.name)\n"
        "\n"
        "def exists(request):\n"
        "    return Thing.objects.filter(name=request.name).exists()\n"
        "\n"
        "def unrelated():\n"
        "    return 1\n"
    )
    assert _blanked_lines(text, _blanked(text, [_rule("calls")])) == {12}
    # a rule that reads only the function its words are in: the others are blanked
    assert _blanked_lines(text, _blanked(text, [_rule("function")])) == {5, 6, 9, 12}


def test_methods_are_linked_through_their_class_name() -> None:
    text = (
        "class Maker:\n"
        "    def __init__(self, name):\n"
        "        Thing.objects.create(name=name)\n"
        "\n"
        "def view(request):\n"
        "    return Maker(request.name)\n"
        "\n"
        "def unrelated():\n"
        "    return 1\n"
    )
    assert _blanked_lines(text, _blanked(text, [_rule("calls")])) == {9}


def test_functions_are_linked_through_the_names_they_are_bound_to() -> None:
    """`board.is_starred(…)` runs `board_is_starred` when the module attaches it to the model
    (`add_to_class`, positional or by keyword) or a class body or attribute binds it."""
    text = (
        "def board_is_starred(self, user):\n"
        "    return self.stars.filter(user=user).exists()\n"
        "\n"
        "def board_pins(self):\n"
        "    return self.pins.count()\n"
        "\n"
        "def board_watched(self):\n"
        "    return self.watchers.count()\n"
        "\n"
        "def unrelated():\n"
        "    return 1\n"
        "\n"
        "Board.add_to_class('is_starred', board_is_starred)\n"
        "Board.add_to_class(name='pin_count', value=board_pins)\n"
        "Board.watched = board_watched\n"
        "\n"
        "def view(request, board):\n"
        "    if not board.is_starred(request.user) and board.pin_count() and board.watched():\n"
        "        Star.objects.create(board=board, user=request.user)\n"
    )
    assert _blanked_lines(text, _blanked(text, [_rule("calls")])) == {11}


def test_nothing_is_blanked_for_a_rule_reading_the_whole_file() -> None:
    text = "def helper():\n    return 1\n\ndef make():\n    Thing.objects.create()\n"
    assert _blanked(text, [_rule("function")]) is not None
    assert _blanked(text, [_rule("function"), _rule("file")]) is None
    assert _blanked(text, [_rule("function", words=())]) is None
    assert _blanked(text, [_rule("module")]) is not None
    assert _blanked("def broken(:\n    return 1\n", [_rule("function")]) is None


def test_every_rule_says_what_it_reads() -> None:
    scopes = {rule.scope for rule in load_rules().values()}
    assert scopes <= {"file", "calls", "function", "module"}


def test_blanking_never_hides_a_finding() -> None:
    """The proof over the corpus: the same findings and fixes, each outside what is blanked."""
    differences: list[str] = []
    outside: list[str] = []
    blanked_somewhere = 0
    for root, path in corpus():
        text = path.read_text(encoding="utf-8", errors="replace")
        whole = _check(root, path, text, only_candidates=False)
        reduced = _check(root, path, text, only_candidates=True)
        if whole != reduced:
            differences.append(f"{path}: {_difference(whole, reduced)}")
        env = environment_for(root, path)
        rules = [rule for rule in _applying(env.settings, path, root) if rule.may_apply(text)]
        lines = _blanked_lines(text, _blanked(text, rules))
        blanked_somewhere += bool(lines)
        outside.extend(
            f"{path}:{finding.span.start_line} {finding.code}"
            for finding in whole
            if finding.path == path and finding.span.start_line in lines
        )
    assert not differences, "\n".join(differences)
    assert not outside, "\n".join(outside)
    assert blanked_somewhere >= 5  # the corpus does exercise the blanking


def _applying(settings: Settings, path: Path, root: Path) -> list[Rule]:
    return enabled_rules(settings, path, root)


def _check(root: Path, path: Path, text: str, *, only_candidates: bool) -> list[Finding]:
    env = environment_for(root, path)
    return check_source(text, path, env, as_indexed=True, only_candidates=only_candidates)


def _difference(whole: list[Finding], reduced: list[Finding]) -> str:
    lost = [f"-{f.code}@{f.span.start_line}" for f in whole if f not in reduced]
    added = [f"+{f.code}@{f.span.start_line}" for f in reduced if f not in whole]
    return " ".join(lost + added) or "same findings, other fixes or order"


def test_a_narrowed_rule_reads_only_what_holds_what_it_needs() -> None:
    text = (
        "def negative():\n"
        "    return Item(quantity=-1)\n"
        "\n"
        "def computed(n):\n"
        "    return Item(quantity=n - 1)\n"
    )
    rule = load_rules()["IL205"]
    negative = {"IL205": Narrowing("-", may_read_negative)}
    reading = plan(text, [rule], split_lines(text, keepends=True), narrowings=negative)
    assert reading.rules == (rule,)
    assert _blanked_lines(text, reading.text) == {5}
    # without the narrowing (a project with a CheckConstraint) both are read
    assert plan(text, [rule], split_lines(text, keepends=True)).text is None
    # nothing holds a negative literal: the file is not read for the rule at all
    computed = "def computed(n):\n    return Item(quantity=n - 1)\n"
    assert plan(computed, [rule], split_lines(computed, keepends=True), None, negative).rules == ()
    at_import = "ROW = Item(quantity=-1)\n\n" + computed
    assert plan(at_import, [rule], split_lines(at_import, keepends=True), None, negative).rules


def test_a_rule_checked_alone_still_reads_what_it_follows() -> None:
    """With one rule selected, only its own candidates are kept: a rule that reads the module's
    other functions (IL202's handler calling a helper that writes) must say so by its scope,
    or the helper's body is blanked and reads as doing nothing. Every fixture file expecting
    a finding of a "function"-scoped rule, checked with that rule alone, gives the findings
    of the whole text."""
    differences: list[str] = []
    checked = 0
    for code, rule in sorted(load_rules().items()):
        if rule.scope != "function":
            continue
        for root, path in corpus():
            text = path.read_text(encoding="utf-8", errors="replace")
            if f"expect: {code}" not in text:
                continue
            settings = replace(load_settings(root), select=(code,))
            env = build_environment(root, settings)
            whole = check_source(text, path, env, as_indexed=True)
            reduced = check_source(text, path, env, as_indexed=True, only_candidates=True)
            checked += 1
            if whole != reduced:
                differences.append(f"{path} ({code} alone): {_difference(whole, reduced)}")
    assert checked >= 5
    assert not differences, "\n".join(differences)
