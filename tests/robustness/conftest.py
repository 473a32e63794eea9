"""Fixtures shared by the robustness tests: a process pool for checking many states, a results
cache kept out of the projects, and a real language server over stdio."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import pytest
import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.robustness.lsp_support import SERVER
from tests.robustness.support import WORKERS


@pytest.fixture(scope="session")
def state_pool() -> Iterator[Executor]:
    """Worker processes that keep one environment per project root between tests."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        yield pool


@pytest.fixture(autouse=True)
def _cache_outside_the_projects(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results caches go to a temporary folder: never into examples/ or a fixture, never stale."""
    monkeypatch.setenv("INTEGRITY_LSP_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))  # type: ignore[untyped-decorator]
async def lsp_client(client: LanguageClient) -> Any:
    """A real `integrity-lsp serve` over stdio; the test initializes it."""
    yield
    await client.shutdown_session()
