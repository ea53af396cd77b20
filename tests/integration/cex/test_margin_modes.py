"""Account health in each margin mode the venues offer.

Hyperliquid: ``crossMaintenanceMarginUsed`` covers the cross account only, so it is set
against the cross account's value; an isolated position is its own account (its margin
plus P&L against its maintenance). Comparing ``marginSummary.accountValue`` (which counts
isolated margin) with the cross maintenance overstated the cross account's health.

Deribit: a cross-collateral account ("cross_sm") reports margins aggregated over its
currencies; it is one account, judged on its USD totals. Portfolio margin is refused.
"""

from __future__ import annotations

import pytest
from cex_world import HL_ADDRESS, move
from pydantic import SecretStr

from agent.errors import ConfigError
from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import DeribitVenue, Endpoint, HyperliquidVenue
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator, cross
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
    snapshot = await hyperliquid.snapshot()
    assert snapshot.settings == {"BTC": "isolated 10x", "ETH": "cross 20x"}  # for status
    healths = {h.account: h for h in snapshot.health}
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


async def test_a_deribit_cross_collateral_account_is_one_account_and_survives_on_its_coin(
    deribit_sim: DeribitSimulator, driver: MarketDriver
) -> None:
    """BTC collateral carries a USDC-settled perpetual: a segregated USDC account with no
    USDC could not, a cross one can, and its health is the whole account's."""
    deribit_sim.add_account("crossed", "crossed-secret", {"BTC": 1.0}, margin_model="cross_sm")
    venue = DeribitVenue(
        client_id="crossed", client_secret=SecretStr("crossed-secret"),
        endpoint=Endpoint.local(deribit_sim.url, timeout_s=2.0),
    )  # fmt: skip
    async with venue:
        assert venue.margin_model == "cross_sm"
        long = OrderRequest("cross-long", "BTC/USDC:USDC", Side.BUY, 2.0, 61_000.0)
        assert (await venue.place_order(long)).filled_quantity == pytest.approx(2.0)
        snapshot = await venue.snapshot()
        assert snapshot.settings == {"margin_model": "cross_sm"}
        [health] = snapshot.health
        account = deribit_sim.exchange.accounts["crossed"]
        whole = cross.totals(deribit_sim.exchange, account)
        assert health.account == "cross"
        assert health.equity_usd == pytest.approx(whole.margin_balance_usd)
        assert health.maintenance_margin_usd == pytest.approx(whole.maintenance_margin_usd)
        assert whole.maintenance_margin_usd > 0
        move(driver, BTC=57_000.0)  # the USDC account alone is deeply negative now
        await driver.advance(60)
        assert deribit_sim.liquidations == []
        assert deribit_sim.exchange.figures(account, "USDC").equity < 0
        [after] = (await venue.snapshot()).health
        assert 1.0 < after.ratio < health.ratio


async def test_portfolio_margin_is_refused_at_start_naming_venue_and_setting(
    deribit_sim: DeribitSimulator,
) -> None:
    deribit_sim.add_account("pm", "pm-secret", {"BTC": 1.0}, margin_model="cross_pm")
    venue = DeribitVenue(
        client_id="pm", client_secret=SecretStr("pm-secret"),
        endpoint=Endpoint.local(deribit_sim.url, timeout_s=2.0),
    )  # fmt: skip
    with pytest.raises(
        ConfigError, match=r"deribit: .*'cross_pm' \(Deribit setting margin_model\)"
    ):
        await venue.open()
