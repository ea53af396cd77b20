"""Unit tests of the CEX connectors and simulators never touch the network beyond loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sim.venues.loopback import loopback_only


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield
