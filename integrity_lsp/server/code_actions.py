"""Code actions: each fix as a quickfix, "Disable ILxxx for this line", and fix-all.

Fixes come from the diagnostic's `data` when the client kept it and the document has not
changed since; otherwise (Emacs drops `data`) they are recomputed from the document and the
diagnostic's code and range. Where the client resolves `edit` lazily, actions are sent without
their edit and `codeAction/resolve` fills it in. `source.fixAll.integrity-lsp` applies every
safe fix of the file whose edits do not overlap another's.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lsprotocol import types

from integrity_lsp.analysis.suppressions import find_line_noqa
from integrity_lsp.findings import Applicability, Edit, Finding, Fix, Span
from integrity_lsp.server import convert
from integrity_lsp.server.base import IntegrityServer, guarded
from integrity_lsp.server.documents import Snapshot

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
    if requested(only, convert.FIX_ALL_KIND):
        fix_all = await fix_all_action(ls, snapshot)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


async def _findings_at(
    ls: IntegrityServer, snapshot: Snapshot, params: types.CodeActionParams
) -> list[tuple[Finding, types.Diagnostic]]:
    """Our diagnostics in the request, each with its finding (fixes from data or recomputed)."""
    ours = [d for d in params.context.diagnostics if d.source == convert.SOURCE and d.code]
    pairs: list[tuple[Finding, types.Diagnostic]] = []
    result = None
    for diagnostic in ours:
        fixes = convert.fixes_from_data(diagnostic.data, snapshot.version)
        if fixes is not None:
            finding = Finding(
                code=str(diagnostic.code),
                message=diagnostic.message,
                path=snapshot.path,
                span=ls.positions(snapshot).span(diagnostic.range),
                fixes=tuple(fixes),
            )
            pairs.append((finding, diagnostic))
            continue
        result = result or await ls.diagnostics.current(snapshot.uri)
        if result is not None:
            match = _match(ls, snapshot, result.findings, diagnostic)
            if match is not None:
                pairs.append((match, diagnostic))
    if ours:
        return pairs
    # No diagnostics in the request (some clients send none): the findings under the range.
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return []
    wanted = ls.positions(snapshot).span(params.range)
    return [
        (finding, diagnostic)
        for finding, diagnostic in zip(result.findings, result.diagnostics, strict=True)
        if _overlaps(finding.span, wanted)
    ]


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
        if not fix.edits or not writable(ls, fix.edits):
            continue
        is_preferred = fix is preferred and fix.applicability is Applicability.SAFE
        if ls.client.resolve_edit:
            data: Any = {
                "kind": "fix",
                "uri": snapshot.uri,
                "version": snapshot.version,
                "code": finding.code,
                "fix": convert.fix_json(fix),
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


def writable(ls: IntegrityServer, edits: Iterable[Edit]) -> bool:
    """Whether the editor can apply these edits without writing outside the project: every
    file (symlinks followed) inside the root, and new files only where the client can create
    them."""
    project = ls.project
    if project is None:
        return False
    for edit in edits:
        real = Path(os.path.realpath(edit.path))
        if real != project.root and project.root not in real.parents:
            return False
        if not ls.client.create_files and not edit.path.exists() and edit.path not in ls.open_paths:
            return False
    return True


def _workspace_edit(ls: IntegrityServer, edits: Iterable[Edit]) -> types.WorkspaceEdit:
    edits = list(edits)
    creates = ls.client.create_files and any(not edit.path.exists() for edit in edits)
    return convert.workspace_edit(
        edits, ls.file_view, document_changes=ls.client.document_changes or creates
    )


def noqa_edit(snapshot: Snapshot, code: str, line: int) -> Edit | None:
    """Add `# noqa: CODE` to a line (1-based), or add CODE to the noqa already there."""
    text = snapshot.line_text(line)
    if text.rstrip().endswith("\\"):
        return None  # a comment after a line continuation would break the statement
    noqa = find_line_noqa(line, text)
    if noqa is not None:
        if not noqa.codes or code in noqa.codes:
            return None
        return Edit(snapshot.path, Span.point(line, noqa.end_column), f", {code}")
    return Edit(snapshot.path, Span.point(line, len(text)), f"  # noqa: {code}")


def noqa_action(
    ls: IntegrityServer, snapshot: Snapshot, code: str, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    edit = noqa_edit(snapshot, code, diagnostic.range.start.line + 1)
    if edit is None or not writable(ls, [edit]):
        return None
    return convert.code_action(
        f"Disable {code} for this line",
        QUICKFIX,
        diagnostics=[diagnostic],
        edit=_workspace_edit(ls, [edit]),
    )


def safe_fix_edits(snapshot: Snapshot, findings: Iterable[Finding]) -> list[Edit]:
    """The edits of every safe fix of the file that overlaps no other chosen fix."""
    chosen: list[Edit] = []
    candidates: list[Fix] = []
    for finding in findings:
        for fix in finding.fixes:
            if (
                fix.applicability is Applicability.SAFE
                and fix.edits
                and all(edit.path == snapshot.path for edit in fix.edits)
            ):
                candidates.append(fix)
                break
    for fix in sorted(candidates, key=lambda f: min(edit.span for edit in f.edits)):
        if any(_touches(edit.span, taken.span) for edit in fix.edits for taken in chosen):
            continue
        chosen.extend(fix.edits)
    return chosen


def _touches(a: Span, b: Span) -> bool:
    """Whether two edits overlap, or insert at the same point (their order is undefined)."""
    a_start, a_end = (a.start_line, a.start_column), (a.end_line, a.end_column)
    b_start, b_end = (b.start_line, b.start_column), (b.end_line, b.end_column)
    if a_start == b_start:
        return True
    return a_start < b_end and b_start < a_end


async def fix_all_action(ls: IntegrityServer, snapshot: Snapshot) -> types.CodeAction | None:
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return None
    edits = safe_fix_edits(snapshot, result.findings)
    if not edits or not writable(ls, edits):
        return None
    if ls.client.resolve_edit:
        data = {"kind": "fixAll", "uri": snapshot.uri, "version": snapshot.version}
        return convert.code_action(FIX_ALL_TITLE, convert.FIX_ALL_KIND, data=data)
    return convert.code_action(FIX_ALL_TITLE, convert.FIX_ALL_KIND, edit=_workspace_edit(ls, edits))


async def resolve(ls: IntegrityServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data
    if action.edit is not None or not isinstance(data, dict):
        return action
    snapshot = ls.snapshot(str(data.get("uri")))
    if snapshot is None:
        return action
    if data.get("kind") == "fixAll":
        result = await ls.diagnostics.current(snapshot.uri)
        edits = safe_fix_edits(snapshot, result.findings) if result is not None else []
        if writable(ls, edits):
            action.edit = _workspace_edit(ls, edits)
        return action
    fix = convert.fix_from_json(data.get("fix"))
    if fix is not None and data.get("version") != snapshot.version:
        fix = await _same_fix_now(ls, snapshot, str(data.get("code")), fix)
    if fix is not None and writable(ls, fix.edits):
        action.edit = _workspace_edit(ls, fix.edits)
    return action


async def _same_fix_now(ls: IntegrityServer, snapshot: Snapshot, code: str, old: Fix) -> Fix | None:
    """The document changed since the action was offered: the same fix, recomputed."""
    result = await ls.diagnostics.current(snapshot.uri)
    if result is None:
        return None
    line = min(edit.span.start_line for edit in old.edits) if old.edits else 0
    candidates = [
        fix
        for finding in result.findings
        if finding.code == code
        for fix in finding.fixes
        if fix.title == old.title and fix.edits
    ]
    return min(
        candidates,
        key=lambda fix: abs(min(edit.span.start_line for edit in fix.edits) - line),
        default=None,
    )


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
