"""Hyperliquid's per-address request limit arrives as HTTP 200 with status "err"
("Too many cumulative requests sent ..."): backed off and retried like a 429, never
taken as the venue refusing the order, and nothing is placed while it lasts."""

from __future__ import annotations

import pytest
from cex_world import HL_ADDRESS, Sleeps, hyperliquid_venue

from agent.errors import TransientError
from agent.model import Side
from agent.ports import OrderRequest
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_the_address_limit_is_a_rate_limit_not_a_refusal(
    hyperliquid_sim: HyperliquidSimulator, sleeps: Sleeps
) -> None:
    user = hyperliquid_sim.house.users[HL_ADDRESS.lower()]
    order = OrderRequest("limited", "BTC/USDC:USDC", Side.BUY, 0.01, 61_000.0)
    async with hyperliquid_venue(hyperliquid_sim, sleep=sleeps) as venue:
        hyperliquid_sim.limit_requests(user.requests_used)  # every further action is over
        with pytest.raises(TransientError, match="Too many cumulative requests"):
            await venue.place_order(order)
        assert sleeps.waits  # backed off between attempts
        assert HL_ADDRESS.lower() not in hyperliquid_sim.house.owners.values()  # no order
        assert user.positions == {}
        hyperliquid_sim.limit_requests(10_000)  # the limit lifts: the same order goes
        placed = await venue.place_order(order)
    assert placed.filled_quantity == pytest.approx(0.01)
