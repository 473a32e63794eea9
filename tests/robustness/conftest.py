"""Fixtures shared by the robustness tests: a small process pool for checking many states."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

import pytest

from tests.robustness.support import WORKERS


@pytest.fixture(scope="session")
def state_pool() -> Iterator[Executor]:
    """Worker processes that keep one environment per project root between tests."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        yield pool
