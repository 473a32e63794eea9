"""`report`: the results of `run` against the committed cases and verdicts.

Matching (README.md): a case is found when a finding with one of its codes is on its path and
line; a `quiet` case (a guarded twin) is violated by any such finding. A verdict judges every
finding with its (path, line, code); a verdict that judges none is stale.

Precision per rule is true / (true + false + debatable), and true / (true + false) beside it,
for production code and test code apart: test code is a path with a `tests` or `test` folder,
or a file named `test_*.py`, `*_tests.py`, `tests.py` or `conftest.py`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.parse_only import python_files
from benchmarks.real_projects.corpus import Cache, Project
from benchmarks.real_projects.labels import VERDICT_VALUES, Case, Labels, Verdict
from benchmarks.real_projects.run import RunStats
from integrity_lsp.config import Settings

SCOPES = ("production", "tests")
NEARBY_LINES = 3


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the project folder
    line: int
    column: int
    code: str
    message: str

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.code)

    @property
    def scope(self) -> str:
        return "tests" if is_test_path(self.path) else "production"


_DEFAULT_SETTINGS = Settings()


def is_test_path(path: str) -> bool:
    """Test code by the checker's own default policy (`Settings.is_test_path`), so the report's
    "test code" is what `check` calls test code."""
    return _DEFAULT_SETTINGS.is_test_path(Path(path))


def load_findings(cache: Cache, project: Project) -> list[Finding] | None:
    """The findings of the last run, None when the project has no results."""
    path = cache.results / f"{project.name}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Finding(
            item["filename"], item["location"]["row"], item["location"]["column"],
            item["code"], item["message"],
        )
        for item in data["findings"]
    ]  # fmt: skip


@dataclass
class ProjectReport:
    project: Project
    findings: list[Finding] | None  # None: not run (or the run failed)
    stats: RunStats | None
    files: int
    found: list[Case] = field(default_factory=list)
    missed: list[tuple[Case, str]] = field(default_factory=list)  # (case, what is near it)
    quiet: list[Case] = field(default_factory=list)
    violated: list[tuple[Case, str]] = field(default_factory=list)
    verdicts: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)  # code → counts
    unjudged: list[Finding] = field(default_factory=list)  # one per (path, line, code)
    stale: list[Verdict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _nearby(case: Case, findings: Sequence[Finding]) -> str:
    near = [
        f"{f.code} at line {f.line}"
        for f in findings
        if f.path == case.path and abs(f.line - case.line) <= NEARBY_LINES
        and (f.line != case.line or f.code not in case.codes)
    ]  # fmt: skip
    return f"near: {', '.join(near)}" if near else "no finding near"


def build(project: Project, cache: Cache, labels: Labels) -> ProjectReport:
    findings = load_findings(cache, project)
    stats_path = cache.runs / f"{project.name}.json"
    stats = RunStats.load(stats_path) if stats_path.is_file() else None
    files = stats.files if stats else sum(1 for _ in python_files(cache.src(project)))
    report = ProjectReport(project, findings, stats, files)
    for (name, source), version in labels.versions.items():
        if name == project.name and version != project.version:
            report.problems.append(
                f"{source} is for version {version!r}, projects.toml pins {project.version}"
            )
    if stats and stats.error:
        report.problems.append(f"the last run failed: {stats.error}")
    if findings is None:
        return report
    at: dict[tuple[str, int], set[str]] = {}
    for finding in findings:
        at.setdefault((finding.path, finding.line), set()).add(finding.code)
    src = cache.src(project)
    for case in labels.cases.get(project.name, []):
        if src.is_dir() and not (src / case.path).is_file():
            report.problems.append(f"{case.source}: {case.path}: no such file in {src.name}")
        hit = bool(at.get((case.path, case.line), set()) & set(case.codes))
        if case.expect == "finding":
            if hit:
                report.found.append(case)
            else:
                report.missed.append((case, _nearby(case, findings)))
        elif hit:
            codes = ", ".join(sorted(at[(case.path, case.line)] & set(case.codes)))
            report.violated.append((case, f"reported {codes}"))
        else:
            report.quiet.append(case)
    verdicts: dict[tuple[str, int, str], Verdict] = {}
    for verdict in labels.verdicts.get(project.name, []):
        if verdict.key in verdicts:
            report.problems.append(
                f"{verdict.source}: {verdict.path}:{verdict.line} {verdict.code} judged twice"
            )
        else:
            verdicts[verdict.key] = verdict
    seen: set[tuple[str, int, str]] = set()
    for finding in findings:
        judged = verdicts.get(finding.key)
        value = judged.verdict if judged else "unjudged"
        counts = report.verdicts.setdefault(finding.code, Counter())
        counts[(finding.scope, value)] += 1
        if judged is None and finding.key not in seen:
            report.unjudged.append(finding)
        seen.add(finding.key)
    report.stale = [v for key, v in verdicts.items() if key not in seen]
    return report


def orphans(labels: Labels, projects: Sequence[Project]) -> list[str]:
    """The label files whose `project` is not in projects.toml."""
    known = {project.name for project in projects}
    return sorted(f"{source}: no project {name!r} in projects.toml"
                  for name, source in labels.versions if name not in known)  # fmt: skip


# --- numbers -------------------------------------------------------------------------------


def precision(counts: Counter[str]) -> tuple[float | None, float | None]:
    """(true / (true+false+debatable), true / (true+false)); None where nothing is judged."""
    true, false, debatable = counts["true"], counts["false"], counts["debatable"]
    strict = true / (true + false + debatable) if true + false + debatable else None
    lenient = true / (true + false) if true + false else None
    return strict, lenient


def rule_counts(reports: Iterable[ProjectReport]) -> dict[str, dict[str, Counter[str]]]:
    """code → scope ("production" | "tests" | "all") → verdict value → findings."""
    table: dict[str, dict[str, Counter[str]]] = {}
    for report in reports:
        for code, counts in report.verdicts.items():
            row = table.setdefault(code, {scope: Counter() for scope in (*SCOPES, "all")})
            for (scope, value), number in counts.items():
                row[scope][value] += number
                row["all"][value] += number
    return dict(sorted(table.items()))


def recall(reports: Iterable[ProjectReport]) -> float | None:
    found = sum(len(r.found) for r in reports if r.findings is not None)
    missed = sum(len(r.missed) for r in reports if r.findings is not None)
    return found / (found + missed) if found + missed else None


def gate(
    reports: Sequence[ProjectReport], min_recall: float | None, min_precision: float | None
) -> list[str]:
    """Why the thresholds are not met (empty when they are, or none were given). Recall fails
    also on a violated guarded twin; precision is every rule's, production code, debatable
    counted as not true."""
    failures = []
    if min_recall is not None:
        value = recall(reports)
        if value is None or value < min_recall:
            failures.append(f"recall {_pct(value)} < {min_recall:.0%}")
        violated = sum(len(r.violated) for r in reports)
        if violated:
            failures.append(f"{violated} guarded twin(s) reported")
    if min_precision is not None:
        judged = False
        for code, scopes in rule_counts(reports).items():
            strict, _ = precision(scopes["production"])
            judged = judged or strict is not None
            if strict is not None and strict < min_precision:
                failures.append(f"{code} precision in production code {_pct(strict)}")
        if not judged:
            failures.append("no judged finding in production code")
    return failures


# --- rendering -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], markdown: bool) -> str:
    cells = [[str(cell) for cell in row] for row in rows]
    if markdown:
        align = ["---" if i == 0 else "---:" for i in range(len(headers))]
        lines = [headers, align, *cells]
        return "\n".join("| " + " | ".join(line) + " |" for line in lines)
    widths = [max(len(str(row[i])) for row in [headers, *cells]) for i in range(len(headers))]
    return "\n".join(
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()
        for row in [list(headers), *cells]
    )


def _per_1k(findings: int, files: int) -> str:
    return f"{1000 * findings / files:.1f}" if files else "–"


def _project_rows(reports: Sequence[ProjectReport]) -> list[list[object]]:
    rows: list[list[object]] = []
    totals = Counter[str]()
    for r in reports:
        n = len(r.findings) if r.findings is not None else 0
        tests = sum(1 for f in r.findings or [] if f.scope == "tests")
        values = Counter[str]()
        for counts in r.verdicts.values():
            for (_, value), number in counts.items():
                values[value] += number
        unjudged = values.pop("unjudged", 0)
        numbers = {
            "files": r.files, "findings": n, "tests": tests,
            "found": len(r.found), "cases": len(r.found) + len(r.missed),
            "quiet": len(r.quiet), "twins": len(r.quiet) + len(r.violated),
            "judged": values.total(), "unjudged": unjudged, "stale": len(r.stale),
        }  # fmt: skip
        totals.update(numbers)
        if r.stats and not r.stats.error:
            time = f"{r.stats.wall:.1f}"
            rss = f"{r.stats.peak_rss_kib / 1024:.0f}"
        else:
            time = rss = "–"
        venv = "yes" if r.stats and not r.stats.venv.startswith("no venv") else "no"
        label = f"{r.project.name} {r.project.version}"
        if r.findings is None:
            rows.append([label, r.files, "not run", "", "", "", "", "", "", "", time, rss, venv])
            continue
        rows.append([*_numbers_row(label, numbers), time, rss, venv])
    rows.append([*_numbers_row("total", totals), "", "", ""])
    return rows


def _numbers_row(label: str, n: Counter[str] | dict[str, int]) -> list[object]:
    return [
        label, n["files"], n["findings"], n["tests"], _per_1k(n["findings"], n["files"]),
        f"{n['found']}/{n['cases']}", f"{n['quiet']}/{n['twins']}",
        n["judged"], n["unjudged"], n["stale"],
    ]  # fmt: skip


PROJECT_HEADERS = (
    "project", ".py files", "findings", "in tests", "per 1k files", "cases found",
    "twins quiet", "judged", "unjudged", "stale", "wall s", "peak MiB", "venv",
)  # fmt: skip
RULE_HEADERS = ("rule", "true", "false", "debatable", "unjudged", "precision", "w/o debatable")


def _rule_rows(table: dict[str, dict[str, Counter[str]]], scope: str) -> list[list[object]]:
    rows: list[list[object]] = []
    total = Counter[str]()
    for code, scopes in table.items():
        counts = scopes[scope]
        if not sum(counts.values()):
            continue
        total.update(counts)
        rows.append(_rule_row(code, counts))
    rows.append(_rule_row("all rules", total))
    return rows


def _rule_row(label: str, counts: Counter[str]) -> list[object]:
    strict, lenient = precision(counts)
    values: list[object] = [counts[value] for value in (*VERDICT_VALUES, "unjudged")]
    return [label, *values, _pct(strict), _pct(lenient)]


def render(
    reports: Sequence[ProjectReport], *, markdown: bool = False, problems: Sequence[str] = ()
) -> str:
    commits = sorted({r.stats.commit for r in reports if r.stats})
    heading, subheading = ("## ", "### ") if markdown else ("", "")
    out = [
        f"{heading}Real projects: integrity-lsp {', '.join(commits) or '(not run)'}",
        "",
        _table(PROJECT_HEADERS, _project_rows(reports), markdown),
        "",
        f"Recall: {_pct(recall(reports))} of the cases found.",
    ]
    table = rule_counts(reports)
    for scope in (*SCOPES, "all"):
        title = {"production": "production code", "tests": "test code", "all": "all code"}[scope]
        colon = "" if markdown else ":"
        out += ["", f"{subheading}Precision per rule, {title}{colon}", ""]
        out.append(_table(RULE_HEADERS, _rule_rows(table, scope), markdown))
    sections = (
        ("Missed cases", [
            f"{r.project.name} {c.path}:{c.line} {'/'.join(c.codes)}: {c.why} ({near})"
            for r in reports for c, near in r.missed
        ]),
        ("Guarded twins that reported", [
            f"{r.project.name} {c.path}:{c.line} {'/'.join(c.codes)}: {c.why} ({what})"
            for r in reports for c, what in r.violated
        ]),
        ("Stale verdicts (no finding matches)", [
            f"{r.project.name} {v.path}:{v.line} {v.code} ({v.verdict}, {v.source})"
            for r in reports for v in r.stale
        ]),
        ("Problems", [*problems, *(f"{r.project.name}: {p}" for r in reports for p in r.problems)]),
    )  # fmt: skip
    for title, lines in sections:
        if lines:
            out += ["", f"{subheading}{title}" if markdown else f"{title}:", ""]
            out += [f"- {line}" if markdown else f"  {line}" for line in lines]
    return "\n".join(out) + "\n"


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def unjudged_stubs(reports: Sequence[ProjectReport], labels: Labels) -> str:
    """Ready-to-paste [[verdict]] stubs for every unjudged finding, per project; a project
    without a verdicts file gets the file's header too."""
    out: list[str] = []
    for r in reports:
        if not r.unjudged:
            continue
        has_file = bool(labels.verdicts.get(r.project.name)) or any(
            name == r.project.name and source.startswith("verdicts/")
            for name, source in labels.versions
        )
        header = [f"project = {_toml_string(r.project.name)}",
                  f"version = {_toml_string(r.project.version)}"]  # fmt: skip
        out.append(f"# ---- verdicts/{r.project.name}.toml: {len(r.unjudged)} unjudged")
        out += [f"# {line}" for line in header] if has_file else header
        for finding in r.unjudged:
            scope = " (test code)" if finding.scope == "tests" else ""
            out += ["", f"# {finding.code}{scope}: " + finding.message.replace("\n", "\n# ")]
            out += [
                "[[verdict]]",
                f"path = {_toml_string(finding.path)}",
                f"line = {finding.line}",
                f"code = {_toml_string(finding.code)}",
                'verdict = ""  # "true" | "false" | "debatable"',
                'why = ""',
            ]
        out.append("")
    return "\n".join(out) + ("\n" if out else "")
