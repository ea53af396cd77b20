"""The dead man's switch: Hyperliquid's scheduled cancel re-armed once half its window
has passed (not a signed request every tick), and a venue that refuses it (not before
$1,000,000 traded) never fails the tick."""

from __future__ import annotations

import time

import pytest
from cex_world import HL_ADDRESS
from structlog.testing import capture_logs

from agent.errors import RejectedError
from agent.wiring.venues import DeadMansSwitch
from connectors.cex import HyperliquidVenue
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_the_switch_is_armed_every_half_window_once_the_venue_allows_it(
    hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    house = hyperliquid_sim.house
    user = house.users[HL_ADDRESS.lower()]
    with pytest.raises(RejectedError, match="until enough volume traded"):
        await hyperliquid.cancel_all_after(120)
    clock = [1_000.0]
    hook = DeadMansSwitch(hyperliquid, 120, monotonic=lambda: clock[0])

    def asked() -> int:
        return hyperliquid_sim.count("exchange/scheduleCancel")

    before = asked()
    with capture_logs() as logs:
        await hook()
        await hook()  # a refusal stands until the account trades: not asked again yet
        assert asked() == before + 1
        clock[0] += 60.0  # half the window later it is asked again, and said once
        await hook()
        assert asked() == before + 2
    assert [entry["event"] for entry in logs] == ["dead_mans_switch_not_armed"]
    assert user.cancel_at_ms is None

    eth = house.by_name["ETH"]
    for is_buy, price in ((True, 3_100.0), (False, 2_900.0)):  # $1M traded
        house.place(user, eth, is_buy=is_buy, price=price, size=170.0, tif="Ioc",
                    reduce_only=False, cloid=None)  # fmt: skip
    clock[0] += 60.0
    before_ms = time.time() * 1000
    with capture_logs() as logs:
        await hook()
    assert [entry["event"] for entry in logs] == ["dead_mans_switch_armed"]
    armed_ms = user.cancel_at_ms
    assert armed_ms == pytest.approx(before_ms + 120_000, abs=5_000)

    clock[0] += 59.0  # within half the window: the cancel time stands, nothing is sent
    await hook()
    assert user.cancel_at_ms == armed_ms
    clock[0] += 1.0  # half the window: pushed a full window ahead again
    await hook()
    assert armed_ms is not None
    assert user.cancel_at_ms is not None
    assert user.cancel_at_ms > armed_ms
    assert asked() == before + 4
