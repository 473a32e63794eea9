"""`workspace/executeCommand`: `integrity-lsp.explain` — from a pasted IntegrityError to code.

Takes the error text (a message or a whole traceback) and answers
`{"summary": str, "locations": [{"uri", "range", "title"}]}`: the summary is what
`integrity-lsp explain` prints; the locations are the model, its fields, the constraint and
every write site that can raise the error, riskiest first, in the negotiated encoding.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrity_lsp.analysis.context import Environment
from integrity_lsp.checker import check_source
from integrity_lsp.explain import attach_findings, explain_text, render_text
from integrity_lsp.explain.render import unrecognised_text
from integrity_lsp.findings import Finding
from integrity_lsp.server import convert
from integrity_lsp.server.base import IntegrityServer, guarded

EXPLAIN = "integrity-lsp.explain"


async def explain(ls: IntegrityServer, text: str) -> dict[str, Any]:
    """Explained by each open project in turn (multi-root): the first that finds the
    table's model answers; else the first project's answer."""
    first: dict[str, Any] | None = None
    for project in list(ls.projects.values()):
        await project.settle()  # queued edits reach the index first: it is read, not written
        env = project.env
        if env is None:
            continue
        answer = await project.run(explain_now, env, str(text), ls.file_view)
        if answer["locations"]:
            return answer
        first = first or answer
    if first is not None:
        return first
    if ls.projects:
        return {"summary": "integrity-lsp: the project could not be indexed.", "locations": []}
    return {"summary": "integrity-lsp: no project is open.", "locations": []}


def explain_now(env: Environment, text: str, files: convert.FileViews) -> dict[str, Any]:
    explanation = explain_text(text, env.index, resolver=env.resolver, settings=env.settings)
    if explanation is None:
        return {"summary": unrecognised_text(), "locations": []}

    def findings_for(path: Path) -> list[Finding]:
        source = env.read_text(path)
        return check_source(source, path, env, as_indexed=True) if source is not None else []

    explanation = attach_findings(explanation, findings_for)
    locations: list[dict[str, Any] | None] = []
    for model in (explanation.model, *explanation.candidates):
        if model is not None:
            locations.append(
                convert.location_json(model.ref.path, model.ref.span, f"model {model.label}", files)
            )
    owner = explanation.model.name if explanation.model else ""
    for field in explanation.fields:
        title = f"field {owner}.{field.name}" if owner else f"field {field.name}"
        locations.append(convert.location_json(field.ref.path, field.ref.span, title, files))
    if explanation.constraint is not None:
        constraint = explanation.constraint
        title = f"constraint {constraint.name}: {constraint.description}"
        locations.append(
            convert.location_json(constraint.ref.path, constraint.ref.span, title, files)
        )
    for site in explanation.write_sites:
        codes = ", ".join(finding.code for finding in site.findings)
        title = f"{site.kind}: {site.code}" + (f" ({codes})" if codes else "")
        locations.append(convert.location_json(site.path, site.span, title, files))
    found = [location for location in locations if location is not None]
    return {"summary": render_text(explanation, env.root), "locations": found}


def register(server: IntegrityServer) -> None:
    def failed() -> dict[str, Any]:
        return {"summary": "integrity-lsp: explain failed; see the server log.", "locations": []}

    server.command(EXPLAIN)(guarded(failed)(explain))
