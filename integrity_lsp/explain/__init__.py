"""Explain an IntegrityError: parse the pasted text, find the model, constraint and writes.

`run_explain` is what `integrity-lsp explain MESSAGE|-` runs; `explain_text` is the same for
the server's `integrity-lsp.explain` command and for tools.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

from integrity_lsp.analysis.context import Environment
from integrity_lsp.cache import ResultCache
from integrity_lsp.cache.snapshot import Snapshot
from integrity_lsp.checker import build_environment, cached_findings, check_source
from integrity_lsp.config import ConfigError, Settings, load_settings
from integrity_lsp.explain.frame_sites import project_path
from integrity_lsp.explain.messages import (
    UNDERSTOOD_FORMATS,
    ParsedError,
    Violation,
    parse_error,
    parse_violation,
)
from integrity_lsp.explain.render import render_text, to_json, unrecognised_text
from integrity_lsp.explain.report import (
    Explanation,
    attach_findings,
    explain_parsed,
    explain_text,
)
from integrity_lsp.explain.sites import WriteSite, find_write_sites
from integrity_lsp.explain.tracebacks import Frame, parse_frames
from integrity_lsp.findings import Finding
from integrity_lsp.project.index import ProjectIndex
from integrity_lsp.project.migrations.history import history_for
from integrity_lsp.project.resolve import Resolver

__all__ = [
    "UNDERSTOOD_FORMATS",
    "Explanation",
    "Frame",
    "ParsedError",
    "Violation",
    "WriteSite",
    "attach_findings",
    "explain_parsed",
    "explain_text",
    "find_write_sites",
    "parse_error",
    "parse_frames",
    "parse_violation",
    "project_path",
    "render_text",
    "run_explain",
    "to_json",
]

EXIT_FOUND = 0
EXIT_NO_MODEL = 1
EXIT_UNRECOGNISED = 2


def run_explain(
    text: str,
    root: Path,
    fmt: str,
    out: TextIO,
    *,
    show_all: bool = False,
    cache: bool = False,
) -> int:
    """Explain `text` against the project at `root`, writing `fmt` ("text" | "json") to `out`.

    Exit status: 0 when the model was found, 1 when the message was understood but no model of
    the project matches it, 2 when the text holds no message explain understands.
    Each write site is shown with the checker's findings at it; the first `SHOWN_SITES` unless
    `show_all`. With `cache`, the index, the migrations and each file's write sites come from
    the last run's snapshot (`cache.snapshot`) and the findings from `check`'s results cache,
    for whatever did not change since.
    """
    parsed = parse_error(text)
    if parsed is None:
        if fmt == "json":
            json.dump({"error": "unrecognised", "understood": list(UNDERSTOOD_FORMATS)}, out)
            out.write("\n")
        else:
            out.write(unrecognised_text())
        return EXIT_UNRECOGNISED
    try:
        settings = load_settings(root)
    except ConfigError:
        settings = Settings()  # explain needs no configuration; a broken file must not stop it
    if cache:
        explanation = _explain_cached(parsed, root, settings)
    else:
        env = build_environment(root, settings)
        explanation = explain_parsed(parsed, env.index, resolver=env.resolver, settings=settings)

        def checker_findings(path: Path) -> list[Finding]:
            text = env.read_text(path)
            return check_source(text, path, env) if text is not None else []

        explanation = attach_findings(explanation, checker_findings)
    if fmt == "json":
        json.dump(to_json(explanation, root, show_all=show_all), out, indent=2)
        out.write("\n")
    else:
        out.write(render_text(explanation, root, show_all=show_all))
    return EXIT_FOUND if explanation.found else EXIT_NO_MODEL


def _explain_cached(parsed: ParsedError, root: Path, settings: Settings) -> Explanation:
    results = ResultCache.open(root, settings)
    snapshot = Snapshot.open(root, results.fingerprint, results.state)
    index = snapshot.index or ProjectIndex.build(results.root, settings)
    env = Environment(root=results.root, settings=settings, index=index, resolver=Resolver(index))
    history = history_for(index)
    history.adopt(snapshot.migrations)
    history.hold_snapshots()
    explanation = explain_parsed(
        parsed, index, resolver=env.resolver, settings=settings, memo=snapshot
    )
    explanation = attach_findings(explanation, lambda path: cached_findings(path, env, results))
    results.save()
    snapshot.save(index, history.parsed())
    return explanation
