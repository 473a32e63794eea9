"""Culprit ranks of `explain` on the real-projects corpus (issue 22).

For each project under `$INTEGRITY_LSP_CORPUS/src` (default ~/.cache/integrity-lsp/real-projects)
and each of its first models with a `unique=True` field, the message `UNIQUE constraint failed:
<table>.<column>` is explained once. Every production write of the model that sets that field
(create / save / get_or_create / update_or_create / bulk_create, not in tests; a ModelForm's save
may set it) is taken in turn
(the first ones in file order) as the write that raised it, and three pastes are ranked:

- `bare`: the message alone (no traceback): the culprit's rank among all write sites;
- `frame`: a traceback whose last project frame is the culprit's own line;
- `caller`: a traceback whose last project frame is a line that calls the culprit's function
  (the first such call in the project, a library frame after it), so explain must follow the
  frame into the helper.

`python -m benchmarks.explain_corpus [--models 4] [--culprits 3] [names…]` prints a table per
project and the share of culprits in the top three.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from integrity_lsp.checker import build_environment
from integrity_lsp.config import Settings
from integrity_lsp.explain import explain_text
from integrity_lsp.explain.report import helper_sites, with_sites
from integrity_lsp.explain.sites import WriteSite
from integrity_lsp.explain.tracebacks import Frame
from integrity_lsp.syntax.files import read_project_text

CULPRIT_KINDS = ("create", "save", "get_or_create", "update_or_create", "bulk_create")


def corpus_sources() -> Path:
    base = os.environ.get("INTEGRITY_LSP_CORPUS", "~/.cache/integrity-lsp/real-projects")
    return Path(base).expanduser() / "src"


def rank(sites: tuple[WriteSite, ...], culprit: WriteSite) -> int:
    for number, site in enumerate(sites, start=1):
        if (site.path, site.span) == (culprit.path, culprit.span):
            return number
    return 0


def caller_line(
    root: Path, files: list[Path], function: str, culprit: WriteSite
) -> tuple[Path, int] | None:
    call = re.compile(rf"(?<!def )\b{re.escape(function)}\(")
    for path in files:
        text = read_project_text(path) or ""
        if function not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if call.search(line) and not line.lstrip().startswith(("def ", "async def ", "#")):
                if (
                    path == culprit.path
                    and culprit.span.start_line <= number <= culprit.span.end_line
                ):
                    continue
                return path, number
    return None


def measure_project(
    root: Path, models_wanted: int, culprits_wanted: int
) -> list[tuple[str, str, int, int, int | None]]:
    env = build_environment(root, Settings())
    index = env.index
    rows = []
    files = sorted(
        p
        for p in root.rglob("*.py")
        if "migrations" not in p.parts and "site-packages" not in p.parts
    )
    models = 0
    for model in index.models():
        if models >= models_wanted:
            break
        if model.abstract or model.proxy or index.is_builtin(model):
            continue
        unique = [f for f in index.local_fields(model).values() if f.unique and not f.primary_key]
        if not unique:
            continue
        field = unique[0]
        message = f"UNIQUE constraint failed: {index.table_name(model)}.{field.column}"
        explanation = explain_text(message, index, resolver=env.resolver, settings=Settings())
        if explanation is None or explanation.model is None:
            continue
        sites = explanation.write_sites
        # In file order, not in explain's order: any of them may be the one that raised it.
        candidates = [
            s
            for s in sites
            if not s.test and s.kind in CULPRIT_KINDS and s.sets([field]) is not False
        ]
        candidates.sort(key=lambda s: (str(s.path), s.span.start_line))
        culprits = candidates[:culprits_wanted]
        if not culprits:
            continue
        models += 1
        for culprit in culprits:
            bare = rank(sites, culprit)
            frame = Frame(str(culprit.path), culprit.line, culprit.function or "<module>")
            marked = [replace(s, traceback="frame") if s is culprit else s for s in sites]
            framed = rank(with_sites(explanation, marked).write_sites, culprit)
            called: int | None = None
            if culprit.function:
                found = caller_line(root, files, culprit.function, culprit)
                if found is not None:
                    path, line = found
                    frames = [(Frame(str(path), line, "caller"), path)]
                    marks = helper_sites(sites, frames)
                    helped = [
                        replace(s, traceback="helper") if (s.path, s.span) in marks else s
                        for s in sites
                    ]
                    called = rank(with_sites(explanation, helped).write_sites, culprit)
            del frame
            where = f"{culprit.path.relative_to(root)}:{culprit.line}"
            rows.append((model.label, where, bare, framed, called))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="project folder name prefixes (default: all)")
    parser.add_argument("--models", type=int, default=4)
    parser.add_argument("--culprits", type=int, default=3)
    args = parser.parse_args(argv)
    every: list[tuple[str, str, int, int, int | None]] = []
    print("| project | model | culprit | bare rank | frame rank | caller rank |")
    print("|---|---|---|---|---|---|")
    for root in sorted(corpus_sources().iterdir()):
        if args.names and not any(root.name.startswith(name) for name in args.names):
            continue
        rows = measure_project(root, args.models, args.culprits)
        for label, where, bare, framed, called in rows:
            shown = "-" if called is None else str(called)
            print(f"| {root.name} | {label} | {where} | {bare} | {framed} | {shown} |", flush=True)
        every.extend(rows)
    if not every:
        return 1

    def top3(values: list[int]) -> str:
        found = [v for v in values if v]
        return (
            f"{sum(1 for v in found if v <= 3)}/{len(found)}, median {statistics.median(found):g}"
        )

    print(
        f"\n{len(every)} culprits: bare top-3 {top3([r[2] for r in every])}; "
        f"frame top-3 {top3([r[3] for r in every])}; "
        f"caller top-3 {top3([r[4] for r in every if r[4] is not None])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
