"""The dead man's switch: each tick re-arms Hyperliquid's scheduled cancel, and a venue
that refuses it (not before $1,000,000 traded) never fails the tick."""

from __future__ import annotations

import time

import pytest
from cex_world import HL_ADDRESS
from structlog.testing import capture_logs

from agent.errors import RejectedError
from agent.wiring.venues import DeadMansSwitch
from connectors.cex import HyperliquidVenue
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_the_switch_is_armed_each_tick_once_the_venue_allows_it(
    hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    house = hyperliquid_sim.house
    user = house.users[HL_ADDRESS.lower()]
    with pytest.raises(RejectedError, match="until enough volume traded"):
        await hyperliquid.cancel_all_after(120)
    hook = DeadMansSwitch(hyperliquid, 120)
    with capture_logs() as logs:
        await hook()
        await hook()  # the same refusal again: said once
    assert [entry["event"] for entry in logs] == ["dead_mans_switch_not_armed"]
    assert user.cancel_at_ms is None

    eth = house.by_name["ETH"]
    for is_buy, price in ((True, 3_100.0), (False, 2_900.0)):  # $1M traded
        house.place(user, eth, is_buy=is_buy, price=price, size=170.0, tif="Ioc",
                    reduce_only=False, cloid=None)  # fmt: skip
    before_ms = time.time() * 1000
    with capture_logs() as logs:
        await hook()
    assert [entry["event"] for entry in logs] == ["dead_mans_switch_armed"]
    assert user.cancel_at_ms == pytest.approx(before_ms + 120_000, abs=5_000)
