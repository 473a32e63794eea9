"""One file's check, as `check` runs it in this process or in a worker: read it, screen out
what needs no index (unreadable, no rule's words, rejected by CPython), else check it and, for
the on-disk cache, record what it read."""

from __future__ import annotations

import ast
import sys
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cache import Deps, JediProbe, Recorder, digest
from integrity_lsp.checker.single import check_source, might_matter
from integrity_lsp.findings import Finding
from integrity_lsp.syntax.files import read_source
from integrity_lsp.syntax.source import cpython_tree


@dataclass(frozen=True)
class Unchecked:
    """A file that was not checked because CPython does not parse it, and where it stops."""

    path: Path
    line: int
    column: int  # 1-based
    reason: str  # "SyntaxError (Python 3.11): invalid syntax"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.reason}; not checked"


@dataclass
class Outcome:
    path: Path
    digest: str = ""
    findings: list[Finding] = field(default_factory=list)
    deps: Deps | None = None
    error: str | None = None
    crashed: bool = False
    syntax_error: Unchecked | None = None


def check_file(path: Path, env: Environment, record: bool) -> Outcome:
    screened = screen(path)
    return screened if isinstance(screened, Outcome) else check_screened(screened, env, record)


def screen(path: Path) -> Outcome | tuple[Path, str, ast.Module | None]:
    """What needs no index: a file that cannot be read, that no rule's words are in (no
    finding, nothing read), or that CPython rejects. Else the text and CPython's tree (parsed
    once: the syntax check, then the candidate pass)."""
    text, error = read_source(path)
    if text is None:
        return Outcome(path, error=error or f"{path}: cannot read")
    if not might_matter(text):
        return Outcome(path, digest(text), [], Deps())
    cpython = cpython_tree(text)
    problem = syntax_error(text) if cpython is None else None
    if problem is not None:
        return Outcome(path, syntax_error=Unchecked(path, *problem))
    return path, text, cpython


def check_screened(
    screened: tuple[Path, str, ast.Module | None], env: Environment, record: bool
) -> Outcome:
    path, text, cpython = screened
    try:
        return check_text(path, text, env, record, cpython)
    except Exception as problem:  # a bug in one rule costs this file, not the whole run
        reason = f"{type(problem).__name__}: {problem}"
        message = f"{path}: internal error while checking ({reason}); skipped, please report it"
        return Outcome(path, error=message, crashed=True)


def syntax_error(text: str) -> tuple[int, int, str] | None:
    """Where and why CPython rejects the text (line, column, reason), or None."""
    if cpython_tree(text) is not None:
        return None
    # The Python running the checker decides (code for a newer Python does not parse).
    python = f"Python {sys.version_info.major}.{sys.version_info.minor}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<checked>", "exec", dont_inherit=True)
    except SyntaxError as error:
        return error.lineno or 1, error.offset or 1, f"SyntaxError ({python}): {error.msg}"
    except (ValueError, RecursionError, MemoryError) as error:
        return 1, 1, f"{type(error).__name__}: {error}"
    return 1, 1, f"SyntaxError ({python})"


def check_text(
    path: Path, text: str, env: Environment, record: bool, cpython: ast.Module | None = None
) -> Outcome:
    if not record:
        found = check_source(
            text, path, env, as_indexed=True, only_candidates=True, cpython=cpython
        )
        return Outcome(path, findings=found)
    JediProbe.install()
    recorder = Recorder(env.read_text)
    env = replace(env, read_text=recorder.read_text)
    findings = check_source(text, path, env, as_indexed=True, only_candidates=True, cpython=cpython)
    return Outcome(path, digest(text), findings, recorder.finish())
