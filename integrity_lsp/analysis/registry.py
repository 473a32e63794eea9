"""The rule registry: every module under `integrity_lsp.rules` registers its rule on import
(`integrity_lsp.rules.load_rules` imports them all). A rule declares its code, name, default
severity and the parso node types it wants to see; the walker dispatches each node of those
types to it once. A module's docstring is the rule's documentation (`integrity-lsp rule CODE`,
hover, README).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from integrity_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from integrity_lsp.analysis.context import Context
    from integrity_lsp.project.index import ProjectIndex

NodeCheck = Callable[[Any, "Context"], Iterable[Finding]]
FileCheck = Callable[["Context"], Iterable[Finding]]

DOCS_URL = "https://github.com/integrity-lsp/integrity-lsp/blob/main/docs/rules/{code}.md"


@dataclass(frozen=True)
class Narrowing:
    """What a rule's report needs in the code around it, given the project: `word` in the
    text of the function (or of the code outside functions) and a node of CPython's tree of
    it for which `node` is true."""

    word: str
    node: Callable[[ast.AST], bool]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    node_types: tuple[str, ...]
    check: NodeCheck | None
    check_file: FileCheck | None
    doc: str
    # A file containing none of these cannot hold a finding of this rule (empty: any file can).
    # The checker parses only files some enabled rule's words appear in.
    words: tuple[str, ...] = ()
    # False: never in a migration file. Races need concurrent requests, and `migrate` runs
    # a migration's RunPython code once, alone.
    in_migrations: bool = True
    # False: never in command code (`syntax.source.is_command_code`: a management command, a
    # script): an operator runs it, one run at a time; no concurrent requests race it.
    in_commands: bool = True
    # True: `check` reports it only in migrations new relative to the git base (see
    # project.migrations.scope); the editor reports it in every open migration.
    new_migrations_only: bool = False
    # What of a file the rule reads: "file", all of it (the default: always safe); "function",
    # the functions whose text holds one of its words and everything outside functions;
    # "calls", those functions, the functions of the module they call or are called by (by
    # name, to a fixed point) and everything outside functions; "module", nothing inside a
    # function. `check` blanks the other function bodies before parso reads the file when no
    # rule that applies says "file" (`checker/candidates.py`;
    # tests/checker/test_candidates.py proves the declarations on the whole corpus).
    scope: str = "file"
    # With scope "function": the rule also reports at `Name(key=…)`, a capitalised name called
    # with keywords (a model's constructor), in functions without any of its words.
    constructors: bool = False
    # With scope "function": given the project, what every place the rule can report in also
    # holds (a `Narrowing`), or None when the project leaves nothing to narrow. A function
    # without it is not a candidate, and a file without it anywhere is not read for the rule.
    narrowing: Callable[[ProjectIndex], Narrowing | None] | None = None

    def may_apply(self, text: str) -> bool:
        return not self.words or any(word in text for word in self.words)

    @property
    def summary(self) -> str:
        """The first sentence of "What it does"."""
        match = re.search(r"## What it does\s+(.+?)(?:\n\n|$)", self.doc, re.S)
        text = match.group(1) if match else self.doc.strip().split("\n\n")[0]
        return " ".join(text.split())

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)


RULES: dict[str, Rule] = {}
SCOPES = ("file", "calls", "function", "module")


def register(
    code: str,
    name: str,
    *,
    doc: str | None,
    severity: Severity = Severity.WARNING,
    node_types: tuple[str, ...] = (),
    check: NodeCheck | None = None,
    check_file: FileCheck | None = None,
    words: tuple[str, ...] = (),
    in_migrations: bool = True,
    in_commands: bool = True,
    new_migrations_only: bool = False,
    scope: str = "file",
    constructors: bool = False,
    narrowing: Callable[[ProjectIndex], Narrowing | None] | None = None,
) -> Rule:
    """Register a rule; called once at the bottom of each rule module."""
    if code in RULES and RULES[code].check is not check:
        raise ValueError(f"rule {code} registered twice")
    doc = (doc or "").strip()
    if scope not in SCOPES:
        raise ValueError(f"rule {code}: scope must be one of {SCOPES}, not {scope!r}")
    if narrowing is not None and scope != "function":
        raise ValueError(f'rule {code}: a narrowing needs scope "function"')
    rule = Rule(
        code, name, severity, node_types, check, check_file, doc, words, in_migrations,
        in_commands, new_migrations_only, scope, constructors, narrowing,
    )  # fmt: skip
    RULES[code] = rule
    return rule
