"""Settings from initializationOptions and workspace/configuration override pyproject.toml;
a change re-checks; bad values give one warning and the defaults."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from lsprotocol import types

from tests.server.conftest import Session

PYPROJECT = '[tool.integrity-lsp]\nignore = ["IL101"]\n'


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


async def test_initialization_options_override_pyproject(lsp: Session) -> None:
    (lsp.root / "pyproject.toml").write_text(PYPROJECT)
    await lsp.initialize({"ignore": []})
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])


async def test_pyproject_and_workspace_configuration_combine(lsp: Session) -> None:
    (lsp.root / "pyproject.toml").write_text(PYPROJECT)
    lsp.client.set_configuration({"severity": {"IL104": "error"}}, section="integrity-lsp")
    await lsp.initialize()
    (lsp.root / "shop/views.py").write_text(
        (lsp.root / "shop/views.py").read_text().replace("sku=request.POST", "name=request.POST")
    )
    uri = lsp.open("shop/views.py")
    found = await lsp.diagnostics(uri, lambda d: "IL104" in codes(d))
    assert "IL101" not in codes(found)  # ignored by pyproject.toml
    [lookup] = [d for d in found if d.code == "IL104"]
    assert lookup.severity == types.DiagnosticSeverity.Error


async def test_configuration_change_rechecks_open_documents(lsp: Session) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    settings = {"ignore": ["IL1", "IL2"]}
    lsp.client.set_configuration(settings, section="integrity-lsp")
    lsp.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"integrity-lsp": settings})
    )
    await lsp.diagnostics(uri, lambda d: codes(d) == [])
    lsp.client.set_configuration({"severity": {"IL101": "hint"}}, section="integrity-lsp")
    lsp.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"integrity-lsp": {}})
    )
    [hint] = await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    assert hint.severity == types.DiagnosticSeverity.Hint


async def test_bad_settings_warn_once_and_keep_defaults(lsp: Session) -> None:
    (lsp.root / "pyproject.toml").write_text("[tool.integrity-lsp]\nselect = 42\n")
    await lsp.initialize({"severity": {"IL101": "loud"}, "no-such-key": True})
    uri = lsp.open("shop/views.py")
    [race] = await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    assert race.severity == types.DiagnosticSeverity.Warning
    for _ in range(50):
        if lsp.client.messages:
            break
        await asyncio.sleep(0.05)
    [message] = lsp.client.messages
    assert message.type == types.MessageType.Warning
    assert "select" in message.message
    assert "severity.IL101" in message.message
    assert "no-such-key" in message.message


async def test_unreadable_pyproject_is_a_warning_not_a_crash(lsp: Session) -> None:
    (lsp.root / "pyproject.toml").write_text("[tool.integrity-lsp\nselect = [")
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    assert [m.type for m in lsp.client.messages] == [types.MessageType.Warning]


async def test_options_that_are_not_a_table_warn(lsp: Session) -> None:
    await lsp.initialize(["select", "IL1"])
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    for _ in range(50):
        if lsp.client.messages:
            break
        await asyncio.sleep(0.05)
    [message] = lsp.client.messages
    assert "initializationOptions" in message.message
    assert "table" in message.message


async def test_other_servers_settings_in_did_change_configuration_are_ignored(
    lsp: Session,
) -> None:
    await lsp.initialize()
    uri = lsp.open("shop/views.py")
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    lsp.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"pyright": {"strict": True}})
    )
    await asyncio.sleep(0.5)
    await lsp.diagnostics(uri, lambda d: codes(d) == ["IL101"])
    assert lsp.client.messages == []
