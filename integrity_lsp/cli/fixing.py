"""`--fix`, `--diff`, `--show-fixes` and `--add-noqa`.

`--fix` writes through `fixer.write_fixes` (all or none); `--diff` prints the same changes as a
patch and writes nothing; `--unsafe-fixes` only widens what these two apply. `--add-noqa`
writes a `# noqa: CODE` on each line with a finding, the way the editor's "Disable for this
line" does, and never a comment that would change what the code means.
"""

from __future__ import annotations

import argparse
import ast
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from parso.utils import split_lines

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cli.output import Console
from integrity_lsp.cli.patch import unified_patch
from integrity_lsp.findings import Edit, Finding, Span


def fix(
    findings: list[Finding],
    env: Environment,
    args: argparse.Namespace,
    console: Console,
    out: TextIO,
) -> tuple[list[Finding], list[Finding], int]:
    """Apply (or, with --diff, print) the fixes: (findings left, findings fixed, files
    written, or with --diff the files the patch changes)."""
    from integrity_lsp.checker import build_environment, check_paths
    from integrity_lsp.fixer import compute_fixes, write_fixes

    result = compute_fixes(findings, env, unsafe=bool(args.unsafe_fixes))
    for line in result.errors:
        console.warning(line)
    if args.diff:
        out.write(unified_patch(result.changed))
        if result.changed:
            console.info(f"Would fix {result.applied} finding(s) in {len(result.changed)} file(s).")
        return findings, [], len(result.changed)
    written, problems = write_fixes(result.changed, env.root)
    for problem in problems:
        console.warning(problem)
    if not written:
        return findings, [], 0
    console.info(f"Fixed {result.applied} finding(s) in {written} file(s).")
    # Reporting only: the files just written are checked again, in a fresh environment.
    fresh = build_environment(env.root, env.settings, lazy=True)
    paths = sorted({finding.path for finding in findings})
    left = check_paths(paths, fresh, jobs=args.jobs, cache=not args.no_cache).findings
    return left, _gone(findings, left), written


def _gone(before: Sequence[Finding], after: Sequence[Finding]) -> list[Finding]:
    """The findings of `before` that `after` no longer has, counted per file and code (the
    lines of what is left may have moved)."""
    left = Counter((finding.path, finding.code) for finding in after)
    gone: list[Finding] = []
    for finding in before:
        key = (finding.path, finding.code)
        if left[key]:
            left[key] -= 1
        else:
            gone.append(finding)
    return gone


def show_fixes(fixed: Sequence[Finding], console: Console) -> None:
    """ruff's `--show-fixes` listing: per file, how many findings of each rule were fixed."""
    from integrity_lsp.reporters.paths import display_path

    if not fixed:
        console.info("No findings were fixed.")
        return
    lines = [f"Fixed {len(fixed)} finding(s):"]
    by_file: dict[Path, Counter[tuple[str, str]]] = {}
    for finding in fixed:
        by_file.setdefault(finding.path, Counter())[(finding.code, finding.name)] += 1
    for path in sorted(by_file):
        lines.append(f"- {display_path(path)}:")
        for (code, name), count in sorted(by_file[path].items()):
            lines.append(f"    {count} × {code} ({name})" if name else f"    {count} × {code}")
    console.info("\n".join(lines))


def add_noqa(findings: Sequence[Finding], root: Path, console: Console) -> int | None:
    """Write `# noqa: CODE` on the line of each finding: how many codes were added; None when
    nothing could be written."""
    from integrity_lsp.analysis.edits import apply_edits
    from integrity_lsp.syntax.files import read_source
    from integrity_lsp.syntax.writes import write_files

    by_file: dict[Path, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    changes: dict[Path, tuple[str, str]] = {}
    added = 0
    for path, found in sorted(by_file.items()):
        text, problem = read_source(path)
        if text is None:
            console.warning(problem or f"{path}: cannot read")
            continue
        edits = _noqa_edits(path, text, found)
        kept = [edit for edit in edits if _keeps_meaning(text, apply_edits(text, [edit]))]
        for edit in edits:
            if edit not in kept:
                console.warning(
                    f"{path}:{edit.span.start_line}: a comment there would change the code "
                    "(inside a string); no noqa added"
                )
        if kept:
            changes[path] = (text, apply_edits(text, kept))
            added += sum(edits[edit] for edit in kept)
    written, problems = write_files(changes, root)
    for problem in problems:
        console.warning(problem)
    if changes and not written:
        return None
    return added


def _noqa_edits(path: Path, text: str, findings: Sequence[Finding]) -> dict[Edit, int]:
    """One edit per line, replacing it with itself plus `# noqa: A, B` (or A, B added to the
    noqa already there)."""
    from integrity_lsp.analysis.suppressions import noqa_insertion

    lines = split_lines(text)
    codes_by_line: dict[int, list[str]] = {}
    for finding in findings:
        if finding.path == path and 1 <= finding.span.start_line <= len(lines):
            codes = codes_by_line.setdefault(finding.span.start_line, [])
            if finding.code not in codes:
                codes.append(finding.code)
    edits: dict[Edit, int] = {}  # the edit -> how many codes it adds
    for line, codes in sorted(codes_by_line.items()):
        original = updated = lines[line - 1]
        added = 0
        for code in codes:
            insertion = noqa_insertion(updated, code)
            if insertion is not None:
                column, piece = insertion
                updated = updated[:column] + piece + updated[column:]
                added += 1
        if added:
            edits[Edit(path, Span(line, 0, line, len(original)), updated)] = added
    return edits


def _keeps_meaning(before: str, after: str) -> bool:
    """Whether a comment added to `before` left its code as it was (not inside a string)."""
    try:
        return ast.dump(ast.parse(before)) == ast.dump(ast.parse(after))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
