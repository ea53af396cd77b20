"""Simulated Deribit and Hyperliquid on loopback, one market driver, and venues on them.

Every test here runs inside ``loopback_only``: a request that escapes to the internet
fails the test instead of reaching a real venue.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from cex_world import (
    DERIBIT_CLIENT_ID,
    DERIBIT_SECRET,
    HL_ADDRESS,
    Rig,
    Sleeps,
    deribit_venue,
    flat_driver,
    hyperliquid_venue,
    make_rig,
    make_venue,
)

from connectors.cex import DeribitVenue, HyperliquidVenue
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.venues.loopback import loopback_only


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def driver() -> MarketDriver:
    """A flat market; tests move it with ``cex_world.move`` and ``driver.advance``."""
    return flat_driver()


@pytest.fixture
async def deribit_sim(driver: MarketDriver) -> AsyncIterator[DeribitSimulator]:
    # heartbeats below Deribit's 10 s floor, so the stream tests see several in a second
    simulator = DeribitSimulator(driver.state, min_heartbeat_s=0.1)
    simulator.add_account(
        DERIBIT_CLIENT_ID, DERIBIT_SECRET, {"BTC": 2.0, "ETH": 20.0, "USDC": 100_000.0}
    )
    driver.add_listener(simulator)
    async with simulator:
        yield simulator


@pytest.fixture
async def hyperliquid_sim(driver: MarketDriver) -> AsyncIterator[HyperliquidSimulator]:
    simulator = HyperliquidSimulator(driver.state)
    simulator.add_user(HL_ADDRESS, usdc=100_000.0)
    driver.add_listener(simulator)
    async with simulator:
        yield simulator


@pytest.fixture
async def deribit(deribit_sim: DeribitSimulator) -> AsyncIterator[DeribitVenue]:
    async with deribit_venue(deribit_sim) as venue:
        yield venue


@pytest.fixture
async def hyperliquid(hyperliquid_sim: HyperliquidSimulator) -> AsyncIterator[HyperliquidVenue]:
    async with hyperliquid_venue(hyperliquid_sim) as venue:
        yield venue


@pytest.fixture(params=["deribit", "hyperliquid"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def simulator(kind: str, request: pytest.FixtureRequest) -> DeribitSimulator | HyperliquidSimulator:
    """The simulator of the parametrized venue ``kind``."""
    found: DeribitSimulator | HyperliquidSimulator = request.getfixturevalue(f"{kind}_sim")
    return found


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def rig(
    kind: str, simulator: DeribitSimulator | HyperliquidSimulator, sleeps: Sleeps
) -> AsyncIterator[Rig]:
    """Each ccxt venue on its simulator; retry back-off is recorded, not waited for."""
    async with make_venue(kind, simulator, sleep=sleeps) as venue:
        yield make_rig(kind, simulator, venue)
