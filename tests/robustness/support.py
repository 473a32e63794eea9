"""Shared helpers for the robustness tests: the corpus, the budget and the invariants.

The corpus is every Python file of `examples/` and of every fixture project under `tests/`
(each checked with its own project root). The budget is small by default (CI) and large when
`INTEGRITY_LSP_FUZZ_LONG=1` is set. The invariants are what every state of every file must
satisfy: no exception, every span inside its document, every offered fix leaves code that
parses.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import TypeVar

from parso.utils import split_lines

from integrity_lsp.analysis.context import Environment
from integrity_lsp.analysis.edits import EditConflict, _error_count, apply_edits, compiles
from integrity_lsp.checker import build_environment, check_source
from integrity_lsp.config import load_settings
from integrity_lsp.findings import Finding, Span

T = TypeVar("T")
Failure = tuple[str, str, list[str]]  # (label of the state, its text, what is wrong)
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TESTS = REPO / "tests"

LONG = os.environ.get("INTEGRITY_LSP_FUZZ_LONG", "") not in ("", "0")
# Random byte-offset truncations per corpus file, and hypothesis examples per mutation test.
TRUNCATIONS = 300 if LONG else 12
MUTATION_EXAMPLES = 4000 if LONG else 100


def project_roots() -> list[Path]:
    """examples/ and every fixture project (a folder directly under some tests/**/fixtures/)."""
    roots = [EXAMPLES]
    for fixtures in sorted(TESTS.glob("**/fixtures")):
        if "robustness" in fixtures.parts or fixtures.parent.name == "fixtures":
            continue
        roots.extend(
            child
            for child in sorted(fixtures.iterdir())
            if child.is_dir() and child.name != "hostile" and any(child.rglob("*.py"))
        )
    return roots


def corpus() -> list[tuple[Path, Path]]:
    """(project root, file) for every non-empty Python file of the corpus."""
    files = []
    for root in project_roots():
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts and path.stat().st_size > 0:
                files.append((root, path))
    return files


def corpus_id(item: tuple[Path, Path]) -> str:
    return str(item[1].relative_to(REPO))


_ENVIRONMENTS: dict[Path, Environment] = {}


def shared_environment(root: Path) -> Environment:
    """One environment per project root, for states of files the index does not read."""
    if root not in _ENVIRONMENTS:
        _ENVIRONMENTS[root] = fresh_environment(root)
    return _ENVIRONMENTS[root]


def environment_for(root: Path, path: Path) -> Environment:
    """check_source feeds the text of an index source (models, migrations, …) to the index:
    those get an environment of their own, so no state leaks into the checks of other files."""
    return fresh_environment(root) if is_index_source(path) else shared_environment(root)


def fresh_environment(root: Path) -> Environment:
    return build_environment(root, load_settings(root))


def lines_of(text: str) -> list[str]:
    """Lines as parso (and the LSP) split them: only on \\r\\n, \\r and \\n."""
    return split_lines(text)


def span_problem(span: Span, text: str) -> str | None:
    """Why `span` does not lie inside `text`, or None when it does."""
    lines = lines_of(text)
    for line, column in ((span.start_line, span.start_column), (span.end_line, span.end_column)):
        if not 1 <= line <= len(lines):
            return f"line {line} outside 1..{len(lines)}"
        if not 0 <= column <= len(lines[line - 1]):
            return f"column {column} outside line {line} of length {len(lines[line - 1])}"
    if (span.end_line, span.end_column) < (span.start_line, span.start_column):
        return "ends before it starts"
    return None


def disk_text(path: Path) -> str | None:
    """A file's text; "" for a file that does not exist (a fix may create it)."""
    if not path.exists():
        return ""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def invariant_problems(
    findings: Iterable[Finding], path: Path, text: str, root: Path | None = None
) -> list[str]:
    """Everything wrong with the findings for one state of one file (empty: all is well)."""
    problems: list[str] = []
    for finding in findings:
        where = f"{finding.code} at {finding.span}"
        if finding.path != path:
            problems.append(f"{where}: reported for {finding.path}, not the checked file")
            continue
        problem = span_problem(finding.span, text)
        if problem:
            problems.append(f"{where}: span {problem}")
        for related in finding.related:
            # Related locations in the checked file come from the index, which may hold the
            # file as it is on disk rather than this state of it: only other files are checked.
            other = disk_text(related.path) if related.path != path else None
            problem = span_problem(related.span, other) if other else None
            if problem:
                problems.append(f"{where}: related {related.path} {problem}")
        for fix in finding.fixes:
            problems.extend(f"{where}: {p}" for p in fix_problems(fix.edits, path, text, root))
    return problems


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def fix_problems(
    edits: Iterable[object], path: Path, text: str, root: Path | None = None
) -> list[str]:
    """Apply a fix's edits file by file: every span inside its file, the result parses."""
    by_path: dict[Path, list[object]] = {}
    for edit in edits:
        by_path.setdefault(edit.path, []).append(edit)  # type: ignore[attr-defined]
    problems = []
    for target, own in by_path.items():
        if root is not None and not _inside(target, root):
            problems.append(f"fix edits {target}, outside the project root {root}")
        before = text if target == path else disk_text(target)
        if before is None:
            problems.append(f"fix edits unreadable {target}")
            continue
        for edit in own:
            problem = span_problem(edit.span, before)  # type: ignore[attr-defined]
            if problem:
                problems.append(f"fix edit in {target.name}: span {problem}")
        try:
            after = apply_edits(before, own)  # type: ignore[arg-type]
        except EditConflict as error:
            problems.append(f"fix edits conflict in {target.name}: {error}")
            continue
        if compiles(before):
            if not compiles(after):
                problems.append(f"fix leaves {target.name} unparseable:\n{after}")
        elif _error_count(after) > _error_count(before):
            problems.append(f"fix adds syntax errors to already broken {target.name}")
    return problems


def check_state(text: str, path: Path, env: Environment) -> list[str]:
    """check_source on one state; an escaping exception is reported as a problem."""
    try:
        findings = check_source(text, path, env)
    except Exception as error:  # the property under test: nothing escapes
        return [f"check_source raised {type(error).__name__}: {error!r}"]
    return invariant_problems(findings, path, text, env.root)


def is_index_source(path: Path) -> bool:
    """Files whose content the project index reads (models, apps, settings, migrations)."""
    return path.name in ("models.py", "apps.py", "settings.py") or path.parent.name in (
        "models",
        "migrations",
    )


def write_tree(base: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create `files` (relative path -> text or bytes) under `base`; returns `base`."""
    for name, content in files.items():
        target = base / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8", newline="")
    return base


# ---------------------------------------------------------------- checking states in parallel

WORKERS = max(1, min(2, os.cpu_count() or 1))  # CI has two cores; use both, no more


def _check_in_worker(job: tuple[Path, Path, list[tuple[str, str]]]) -> list[Failure]:
    root, path, states = job
    env = environment_for(root, path)
    failures = []
    for label, text in states:
        problems = check_state(text, path, env)
        if problems:
            failures.append((label, text, problems))
    return failures


def check_states_in_parallel(
    pool: Executor, root: Path, path: Path, states: list[tuple[str, str]]
) -> list[Failure]:
    """Check the states of one file on the pool, in order, in a few contiguous runs (each with
    its own environment for an index source, so the outcome does not depend on scheduling);
    the failing states with their problems."""
    size = max(1, -(-len(states) // (2 * WORKERS)))
    jobs = [(root, path, states[start : start + size]) for start in range(0, len(states), size)]
    return [failure for part in pool.map(_check_in_worker, jobs) for failure in part]


def run_cli(*argv: str) -> tuple[int, str, str]:
    """`integrity-lsp ARGV` in this process (so hooks and monkeypatches apply)."""
    import io

    from integrity_lsp import cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def finishes_despite_fifos(
    call: Callable[[], T], fifos: Iterable[Path], timeout: float
) -> tuple[bool, T | None]:
    """Run `call` in a thread; (True, result) when it ends within `timeout`.

    Otherwise it is blocked reading one of `fifos` (a read of a FIFO waits for a writer): each
    is opened for writing and closed, the reader sees end-of-file, and (False, None) is
    returned once the thread is done -- nothing is left hanging.
    """
    import threading

    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    finished = not thread.is_alive()
    while thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):  # ENXIO: no reader waiting on this one
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(0.2)
    if errors:
        raise errors[0]
    return finished, (result[0] if finished else None)
