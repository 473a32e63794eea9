"""Shared test helpers: inline `# expect:` fixtures and before/after fix checks."""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.edits import apply_edits, compiles
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.config import Settings, load_settings
from integrity_lsp.findings import Applicability, Finding

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "examples"
EXPECT = re.compile(r"#\s*expect:\s*(IL\d{3}(?:\s*,\s*IL\d{3})*)")


def expected_in(path: Path) -> set[tuple[int, str]]:
    """(line, code) pairs promised by `# expect: IL101, IL203` comments in one file."""
    found: set[tuple[int, str]] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found.update((number, code.strip()) for code in match.group(1).split(","))
    return found


def reported(findings: list[Finding]) -> set[tuple[int, str]]:
    return {(finding.span.start_line, finding.code) for finding in findings}


def environment(root: Path, settings: Settings | None = None) -> Environment:
    return build_environment(root, settings or load_settings(root))


def copy_project(name: str, destination: Path) -> Path:
    source = EXAMPLES if name == "examples" else FIXTURES / name
    target = destination / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return target


def check_fixed(
    before: str,
    after: str,
    *,
    filename: str,
    project: str,
    tmp_path: Path,
    code: str | None = None,
    unsafe: bool = False,
    settings: Settings | None = None,
) -> list[Finding]:
    """Write `before` into a copy of a fixture project, apply the first matching fix, and
    assert the file then reads `after` (both dedented) and still compiles."""
    root = copy_project(project, tmp_path)
    path = root / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    before = textwrap.dedent(before)
    path.write_text(before, encoding="utf-8")
    env = environment(root, settings)
    findings = [f for f in check_source(before, path, env) if code is None or f.code == code]
    allowed = {Applicability.SAFE} | ({Applicability.UNSAFE} if unsafe else set())
    fix = next(
        (fx for f in findings for fx in f.fixes if fx.edits and fx.applicability in allowed), None
    )
    assert fix is not None, f"no fix offered; findings: {findings}"
    own = [edit for edit in fix.edits if edit.path == path]
    fixed = apply_edits(before, own)
    assert fixed == textwrap.dedent(after), f"got:\n{fixed}"
    assert compiles(fixed)
    return findings
