"""What happens to the world during a scenario besides the market path: funding and
borrow regimes, and faults (stale oracle, sequencer down, RPC outage, gas spike,
keeper delay, venue rate limits), each applied at its chain time.

The runner calls ``before_advance(t)`` before moving the market to ``t`` (so a feed is
held before the prices at ``t`` are published) and ``before_tick(t)`` right before the
agent's tick at ``t`` (so the agent meets the fault). Times are seconds since the start.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sim.chain import DevChain, attach
from sim.manifest import Manifest
from sim.market import MarketDriver
from sim.rpc_proxy import RpcFaultProxy
from sim.scenario_faults import (
    BorrowChange,
    Fault,
    FundingChange,
    GasSpike,
    KeeperDelay,
    OracleStale,
    RpcOutage,
    SequencerDown,
    VenueRateLimit,
)
from sim.scenario_model import Scenario
from sim.stack import LocalStack
from sim.world import ChainOracles

GWEI = 10**9


class SteppedClock:
    """The ``Clock`` port of a stepped simulation, free of the wall clock.

    ``now`` is the market driver's chain time. ``monotonic`` is chain seconds since the
    start plus every second ``sleep`` was asked for: a sleep advances that virtual time
    and only yields to the loop, so polling loops (receipts, order lookups, provider
    cool-downs) end after the same virtual time on every run.
    """

    def __init__(self, driver: MarketDriver) -> None:
        self.driver = driver
        self._slept_s = 0.0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.driver.state.timestamp, tz=UTC)

    def monotonic(self) -> float:
        return float(self.driver.elapsed_s) + self._slept_s

    async def sleep(self, seconds: float) -> None:
        self._slept_s += max(seconds, 0.0)
        await asyncio.sleep(0)


@dataclass
class World:
    """What events act on: the running stack and, for RPC outages, the agent's proxy."""

    stack: LocalStack
    proxy: RpcFaultProxy | None = None

    @property
    def chain(self) -> DevChain:
        return self.stack.world.chain

    @property
    def manifest(self) -> Manifest:
        assert self.stack.world.manifest is not None
        return self.stack.world.manifest

    @property
    def start_timestamp(self) -> int:
        return self.stack.driver.start_timestamp


class Event(Protocol):
    async def before_advance(self, world: World, elapsed_s: float) -> None: ...

    async def before_tick(self, world: World, elapsed_s: float) -> None: ...


class _Event:
    """No-op hooks; events override the one they need."""

    async def before_advance(self, world: World, elapsed_s: float) -> None:
        return None

    async def before_tick(self, world: World, elapsed_s: float) -> None:
        return None


class FundingEvent(_Event):
    def __init__(self, change: FundingChange) -> None:
        self.change = change
        self.done = False

    async def before_advance(self, world: World, elapsed_s: float) -> None:
        if not self.done and elapsed_s >= self.change.at_s:
            world.stack.driver.set_funding(self.change.underlying, self.change.annual)
            self.done = True


class BorrowEvent(_Event):
    """A whale (the world's lender) borrows or repays to reach a utilization."""

    def __init__(self, change: BorrowChange) -> None:
        self.change = change
        self.done = False

    async def before_tick(self, world: World, elapsed_s: float) -> None:
        if self.done or elapsed_s < self.change.at_s:
            return
        self.done = True
        manifest, whale = world.manifest, world.manifest.accounts["lender"]
        token = attach(world.chain, manifest, f"token.{self.change.asset}")
        provider = attach(world.chain, manifest, "aave.data_provider")
        pool = attach(world.chain, manifest, "aave.pool")
        supplied = await provider.read_one("getATokenTotalSupply", token.address)
        debt = await provider.read_one("getTotalDebt", token.address)
        change = int(self.change.utilization * supplied) - debt
        if change > 0:
            await pool.send("borrow", token.address, change, 2, 0, whale, sender=whale)
        elif change < 0:
            await token.send("approve", pool.address, -change, sender=whale)
            await pool.send("repay", token.address, -change, 2, whale, sender=whale)


class _WindowEvent(_Event):
    """A fault with a start and an end: ``start``/``stop`` run once each."""

    def __init__(self, window: OracleStale | SequencerDown | KeeperDelay) -> None:
        self.window = window
        self.started = False
        self.stopped = False

    async def before_advance(self, world: World, elapsed_s: float) -> None:
        if not self.started and self.window.active(elapsed_s):
            self.started = True
            await self.start(world)
        elif self.started and not self.stopped and elapsed_s >= self.window.until_s:
            self.stopped = True
            await self.stop(world)

    async def start(self, world: World) -> None: ...

    async def stop(self, world: World) -> None: ...


class OracleStaleEvent(_WindowEvent):
    """Hold the feed: no new rounds, and its last round re-dated a heartbeat back."""

    window: OracleStale

    def _oracles(self, world: World) -> ChainOracles:
        oracles = world.stack.driver.chain
        assert isinstance(oracles, ChainOracles)
        return oracles

    async def start(self, world: World) -> None:
        oracles = self._oracles(world)
        feed = oracles.feeds[self.window.feed]
        oracles.held.add(self.window.feed)
        _, answer, _, _, _ = await feed.read("latestRoundData")
        heartbeat = world.manifest.feeds[self.window.feed].heartbeat_s
        stale_since = await world.chain.timestamp() - heartbeat - 1
        await feed.send("transmitAt", answer, stale_since, sender=oracles.transmitter)

    async def stop(self, world: World) -> None:
        self._oracles(world).held.discard(self.window.feed)


class SequencerEvent(_WindowEvent):
    """The uptime feed reports the sequencer down at ``at_s`` and up at ``until_s``."""

    window: SequencerDown

    async def _report(self, world: World, down: bool, elapsed_s: float) -> None:
        feed = attach(world.chain, world.manifest, "chainlink.sequencer_uptime")
        timestamp = world.start_timestamp + int(elapsed_s)
        await feed.send("updateStatus", down, timestamp, sender=world.manifest.accounts["deployer"])

    async def start(self, world: World) -> None:
        await self._report(world, True, self.window.at_s)

    async def stop(self, world: World) -> None:
        await self._report(world, False, self.window.until_s)


class KeeperDelayEvent(_WindowEvent):
    window: KeeperDelay

    def _set(self, world: World, enabled: bool) -> None:
        # ``keeper`` names a field of ``Keepers`` (gmx_orders, arbitrageur, settlement).
        getattr(world.stack.world.keepers, self.window.keeper).enabled = enabled

    async def start(self, world: World) -> None:
        self._set(world, False)

    async def stop(self, world: World) -> None:
        self._set(world, True)


class RpcOutageEvent(_Event):
    def __init__(self, window: RpcOutage) -> None:
        self.window = window

    async def before_tick(self, world: World, elapsed_s: float) -> None:
        assert world.proxy is not None, "an RPC outage needs the agent behind the proxy"
        world.proxy.outage(self.window.active(elapsed_s))


class GasSpikeEvent(_Event):
    """Mine a block at the spiked base fee before each tick of the window; after it,
    EIP-1559 brings the base fee down by 12.5% per block."""

    def __init__(self, window: GasSpike) -> None:
        self.window = window

    async def before_tick(self, world: World, elapsed_s: float) -> None:
        if self.window.active(elapsed_s):
            wei = int(self.window.base_fee_gwei * GWEI)
            await world.chain.rpc.request("anvil_setNextBlockBaseFeePerGas", [hex(wei)])
            await world.chain.mine()


class RateLimitEvent(_Event):
    def __init__(self, fault: VenueRateLimit) -> None:
        self.fault = fault
        self.done = False

    async def before_tick(self, world: World, elapsed_s: float) -> None:
        if self.done or elapsed_s < self.fault.at_s:
            return
        self.done = True
        simulator = (
            world.stack.deribit if self.fault.venue == "deribit" else world.stack.hyperliquid
        )
        assert simulator is not None
        simulator.faults.rate_limit(
            requests=self.fault.requests, retry_after_s=self.fault.retry_after_s
        )


def _fault_event(fault: Fault) -> Event:
    if isinstance(fault, OracleStale):
        return OracleStaleEvent(fault)
    if isinstance(fault, SequencerDown):
        return SequencerEvent(fault)
    if isinstance(fault, KeeperDelay):
        return KeeperDelayEvent(fault)
    if isinstance(fault, RpcOutage):
        return RpcOutageEvent(fault)
    if isinstance(fault, GasSpike):
        return GasSpikeEvent(fault)
    return RateLimitEvent(fault)


def scenario_events(scenario: Scenario) -> list[Event]:
    """Every regime change and fault of ``scenario``, in file order."""
    events: list[Event] = [FundingEvent(change) for change in scenario.funding]
    events += [BorrowEvent(change) for change in scenario.borrow]
    events += [_fault_event(fault) for fault in scenario.faults]
    return events


def needs_proxy(scenario: Scenario) -> bool:
    """Whether the agent's RPC must go through the fault proxy."""
    return any(isinstance(fault, RpcOutage) for fault in scenario.faults)


async def before_advance(events: Sequence[Event], world: World, elapsed_s: float) -> None:
    for event in events:
        await event.before_advance(world, elapsed_s)


async def before_tick(events: Sequence[Event], world: World, elapsed_s: float) -> None:
    for event in events:
        await event.before_tick(world, elapsed_s)
