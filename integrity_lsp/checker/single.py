"""The check of one file: `check_source` runs the walk with the rules whose words the text
contains and applies what every finding goes through: selection (select/ignore/per-file-ignores,
the test-code policy), `# noqa`, blocks expecting an IntegrityError, severity overrides, and the
rule that a fix which would leave unparseable code is dropped."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from parso.utils import split_lines

from integrity_lsp.analysis.context import Context, Environment
from integrity_lsp.analysis.fix_validation import FixValidator
from integrity_lsp.analysis.registry import Narrowing, Rule
from integrity_lsp.analysis.suppressions import (
    ALL_CODES,
    file_level_codes,
    find_line_noqa,
    integrity_error_expected,
)
from integrity_lsp.analysis.walker import walk_file
from integrity_lsp.checker.candidates import plan
from integrity_lsp.config import Settings
from integrity_lsp.findings import Finding, Fix
from integrity_lsp.rules import load_rules
from integrity_lsp.syntax.files import over_size_cap
from integrity_lsp.syntax.source import SourceFile, is_command_code, is_migration_path

_NEWLINE = re.compile(r"\r\n|\r|\n")


def enabled_rules(
    settings: Settings, path: Path | None = None, root: Path | None = None
) -> list[Rule]:
    return [rule for code, rule in load_rules().items() if settings.is_enabled(code, path, root)]


def might_matter(text: str) -> bool:
    """Can any rule find something in this text? (Each rule names words it cannot do without.)"""
    return any(rule.may_apply(text) for rule in load_rules().values())


def check_source(
    text: str,
    path: Path,
    env: Environment,
    *,
    as_indexed: bool = False,
    only_candidates: bool = False,
    cpython: ast.Module | None = None,
) -> list[Finding]:
    """Findings for one file's text (which may differ from what is on disk).

    `as_indexed`: the index already holds what it should for this file -- the text was just
    read from disk as the index read it (every file of a `check` run would otherwise become an
    overlay, and whatever walks the overlays would walk them all), or the server keeps the
    index up to date itself and the text may be an older snapshot than the index has, which
    must not be written back (`server/project.py`).
    `only_candidates`: parso reads only the functions a rule can report in
    (`checker.candidates`); the same findings, for a fraction of the parse. `cpython`:
    CPython's tree of `text`, when the caller parsed it already (batch's syntax check).
    """
    if over_size_cap(text, path):  # an editor's document larger than a file would be read
        return []
    # Only the rules whose words the text contains: most files are never parsed.
    migration = is_migration_path(path)
    command = is_command_code(path, text, env.root)
    rules = [
        rule
        for rule in enabled_rules(env.settings, path, env.root)
        if rule.may_apply(text)
        and (rule.in_migrations or not migration)
        and (rule.in_commands or not command)
    ]
    if not rules:
        return []
    file_codes = file_level_codes(text)
    if file_codes is ALL_CODES:
        return []
    if not as_indexed and env.index.is_index_source(path):
        # The text under check is the truth for this file: models read from it, not from disk.
        env.index.update_file(path, text)
    tree_text = None
    if only_candidates and env.open_documents is None:
        lines = split_lines(text, keepends=True)
        reading = plan(text, rules, lines, cpython, _narrowings(rules, env))
        rules, tree_text = list(reading.rules), reading.text
        if not rules:
            return []
    source = SourceFile(path, text, env.index.module_name(path), env.open_documents, tree_text)
    ctx = Context(file=source, env=env)
    reuse = None
    if env.open_documents is not None:
        salt = (env.index.generation, env.settings, tuple(rule.code for rule in rules))
        reuse = env.open_documents.statement_results(source, salt)
    try:
        raw = walk_file(ctx, rules, reuse)
    except RecursionError:
        return []  # parso's own recursion on absurdly nested code: report nothing, never crash
    return finalize(raw, source, env, file_codes or frozenset())


def _narrowings(rules: Iterable[Rule], env: Environment) -> dict[str, Narrowing]:
    found = {}
    for rule in rules:
        narrowing = rule.narrowing(env.index) if rule.narrowing is not None else None
        if narrowing is not None:
            found[rule.code] = narrowing
    return found


def finalize(
    raw: Iterable[Finding], source: SourceFile, env: Environment, file_codes: frozenset[str]
) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, int, int]] = set()
    verdicts = env.open_documents.fix_verdicts(source.path) if env.open_documents else None
    validator = FixValidator(source, env.read_text, verdicts)
    newlines: dict[Path, str] = {}
    expected = integrity_error_expected(source.text)

    def newline_of(path: Path) -> str:
        if path not in newlines:
            text = source.text if path == source.path else env.read_text(path)
            match = _NEWLINE.search(text or "")
            newlines[path] = match.group() if match else "\n"
        return newlines[path]

    for finding in sorted(raw, key=Finding.sort_key):
        key = (finding.code, finding.span.start_line, finding.span.start_column)
        if key in seen or finding.code in file_codes or not _inside(finding, source):
            continue
        if not env.settings.is_enabled(finding.code, finding.path, env.root):
            continue
        line = finding.span.start_line
        if finding.path == source.path and any(first <= line <= last for first, last in expected):
            continue  # the test provokes the IntegrityError on purpose
        noqa = find_line_noqa(finding.span.start_line, source.line_text(finding.span.start_line))
        if noqa is not None and noqa.suppresses(finding.code):
            continue
        seen.add(key)
        fixes = [
            fix
            for fix in (_in_file_newlines(fix, newline_of) for fix in finding.fixes)
            if validator.keeps_code_valid(fix)
        ]
        severity = env.settings.severity_for(finding.code, finding.severity)
        findings.append(replace(finding, fixes=tuple(fixes), severity=severity))
    return _drop_shadowed(findings)


def _in_file_newlines(fix: Fix, newline_of: Callable[[Path], str]) -> Fix:
    """Rules write edits with "\n"; a CRLF or CR file gets its own line ending back."""
    edits = tuple(
        replace(edit, content=_NEWLINE.sub(newline, edit.content))
        if (newline := newline_of(edit.path)) != "\n"
        else edit
        for edit in fix.edits
    )
    return fix if edits == fix.edits else replace(fix, edits=edits)


def _inside(finding: Finding, source: SourceFile) -> bool:
    """A finding's span lies within the checked text (a rule bug must not reach an editor)."""
    if finding.path != source.path:
        return True
    span = finding.span
    last_line = len(source.lines)
    if not (1 <= span.start_line <= span.end_line <= last_line):
        return False
    return span.end_column <= len(source.line_text(span.end_line)) and span.start_column >= 0


def _drop_shadowed(findings: list[Finding]) -> list[Finding]:
    """A write that IL101/IL102/IL103 reports is not reported again by IL201."""
    race_writes = {
        (f.span.start_line, f.span.start_column)
        for f in findings
        if f.code in ("IL101", "IL102", "IL103")
    }
    return [
        f
        for f in findings
        if not (f.code == "IL201" and (f.span.start_line, f.span.start_column) in race_writes)
    ]
