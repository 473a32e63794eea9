"""The server's project: index updates reach the index and move the epoch whatever happens to
whoever asked for them (a real index of the `lspshop` project on a real analysis thread)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from integrity_lsp.config import load_settings
from integrity_lsp.server.project import Project
from tests.server.conftest import copy_fixture


async def test_an_update_taken_by_a_cancelled_caller_still_reaches_the_index(
    tmp_path: Path,
) -> None:
    root = copy_fixture("lspshop", tmp_path).resolve()
    project = Project(root)
    try:
        await project.build(load_settings(root))
        views, models = root / "shop/views.py", root / "shop/models.py"
        epoch, findings = await project.check(views.read_text(), views)
        assert [f.code for f in findings] == ["IL101"]
        gate = threading.Event()  # holds the analysis thread: the update waits behind it
        busy = asyncio.ensure_future(project.run(gate.wait, 30))
        project.queue_update(models, models.read_text().replace(", unique=True", ""))
        caller = asyncio.ensure_future(project.flush_updates())  # a check a keystroke cancels
        while project.has_pending_updates:
            await asyncio.sleep(0)  # until the caller has taken the update
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        gate.set()
        await busy
        later, findings = await project.check(views.read_text(), views)
        assert later == epoch + 1  # the open documents are checked again
        assert {f.code for f in findings} == {"IL104"}
    finally:
        project.close()
