"""Time of one `integrity-lsp explain` call, cold and warm, on generated and real projects.

Each call is its own process (`python -m integrity_lsp explain --root ROOT MESSAGE`). Cold runs
start with empty caches (a fresh `XDG_CACHE_HOME` and `INTEGRITY_LSP_CACHE_DIR`: no parso
trees, no snapshot, no results cache); warm runs reuse what the cold run left, as a second
explain on the same project does. Reported: median wall and CPU (user + system) seconds per
call; the target of issue 22 is warm <= 2 s on a 4,000-file project (judged on CPU when the
machine is shared).

    python -m benchmarks.explain_latency --size xlarge            # a generated project
    python -m benchmarks.explain_latency --project mayan-edms ...  # the corpus (message below)
    python -m benchmarks.explain_latency --path ROOT --message "UNIQUE constraint failed: …"
    python -m benchmarks.explain_latency … --write                 # and into REAL_PROJECTS.md

`--write` replaces the explain section of benchmarks/REAL_PROJECTS.md (between the markers
below), leaving the rest of the file as `benchmarks.speed_real` wrote it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import SIZES, generate
from benchmarks.measure import Summary, measure
from benchmarks.real_projects.corpus import Cache, load_projects

MARKDOWN = Path(__file__).resolve().parent / "REAL_PROJECTS.md"
BEGIN = "<!-- explain-latency: written by python -m benchmarks.explain_latency --write -->"
END = "<!-- /explain-latency -->"
# A message per corpus project: a constraint of one of its central models.
MESSAGES = {
    "mayan-edms": "NOT NULL constraint failed: documents_document.document_type_id",
    "netbox": "UNIQUE constraint failed: dcim_device.name",
    "pretix": "UNIQUE constraint failed: pretixbase_organizer.slug",
    "wagtail": "UNIQUE constraint failed: wagtailcore_locale.language_code",
    "weblate": "UNIQUE constraint failed: trans_project.name",
}
_CLASS = re.compile(r"^class (\w+)\(", re.MULTILINE)
_UNIQUE_FIELD = re.compile(r"^    (\w+) = models\.\w+\([^)]*unique=True", re.MULTILINE)


@dataclass(frozen=True)
class Target:
    name: str
    root: Path
    message: str
    venv: Path | None = None


@dataclass(frozen=True)
class Result:
    target: Target
    files: int
    cold: Summary
    warm: Summary


def generated_message(root: Path) -> str:
    """A unique violation of the first model with a unique field in a generated project."""
    for models in sorted(root.glob("*/models.py")):
        text = models.read_text()
        starts = [*_CLASS.finditer(text)]
        for number, cls in enumerate(starts):
            end = starts[number + 1].start() if number + 1 < len(starts) else len(text)
            field = _UNIQUE_FIELD.search(text, cls.end(), end)
            if field is not None:
                table = f"{models.parent.name}_{cls[1].lower()}"
                return f"UNIQUE constraint failed: {table}.{field[1]}"
    raise SystemExit(f"no model with a unique field under {root}")


def run(target: Target, runs: int) -> Result:
    files = sum(1 for _ in target.root.rglob("*.py"))
    command = [
        sys.executable, "-m", "integrity_lsp", "explain", "--root", str(target.root),
        target.message,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="explain-cache-") as cache:
        env = {
            **os.environ,
            "XDG_CACHE_HOME": cache,
            "INTEGRITY_LSP_CACHE_DIR": os.path.join(cache, "integrity-lsp"),
        }
        if target.venv is not None:
            env["VIRTUAL_ENV"] = str(target.venv)
        cold = measure(command, 1, env=env)
        warm = measure(command, runs, env=env)
    return Result(target, files, cold, warm)


def corpus_targets(names: list[str]) -> list[Target]:
    cache = Cache.from_env()
    found = []
    for project in load_projects():
        if project.name not in names:
            continue
        src = cache.src(project)
        if not src.is_dir():
            raise SystemExit(f"{src} does not exist: python -m benchmarks.real_projects fetch")
        if project.name not in MESSAGES:
            raise SystemExit(f"no message for {project.name}: add one to MESSAGES")
        venv = cache.venv(project) if cache.has_venv(project) else None
        found.append(Target(project.name, src.resolve(), MESSAGES[project.name], venv))
    unknown = set(names) - {target.name for target in found}
    if unknown:
        raise SystemExit(f"unknown project(s): {', '.join(sorted(unknown))}")
    return found


def render(results: list[Result], runs: int, command: str) -> str:
    lines = [
        "## `explain` latency (issue 22)",
        "",
        f"`{command}` — each call its own process; cold: empty caches; warm: median of {runs}"
        " calls after it. Target: warm ≤ 2 s on a 4,000-file project.",
        "",
        "| project | .py files | message | cold wall | cold CPU | warm wall | warm CPU |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.target.name} | {r.files:,} | `{r.target.message}` | {r.cold.median_wall:.2f} s"
            f" | {r.cold.median_cpu:.2f} s | {r.warm.median_wall:.2f} s"
            f" | {r.warm.median_cpu:.2f} s |"
        )
    return "\n".join(lines) + "\n"


def with_section(document: str, section: str) -> str:
    """`document` with its explain section replaced by `section` (appended when absent)."""
    block = f"{BEGIN}\n{section}{END}\n"
    start, end = document.find(BEGIN), document.find(END)
    if start != -1 and end > start:
        return document[:start] + block + document[end + len(END) :].lstrip("\n")
    return document.rstrip("\n") + "\n\n" + block


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", action="append", default=[], choices=sorted(SIZES))
    parser.add_argument("--project", action="append", default=[], metavar="NAME")
    parser.add_argument("--path", type=Path, help="an existing project instead of a generated one")
    parser.add_argument("--message", help="the message to explain (default: one generated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"write into {MARKDOWN.name}")
    args = parser.parse_args(argv)
    sizes = args.size or ([] if args.project or args.path else ["large"])
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="explain-bench-") as work:
        targets = corpus_targets(args.project)
        if args.path is not None:
            message = args.message or generated_message(args.path)
            targets.append(Target(args.path.resolve().name, args.path.resolve(), message))
        for size in sizes:
            root = Path(work) / size
            generate(root, size)
            targets.append(Target(f"generated {size}", root, generated_message(root)))
        for target in targets:
            sys.stderr.write(f"{target.name}: {target.message}\n")
            results.append(run(target, args.runs))
    shown = ["python -m benchmarks.explain_latency", *(argv if argv is not None else sys.argv[1:])]
    text = render(results, args.runs, " ".join(shown))
    sys.stdout.write(text)
    if args.write:
        old = MARKDOWN.read_text(encoding="utf-8") if MARKDOWN.exists() else ""
        MARKDOWN.write_text(with_section(old, text), encoding="utf-8")
    return 0 if all(r.cold.ok and r.warm.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
