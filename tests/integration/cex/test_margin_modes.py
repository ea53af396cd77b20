"""Account health in each margin mode the venues offer.

Hyperliquid: ``crossMaintenanceMarginUsed`` covers the cross account only, so it is set
against the cross account's value; an isolated position is its own account (its margin
plus P&L against its maintenance). Comparing ``marginSummary.accountValue`` (which counts
isolated margin) with the cross maintenance overstated the cross account's health.
"""

from __future__ import annotations

import pytest
from cex_world import HL_ADDRESS

from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import HyperliquidVenue
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.venues.hyperliquid.controls import update_leverage


async def test_an_isolated_position_is_its_own_account_and_the_cross_account_excludes_it(
    hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    house = hyperliquid_sim.house
    user = house.users[HL_ADDRESS.lower()]
    btc = house.by_name["BTC"]
    update_leverage(house, user, {"asset": btc.index, "isCross": False, "leverage": 10})
    await hyperliquid.place_order(OrderRequest("iso", "BTC/USDC:USDC", Side.BUY, 1.0, 61_000.0))
    await hyperliquid.place_order(OrderRequest("cross", "ETH/USDC:USDC", Side.BUY, 100.0, 3_100.0))
    healths = {h.account: h for h in (await hyperliquid.snapshot()).health}
    assert set(healths) == {HL_ADDRESS, "BTC/USDC:USDC"}

    isolated = healths["BTC/USDC:USDC"]
    position = user.positions["BTC"]
    assert position.isolated_margin == pytest.approx(position.entry_px / 10)  # 1 BTC at 10x
    assert isolated.equity_usd == pytest.approx(
        position.isolated_margin + house.unrealized(position, "BTC")
    )
    assert isolated.maintenance_margin_usd == pytest.approx(60_000.0 / (2 * btc.max_leverage))

    cross = healths[HL_ADDRESS]
    eth = house.by_name["ETH"]
    assert cross.maintenance_margin_usd == pytest.approx(100 * 3_000.0 / (2 * eth.max_leverage))
    assert cross.equity_usd == pytest.approx(house.account_value(user, cross_only=True))
    # the isolated margin is not the cross account's: counting it overstated health
    assert cross.equity_usd == pytest.approx(
        house.account_value(user) - position.isolated_margin - house.unrealized(position, "BTC")
    )
