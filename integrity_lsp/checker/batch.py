"""`check_paths`: every Python file under some paths, from the on-disk cache where nothing changed,
the rest checked one file at a time (`single.check_source`), on all cores when there are many:
workers forked with the built index and the migrations read aside by another process.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cache import ResultCache
from integrity_lsp.checker.file_checks import Outcome, Unchecked, check_file
from integrity_lsp.checker.workers import (
    CAN_FORK,
    check_parallel,
    check_serially,
    prepare,
)
from integrity_lsp.config import Settings
from integrity_lsp.findings import Finding
from integrity_lsp.project.migrations.scope import migration_scope
from integrity_lsp.project.vcs import changed_files, changed_lines
from integrity_lsp.rules import load_rules
from integrity_lsp.syntax.files import is_dir, read_source, take_read_warnings
from integrity_lsp.syntax.source import is_migration_path
from integrity_lsp.syntax.walk import python_files


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be read, one line each
    files_checked: int = 0
    internal_errors: int = 0  # files skipped because checking them raised (a bug to report)
    unreadable_named: int = 0  # paths named (not found in a folder) that could not be read
    # Files a rule would read that CPython does not parse: not checked (parso would guess
    # at broken code, and a rule that cannot be sure says nothing), and said so.
    syntax_errors: list[Unchecked] = field(default_factory=list)
    # IL301-IL303 findings left out: in migrations older than the git base (`--since`)
    old_migration_findings: int = 0
    migration_base: str = ""  # the git base they are older than ("main", "origin/main")
    unchanged_line_findings: int = 0  # left out by `--since`: on lines not changed since

    @property
    def failed(self) -> bool:
        """The run is an error (exit 2): a file's check raised, or a path the user named could
        not be read -- `check pipe.py` must not say "All checks passed!"."""
        return bool(self.internal_errors or self.unreadable_named)


def iter_python_files(paths: Sequence[Path], settings: Settings, root: Path) -> Iterator[Path]:
    """The files `check PATH …` checks: the Python files of each folder (the one walker's),
    and each path named that is not a folder, whatever it is -- a FIFO, a device or an
    unreadable file is then reported, not passed over in silence. Each file once."""
    seen: set[Path] = set()
    for path in paths:
        for candidate in python_files(path, settings, root=root) if is_dir(path) else [path]:
            resolved = Path(os.path.realpath(candidate))  # no error on a symlink loop
            if resolved not in seen:
                seen.add(resolved)
                yield candidate


def named_path_exists(path: Path) -> bool:
    """Whether a path named on the command line is there (a dangling symlink is: reading it
    says why it cannot be read). A path in a folder that cannot be entered is there too, for
    the same reason: only "no such file" is a missing path."""
    try:
        os.lstat(path)
    except OSError as error:
        return error.errno not in (errno.ENOENT, errno.ENOTDIR)
    except ValueError:  # a NUL in the path
        return False
    return True


PARALLEL_FROM = 64  # fewer files than this are checked faster than worker processes start
Progress = Callable[[int, int], None]  # (files done, files in all), after each file


def check_paths(
    paths: Sequence[Path],
    env: Environment,
    *,
    jobs: int | None = None,
    cache: bool = False,
    progress: Progress | None = None,
) -> CheckReport:
    """Check every Python file under `paths`, on all cores when there are many.

    With `cache`, results of files whose inputs did not change since the last run come from
    the on-disk cache (`integrity_lsp.cache`) and only the rest is checked. `progress` is told
    the files done and the files in all after each file.
    """
    report = CheckReport()
    load_rules()  # reporters look rules up in the registry, even when workers did the checking
    results = None
    if cache:
        results = ResultCache.open(env.root, env.settings)
    take_read_warnings()  # left over from an earlier run in this process
    named = {Path(os.path.realpath(path)) for path in paths if not is_dir(path)}
    todo: list[Path] = []
    every = list(iter_python_files(paths, env.settings, env.root))
    tell = _teller(progress, len(every))
    for path in every:
        if results is not None:
            text, _ = read_source(path)
            found = results.lookup(path, text) if text is not None else None
            if found is not None:
                report.files_checked += 1
                report.findings.extend(found)
                tell(report.files_checked)
                continue
        todo.append(path)
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    outcomes: Iterable[Outcome]
    if workers > 1 and len(todo) >= PARALLEL_FROM:
        prepare(env, read_migrations_aside=CAN_FORK)
        outcomes = check_parallel(todo, env, workers, results is not None)
    else:
        outcomes = check_serially(todo, env, results is not None)
    with _fewer_collections():
        _collect(outcomes, report, results, named, tell)
    if results is not None:
        results.save()
    _add_read_warnings(report)
    _keep_new_migrations(report, env, named)
    _keep_changed_lines(report, env)
    report.findings.sort(key=Finding.sort_key)
    return report


def cached_findings(path: Path, env: Environment, results: ResultCache) -> list[Finding]:
    """One file's findings as `check` finds them: from `results` while its entry is valid,
    else checked now and stored there (for the next `check` or `explain`)."""
    text, _ = read_source(path)
    if text is None:
        return []
    found = results.lookup(path, text)
    if found is not None:
        return found
    outcome = check_file(path, env, record=True)
    if outcome.deps is not None:
        results.store(outcome.path, outcome.digest, outcome.findings, outcome.deps)
    return outcome.findings


def _keep_changed_lines(report: CheckReport, env: Environment) -> None:
    """`--since REF`: only the findings on lines changed since the merge-base of REF and HEAD
    (a file the base does not hold counts whole)."""
    since = env.settings.since
    if since is None or not report.findings:
        return
    lines = changed_lines(env.root, since)
    changes = changed_files(env.root, since)
    if lines is None or changes is None:
        report.errors.append(f"--since {since}: git cannot tell what changed; all findings shown")
        return
    kept = []
    for finding in report.findings:
        real = Path(os.path.realpath(finding.path))
        changed = lines.get(real, frozenset())
        span = range(finding.span.start_line, finding.span.end_line + 1)
        if real not in changes.tracked_in_base or changed is None or not changed.isdisjoint(span):
            kept.append(finding)
    report.unchanged_line_findings = len(report.findings) - len(kept)
    report.findings = kept


def _keep_new_migrations(report: CheckReport, env: Environment, named: set[Path]) -> None:
    """The history rules report on new migrations only (project.migrations.scope); a migration
    named on the command line is always reported on. Applied after the cache: which
    migrations are new changes with git, not with the files' content."""
    scoped = {code for code, rule in load_rules().items() if rule.new_migrations_only}
    candidates = [f for f in report.findings if f.code in scoped and is_migration_path(f.path)]
    if not candidates:
        return
    scope = migration_scope(env.root, env.settings)
    if scope.changes is not None:
        report.migration_base = scope.changes.base_name
    if scope.problem is not None:
        report.errors.append(scope.problem)
    left_out = {
        id(finding)
        for finding in candidates
        if not scope.reports_on(finding.path) and Path(os.path.realpath(finding.path)) not in named
    }
    report.old_migration_findings = len(left_out)
    report.findings = [f for f in report.findings if id(f) not in left_out]


def _teller(progress: Progress | None, total: int) -> Callable[[int], None]:
    if progress is None:
        return lambda done: None
    return lambda done: progress(done, total)


def _add_read_warnings(report: CheckReport) -> None:
    """What the index, the cache and the rules could not read (a folder that cannot be
    entered, a models file over the size cap, a FIFO `requirements.txt`), once per file."""
    named = {line.partition(": ")[0] for line in report.errors}
    for warning in take_read_warnings():
        if str(warning.path) not in named:
            named.add(str(warning.path))
            report.errors.append(str(warning))


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A batch run allocates millions of short-lived parso nodes, whose parent links make them
    cycles: with the default thresholds the collector runs a full collection over the index
    every few files (measured: 7 % of a large project's check). Restored afterwards."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _collect(
    outcomes: Iterable[Outcome],
    report: CheckReport,
    results: ResultCache | None,
    named: set[Path],
    tell: Callable[[int], None],
) -> None:
    for outcome in outcomes:
        report.files_checked += 1
        tell(report.files_checked)
        if outcome.syntax_error is not None:
            report.syntax_errors.append(outcome.syntax_error)
            continue
        if outcome.error is not None:
            report.errors.append(outcome.error)
            report.internal_errors += outcome.crashed
            report.unreadable_named += Path(os.path.realpath(outcome.path)) in named
            continue
        report.findings.extend(outcome.findings)
        if results is not None and outcome.deps is not None:
            results.store(outcome.path, outcome.digest, outcome.findings, outcome.deps)
