"""Session-wide guarantees for every test run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sim.anvil import Anvil, descendant_pids
from tests.support.postgres import postgres_cluster, postgres_database

__all__ = ["postgres_cluster", "postgres_database"]  # fixtures for every test module


@pytest.fixture(scope="session", autouse=True)
def no_orphan_processes() -> Iterator[None]:
    """Fail the session if any anvil or other child process outlives the tests."""
    yield
    deadline = time.monotonic() + 5.0
    survivors = descendant_pids()
    while survivors and time.monotonic() < deadline:
        time.sleep(0.05)
        survivors = descendant_pids()
    assert not Anvil.live_pids(), f"anvil processes still registered: {Anvil.live_pids()}"
    assert not survivors, f"child processes survived the test session: {survivors}"
