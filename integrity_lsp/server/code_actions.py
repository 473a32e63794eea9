"""Code actions: each fix as a quickfix, "Disable ILxxx for this line", and fix-all.

The server only ever returns edits it computed itself: a diagnostic the client sends back is
matched (by code and range) with the server's own finding for the document as it is now, and
its fixes are that finding's -- never the fixes in the diagnostic's `data`, which a client or
a crafted request may have changed (Emacs drops `data` altogether). Where the client resolves
`edit` lazily, an action carries only what names the fix (document, code, line, title) and
`codeAction/resolve` computes the edit again; an edit in the request is ignored. Every edit
offered lies inside the project root, not through a symlink leaving it, never in `.git/`
(`syntax.writes.location_refusal`). `source.fixAll.integrity-lsp` applies the safe fixes
`checker.fixes.select_fixes` chooses, as `check --fix` does, in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lsprotocol import types

from integrity_lsp.analysis.suppressions import noqa_insertion
from integrity_lsp.checker.fixes import allowed, select_fixes
from integrity_lsp.findings import Applicability, Edit, Finding, Fix, Span
from integrity_lsp.server import convert
from integrity_lsp.server.base import IntegrityServer, guarded
from integrity_lsp.server.documents import Snapshot
from integrity_lsp.syntax.files import exists
from integrity_lsp.syntax.writes import location_refusal

QUICKFIX = types.CodeActionKind.QuickFix.value
FIX_ALL_TITLE = "integrity-lsp: apply all safe fixes"


def requested(only: list[str] | None, kind: str) -> bool:
    """Whether `kind` is among the kinds asked for (a kind covers its sub-kinds)."""
    if not only:
        return True
    return any(kind == asked or kind.startswith(f"{asked}.") for asked in only)


async def code_action(
    ls: IntegrityServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    snapshot = ls.snapshot(params.text_document.uri)
    if snapshot is None:
        return None
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []
    if requested(only, QUICKFIX):
        for finding, diagnostic in await _findings_at(ls, snapshot, params):
            actions.extend(_fix_actions(ls, snapshot, finding, diagnostic))
            noqa = noqa_action(ls, snapshot, finding.code, diagnostic)
            if noqa is not None:
                actions.append(noqa)
        actions = _distinct_titles(actions)
    if requested(only, convert.FIX_ALL_KIND):
        fix_all = await fix_all_action(ls, snapshot)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


async def _findings_at(
    ls: IntegrityServer, snapshot: Snapshot, params: types.CodeActionParams
) -> list[tuple[Finding, types.Diagnostic]]:
    """Our diagnostics at the requested range, each with the server's own finding for it.
    eglot sends every diagnostic of the buffer whatever the range: answering for all of them
    filled its menu with the actions of other lines, under the same titles."""
    positions = ls.positions(snapshot)
    wanted = positions.span(params.range)
    ours = [
        d
        for d in params.context.diagnostics
        if d.source == convert.SOURCE and d.code and _overlaps(positions.span(d.range), wanted)
    ]
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return []
    if ours:
        pairs: list[tuple[Finding, types.Diagnostic]] = []
        for diagnostic in ours:
            try:
                match = _match(ls, snapshot, result.findings, diagnostic)
            except Exception:  # one odd diagnostic costs its own actions, not the others'
                ls.log_exception("matching a diagnostic of a code action request")
                continue
            if match is not None:
                pairs.append((match, diagnostic))
        return pairs
    # No diagnostics in the request (some clients send none): the findings under the range.
    return [
        (finding, diagnostic)
        for finding, diagnostic in zip(result.findings, result.diagnostics, strict=True)
        if _overlaps(finding.span, wanted)
    ]


def _distinct_titles(actions: list[types.CodeAction]) -> list[types.CodeAction]:
    """No two entries with one title: the same title for the same line (two findings on one
    line both offer "Disable IL101 for this line") is one action; on another line of the
    range, the action names its line."""
    kept: dict[str, int] = {}  # title -> the line of the action kept under it
    distinct = []
    for action in actions:
        line = action.diagnostics[0].range.start.line if action.diagnostics else -1
        if action.title in kept:
            if kept[action.title] == line:
                continue
            action.title = f"{action.title} (line {line + 1})"
        kept[action.title] = line
        distinct.append(action)
    return distinct


def _match(
    ls: IntegrityServer,
    snapshot: Snapshot,
    findings: Iterable[Finding],
    diagnostic: types.Diagnostic,
) -> Finding | None:
    span = ls.positions(snapshot).span(diagnostic.range)
    same_code = [f for f in findings if f.code == diagnostic.code]
    for finding in same_code:
        if finding.span == span:
            return finding
    for finding in same_code:
        if finding.span.start_line == span.start_line:
            return finding
    return None


def _overlaps(a: Span, b: Span) -> bool:
    return (a.start_line, a.start_column) <= (b.end_line, b.end_column) and (
        b.start_line,
        b.start_column,
    ) <= (a.end_line, a.end_column)


def _fix_actions(
    ls: IntegrityServer, snapshot: Snapshot, finding: Finding, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    preferred = finding.preferred_fix
    actions = []
    for fix in finding.fixes:
        if not fix.edits or not writable(ls, snapshot, fix.edits):
            continue
        is_preferred = fix is preferred and fix.applicability is Applicability.SAFE
        if ls.client.resolve_edit:
            data: Any = {
                "kind": "fix",
                "uri": snapshot.uri,
                "code": finding.code,
                "line": finding.span.start_line,
                "title": fix.title,
            }
            edit = None
        else:
            data, edit = None, _workspace_edit(ls, fix.edits)
        actions.append(
            convert.code_action(
                fix.title,
                QUICKFIX,
                diagnostics=[diagnostic],
                edit=edit,
                data=data,
                preferred=is_preferred,
            )
        )
    return actions


def writable(ls: IntegrityServer, snapshot: Snapshot, edits: Iterable[Edit]) -> bool:
    """Whether the editor can apply these edits without writing outside the project of the
    document they are offered for: every file inside the root (not through a symlink leaving
    it, not in `.git/`), and new files only where the client can create them."""
    project = ls.project_of(snapshot.path)
    if project is None:
        return False
    for edit in edits:
        if location_refusal(edit.path, project.root) is not None:
            return False
        if not ls.client.create_files and not exists(edit.path) and edit.path not in ls.open_paths:
            return False
    return True


def _workspace_edit(ls: IntegrityServer, edits: Iterable[Edit]) -> types.WorkspaceEdit:
    edits = list(edits)
    creates = ls.client.create_files and any(not exists(edit.path) for edit in edits)
    return convert.workspace_edit(
        edits, ls.file_view, document_changes=ls.client.document_changes or creates
    )


def noqa_edit(snapshot: Snapshot, code: str, line: int) -> Edit | None:
    """Add `# noqa: CODE` to a line (1-based), or add CODE to the noqa already there."""
    insertion = noqa_insertion(snapshot.line_text(line), code)
    if insertion is None:
        return None
    column, text = insertion
    return Edit(snapshot.path, Span.point(line, column), text)


def noqa_action(
    ls: IntegrityServer, snapshot: Snapshot, code: str, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    edit = noqa_edit(snapshot, code, diagnostic.range.start.line + 1)
    if edit is None or not writable(ls, snapshot, [edit]):
        return None
    return convert.code_action(
        f"Disable {code} for this line",
        QUICKFIX,
        diagnostics=[diagnostic],
        edit=_workspace_edit(ls, [edit]),
    )


def fix_all_edits(snapshot: Snapshot, findings: Iterable[Finding]) -> list[Edit]:
    """The edits of the safe fixes `check --fix` would apply in one pass, of this file only."""
    fixes = select_fixes(
        findings,
        allowed(unsafe=False),
        lambda fix: all(edit.path == snapshot.path for edit in fix.edits),
    )
    return [edit for fix in fixes for edit in fix.edits]


async def fix_all_action(ls: IntegrityServer, snapshot: Snapshot) -> types.CodeAction | None:
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return None
    edits = fix_all_edits(snapshot, result.findings)
    if not edits or not writable(ls, snapshot, edits):
        return None
    if ls.client.resolve_edit:
        data = {"kind": "fixAll", "uri": snapshot.uri, "version": snapshot.version}
        return convert.code_action(FIX_ALL_TITLE, convert.FIX_ALL_KIND, data=data)
    return convert.code_action(FIX_ALL_TITLE, convert.FIX_ALL_KIND, edit=_workspace_edit(ls, edits))


async def resolve(ls: IntegrityServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in the edit of an action this server offered, computed again from the document as
    it is now; an edit the request already carries is dropped."""
    data = action.data
    action.edit = None
    if not isinstance(data, dict) or not isinstance(data.get("uri"), str):
        return action
    snapshot = ls.snapshot(data["uri"])
    if snapshot is None:
        return action
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return action
    if data.get("kind") == "fixAll":
        edits = fix_all_edits(snapshot, result.findings)
    else:
        fix = _offered_fix(result.findings, data)
        edits = list(fix.edits) if fix is not None else []
    if edits and writable(ls, snapshot, edits):
        action.edit = _workspace_edit(ls, edits)
    return action


def _offered_fix(findings: Iterable[Finding], data: dict[str, Any]) -> Fix | None:
    """The fix of the finding `data` names (code, line, title) among the current ones; the
    nearest by line when the document changed since it was offered."""
    line = data.get("line")
    if not isinstance(line, int):
        return None
    candidates = [
        (abs(finding.span.start_line - line), index, fix)
        for index, finding in enumerate(findings)
        if finding.code == data.get("code")
        for fix in finding.fixes
        if fix.title == data.get("title") and fix.edits
    ]
    return min(candidates, key=lambda item: item[:2], default=(0, 0, None))[2]


def register(server: IntegrityServer) -> None:
    options = types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, convert.FIX_ALL_KIND],
        resolve_provider=True,
    )
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(guarded(lambda: None)(code_action))

    async def resolve_action(ls: IntegrityServer, action: types.CodeAction) -> types.CodeAction:
        try:
            return await resolve(ls, action)
        except Exception:
            ls.log_exception("codeAction/resolve")
            return action

    server.feature(types.CODE_ACTION_RESOLVE)(resolve_action)
