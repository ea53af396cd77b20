"""429 with Retry-After: backed off as told, counted, never a busy loop (RELIABILITY 15)."""

from __future__ import annotations

import pytest
from cex_world import Rig, Sleeps, make_rig, make_venue

from agent.errors import TransientError
from agent.retry import READ
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_reads_wait_out_retry_after_then_succeed(rig: Rig, sleeps: Sleeps) -> None:
    rig.simulator.faults.rate_limit(requests=2, retry_after_s=5)
    assert await rig.venue.find_order("never-placed", rig.symbol) is None
    assert rig.statuses(rig.lookup_operation) == [429, 429, 200]
    assert len(sleeps.waits) == 2
    assert all(5.0 <= wait <= 5.0 + READ.jitter_s for wait in sleeps.waits)


async def test_a_rate_limited_order_is_retried_after_the_pause_and_placed_once(
    rig: Rig, sleeps: Sleeps
) -> None:
    rig.simulator.faults.rate_limit(requests=1, retry_after_s=2)
    state = await rig.venue.place_order(rig.request("rl-1"))
    assert state.status == "closed"
    assert rig.statuses(rig.order_operation) == [429, 200]
    assert rig.orders("rl-1") == 1
    assert len(sleeps.waits) == 1
    assert sleeps.waits[0] >= 2.0


async def test_a_pause_longer_than_the_policy_allows_is_reported_not_waited(
    rig: Rig, sleeps: Sleeps
) -> None:
    rig.simulator.faults.rate_limit(requests=10, retry_after_s=3600)
    with pytest.raises(TransientError) as raised:
        await rig.venue.find_order("never-placed", rig.symbol)
    assert raised.value.retry_after_s == 3600.0
    assert rig.statuses(rig.lookup_operation) == [429]
    assert sleeps.waits == []


async def test_the_real_wait_is_measured_against_the_header(
    kind: str, simulator: DeribitSimulator | HyperliquidSimulator
) -> None:
    async with make_venue(kind, simulator) as venue:
        rig = make_rig(kind, simulator, venue)
        simulator.faults.rate_limit(requests=1, retry_after_s=1)
        await venue.find_order("never-placed", rig.symbol)
    attempts = [r for r in simulator.requests if r.operation == rig.lookup_operation]
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[1].at_s - attempts[0].at_s >= 1.0


async def test_a_long_pause_is_remembered_across_calls_and_nothing_is_sent(
    rig: Rig, sleeps: Sleeps
) -> None:
    rig.simulator.faults.rate_limit(requests=1, retry_after_s=3600)
    with pytest.raises(TransientError):
        await rig.venue.find_order("never-placed", rig.symbol)
    for _ in range(2):  # the next ticks: refused here, not at the venue
        with pytest.raises(TransientError, match="rate limited") as raised:
            await rig.venue.find_order("never-placed", rig.symbol)
        assert raised.value.retry_after_s is not None
        assert 3590 < raised.value.retry_after_s <= 3600
    with pytest.raises(TransientError, match="not sent"):
        await rig.venue.place_order(rig.request("rl-late"))
    assert rig.statuses(rig.lookup_operation) == [429]
    assert rig.simulator.count(rig.order_operation) == 0
    assert sleeps.waits == []


async def test_a_ban_is_a_long_back_off(rig: Rig, sleeps: Sleeps) -> None:
    rig.simulator.faults.rate_limit(requests=1, retry_after_s=1, status=418)
    with pytest.raises(TransientError):
        await rig.venue.find_order("never-placed", rig.symbol)
    with pytest.raises(TransientError, match="banned by the venue") as raised:
        await rig.venue.find_order("never-placed", rig.symbol)
    assert raised.value.retry_after_s is not None
    assert raised.value.retry_after_s > 290  # five minutes, not the header's one second
    assert rig.statuses(rig.lookup_operation) == [418]
