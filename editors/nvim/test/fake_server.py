"""A stand-in for `integrity-lsp serve`, to test the Neovim side without the real server.

It speaks just enough LSP to exercise editors/nvim: it reports IL101 on every
`if not M.objects.filter(**lookup).exists():` followed by `M.objects.create(**lookup)`, offers
the preferred quick fix that rewrites the pair into `M.objects.get_or_create(**lookup)`, answers
the command `integrity-lsp.explain`, and records what the client sent (initializationOptions,
the answer to workspace/configuration for the section "integrity-lsp", the position encoding)
as JSON in the file named by $FAKE_INTEGRITY_LSP_LOG.

Run: python fake_server.py  (stdio). Needs pygls 2.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

RACE = re.compile(
    r"^(?P<indent>\s*)if not (?P<model>\w+)\.objects\.filter\((?P<lookup>[^)]*)\)\.exists\(\):\s*$"
)
CREATE = re.compile(r"^\s*(?P<model>\w+)\.objects\.create\((?P<args>[^)]*)\)\s*$")

server = LanguageServer("fake-integrity-lsp", "0")
record: dict[str, Any] = {
    "initialization_options": None,
    "configuration": None,
    "position_encoding": None,
}


def _save_record() -> None:
    path = os.environ.get("FAKE_INTEGRITY_LSP_LOG")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(record, handle, indent=2, sort_keys=True)


def _races(text: str) -> list[tuple[int, str, str, str]]:
    """(0-based line of the `if`, indent, model, lookup) for each check-then-create pair."""
    lines = text.splitlines()
    found = []
    for number, line in enumerate(lines[:-1]):
        race = RACE.match(line)
        create = CREATE.match(lines[number + 1])
        if race and create and create.group("model") == race.group("model"):
            found.append((number, race.group("indent"), race.group("model"), race.group("lookup")))
    return found


def _diagnostics(text: str) -> list[t.Diagnostic]:
    lines = text.splitlines()
    return [
        t.Diagnostic(
            range=t.Range(
                t.Position(number, len(indent)), t.Position(number + 1, len(lines[number + 1]))
            ),
            message=f"IL101 check-then-create on {model}: concurrent requests both pass the check "
            "(UNIQUE constraint failed)",
            severity=t.DiagnosticSeverity.Warning,
            code="IL101",
            source="integrity-lsp",
        )
        for number, indent, model, _ in _races(text)
    ]


def _publish(ls: LanguageServer, uri: str) -> None:
    document = ls.workspace.get_text_document(uri)
    ls.text_document_publish_diagnostics(
        t.PublishDiagnosticsParams(
            uri=uri, version=document.version, diagnostics=_diagnostics(document.source)
        )
    )


@server.feature(t.INITIALIZE)
def on_initialize(ls: LanguageServer, params: t.InitializeParams) -> None:
    record["initialization_options"] = params.initialization_options
    record["client"] = params.client_info.name if params.client_info else None
    general = params.capabilities.general
    record["offered_encodings"] = (
        [str(e) for e in (general.position_encodings or [])] if general else []
    )
    _save_record()


@server.feature(t.INITIALIZED)
async def on_initialized(ls: LanguageServer, params: t.InitializedParams) -> None:
    answer = await ls.workspace_configuration_async(
        t.ConfigurationParams(items=[t.ConfigurationItem(section="integrity-lsp")])
    )
    record["configuration"] = answer[0] if answer else None
    record["position_encoding"] = str(ls.workspace.position_encoding)
    _save_record()


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: LanguageServer, params: t.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: LanguageServer, params: t.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def on_save(ls: LanguageServer, params: t.DidSaveTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(
    t.TEXT_DOCUMENT_CODE_ACTION,
    t.CodeActionOptions(code_action_kinds=[t.CodeActionKind.QuickFix]),
)
def on_code_action(ls: LanguageServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    document = ls.workspace.get_text_document(params.text_document.uri)
    lines = document.source.splitlines()
    actions = []
    for number, indent, model, lookup in _races(document.source):
        if not params.range.start.line <= number + 1 or not number <= params.range.end.line:
            continue
        edit = t.TextEdit(
            range=t.Range(t.Position(number, 0), t.Position(number + 1, len(lines[number + 1]))),
            new_text=f"{indent}{model}.objects.get_or_create({lookup})",
        )
        actions.append(
            t.CodeAction(
                title=f"Use {model}.objects.get_or_create()",
                kind=t.CodeActionKind.QuickFix,
                is_preferred=True,
                diagnostics=[
                    d for d in _diagnostics(document.source) if d.range.start.line == number
                ],
                edit=t.WorkspaceEdit(changes={params.text_document.uri: [edit]}),
            )
        )
        actions.append(
            t.CodeAction(
                title="Disable IL101 for this line",
                kind=t.CodeActionKind.QuickFix,
                edit=t.WorkspaceEdit(
                    changes={
                        params.text_document.uri: [
                            t.TextEdit(
                                range=t.Range(
                                    t.Position(number, len(lines[number])),
                                    t.Position(number, len(lines[number])),
                                ),
                                new_text="  # noqa: IL101",
                            )
                        ]
                    }
                ),
            )
        )
    return actions


@server.command("integrity-lsp.explain")
def explain(ls: LanguageServer, text: str) -> dict[str, Any]:
    root = ls.workspace.root_uri or "file:///"
    return {
        "summary": f"explained: {text.strip()}",
        "locations": [
            {
                "uri": root.rstrip("/") + "/shop/models.py",
                "range": {"start": {"line": 3, "character": 4}, "end": {"line": 3, "character": 7}},
                "title": "Product.sku (unique=True)",
            }
        ],
    }


if __name__ == "__main__":
    server.start_io()
