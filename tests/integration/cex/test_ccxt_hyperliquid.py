"""ccxt's own hyperliquid class, unchanged, against the Hyperliquid simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ccxt.async_support as ccxt
import pytest
from cex_world import HL_ADDRESS, HL_KEY, move
from eth_account import Account

from connectors.cex.endpoint import Endpoint
from sim.market import MarketDriver
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.venues.hyperliquid.clearinghouse import TAKER_FEE

OPTIONS = {"fetchMarkets": {"types": ["swap"]}, "refSet": True, "builderFee": False}
CLOID = "0x" + "ab" * 16


def client(simulator: HyperliquidSimulator, key: str = HL_KEY, wallet: str = HL_ADDRESS) -> Any:
    exchange = ccxt.hyperliquid(
        {
            "walletAddress": wallet,
            "privateKey": key,
            "enableRateLimit": False,
            "timeout_on_exit": 0,
            "options": dict(OPTIONS),
        }
    )
    Endpoint.local(simulator.url).apply(exchange)
    return exchange


@pytest.fixture
async def exchange(hyperliquid_sim: HyperliquidSimulator) -> AsyncIterator[Any]:
    exchange = client(hyperliquid_sim)
    try:
        yield exchange
    finally:
        await exchange.close()


async def test_load_markets_lists_the_perps_with_leverage_and_size_steps(exchange: Any) -> None:
    markets = await exchange.load_markets()
    assert set(markets) == {"BTC/USDC:USDC", "ETH/USDC:USDC"}
    btc = markets["BTC/USDC:USDC"]
    assert btc["swap"]
    assert btc["linear"]
    assert btc["limits"]["leverage"]["max"] == 40
    assert btc["precision"]["amount"] == 0.00001


async def test_orders_positions_margin_and_cancel_by_cloid(
    exchange: Any, hyperliquid_sim: HyperliquidSimulator
) -> None:
    await exchange.load_markets()
    filled = await exchange.create_order(
        "BTC/USDC:USDC", "limit", "buy", 0.5, 61_000, {"clientOrderId": CLOID}
    )
    assert filled["filled"] == 0.5
    assert filled["clientOrderId"] == CLOID
    resting_id = "0x" + "cd" * 16
    await exchange.create_order(
        "ETH/USDC:USDC", "limit", "sell", 1.0, 3_500, {"clientOrderId": resting_id}
    )
    [open_order] = await exchange.fetch_open_orders()
    assert open_order["clientOrderId"] == resting_id
    assert open_order["status"] == "open"
    cancelled = await exchange.cancel_order(None, "ETH/USDC:USDC", {"clientOrderId": resting_id})
    assert cancelled["status"] == "success"
    found = await exchange.fetch_order(None, "ETH/USDC:USDC", {"clientOrderId": resting_id})
    assert found["status"] == "canceled"
    [position] = await exchange.fetch_positions()
    assert position["symbol"] == "BTC/USDC:USDC"
    assert position["contracts"] == 0.5
    state = (await exchange.fetch_balance())["info"]
    # Maintenance is half the initial margin at max leverage (40x): 30 000 / 80.
    assert float(state["crossMaintenanceMarginUsed"]) == pytest.approx(30_000 / 80)
    assert float(state["marginSummary"]["totalMarginUsed"]) == pytest.approx(30_000 / 20)


async def test_funding_comes_from_the_driver_regime(exchange: Any, driver: MarketDriver) -> None:
    driver.set_funding("ETH", 0.0876)
    await driver.advance(1)
    rates = await exchange.fetch_funding_rates(["ETH/USDC:USDC"])
    assert rates["ETH/USDC:USDC"]["fundingRate"] == pytest.approx(0.0876 / 8760, rel=1e-4)
    assert rates["ETH/USDC:USDC"]["interval"] == "1h"


async def test_marks_follow_the_market_driver(exchange: Any, driver: MarketDriver) -> None:
    move(driver, ETH=2_500.0)
    await driver.advance(1)
    rates = await exchange.fetch_funding_rates(["ETH/USDC:USDC"])
    assert rates["ETH/USDC:USDC"]["markPrice"] == 2_500.0


async def test_the_builder_fee_ccxt_approves_is_signed_and_zero(
    exchange: Any, hyperliquid_sim: HyperliquidSimulator
) -> None:
    await exchange.load_markets()
    await exchange.create_order(
        "BTC/USDC:USDC", "limit", "buy", 0.001, 61_000, {"clientOrderId": CLOID}
    )
    user = hyperliquid_sim.house.users[HL_ADDRESS.lower()]
    assert list(user.builder_max_fee.values()) == [0.0]
    assert hyperliquid_sim.count("exchange/approveBuilderFee") == 1
    assert hyperliquid_sim.count("exchange/setReferrer") == 0


async def test_an_action_signed_with_the_wrong_key_is_refused(
    hyperliquid_sim: HyperliquidSimulator,
) -> None:
    impostor = "0x" + "66" * 32
    exchange = client(hyperliquid_sim, key=impostor)
    try:
        await exchange.load_markets()
        with pytest.raises(ccxt.InvalidOrder, match="does not exist"):
            await exchange.create_order(
                "BTC/USDC:USDC", "limit", "buy", 0.001, 61_000, {"clientOrderId": CLOID}
            )
    finally:
        await exchange.close()
    assert hyperliquid_sim.orders_with_cloid(HL_ADDRESS, CLOID) == []


async def test_an_approved_api_wallet_may_sign_for_the_account(
    hyperliquid_sim: HyperliquidSimulator,
) -> None:
    agent = Account.create()
    hyperliquid_sim.approve_agent(HL_ADDRESS, agent.address)
    exchange = client(hyperliquid_sim, key=agent.key.hex())
    try:
        await exchange.load_markets()
        order = await exchange.create_order(
            "BTC/USDC:USDC", "limit", "buy", 0.001, 61_000, {"clientOrderId": CLOID}
        )
    finally:
        await exchange.close()
    assert order["filled"] == 0.001
    assert len(hyperliquid_sim.orders_with_cloid(HL_ADDRESS, CLOID)) == 1


async def test_mids_book_meta_and_cancel_by_order_id(exchange: Any) -> None:
    await exchange.load_markets()
    mids = await exchange.publicPostInfo({"type": "allMids"})
    assert float(mids["BTC"]) == pytest.approx(60_000.0)
    meta = await exchange.publicPostInfo({"type": "meta"})
    assert [asset["name"] for asset in meta["universe"]] == ["BTC", "ETH"]
    book = await exchange.fetch_order_book("BTC/USDC:USDC")
    assert book["bids"][0][0] < 60_000.0 < book["asks"][0][0]
    resting = await exchange.create_order(
        "BTC/USDC:USDC", "limit", "buy", 0.001, 50_000, {"clientOrderId": CLOID}
    )
    await exchange.cancel_order(resting["id"], "BTC/USDC:USDC")
    assert await exchange.fetch_open_orders() == []


async def test_a_reused_nonce_is_refused(exchange: Any) -> None:
    await exchange.load_markets()
    nonce = exchange.milliseconds()
    action = {"type": "setReferrer", "code": "NONE"}
    request = {
        "action": action,
        "nonce": nonce,
        "signature": exchange.sign_l1_action(action, nonce),
    }
    first = await exchange.privatePostExchange(request)
    assert first["status"] == "ok"
    with pytest.raises(ccxt.ExchangeError, match="already used"):
        await exchange.privatePostExchange(request)


async def test_fills_carry_the_taker_fee_the_account_paid(
    exchange: Any, hyperliquid_sim: HyperliquidSimulator
) -> None:
    await exchange.load_markets()
    before = hyperliquid_sim.house.users[HL_ADDRESS.lower()].balance
    order = await exchange.create_order(
        "BTC/USDC:USDC", "limit", "buy", 0.2, 61_000, {"clientOrderId": CLOID}
    )
    await exchange.create_order("BTC/USDC:USDC", "limit", "sell", 0.1, 59_000)
    paid = before - hyperliquid_sim.house.users[HL_ADDRESS.lower()].balance
    fills = await exchange.fetch_my_trades("BTC/USDC:USDC")
    assert [(f["side"], f["amount"]) for f in fills] == [("buy", 0.2), ("sell", 0.1)]
    buy, sell = fills
    assert buy["order"] == order["id"]
    assert buy["takerOrMaker"] == "taker"
    assert buy["fee"]["currency"] == "USDC"
    assert buy["fee"]["cost"] == pytest.approx(0.2 * buy["price"] * TAKER_FEE, rel=1e-9)
    assert buy["info"]["dir"] == "Open Long"
    assert sell["info"]["dir"] == "Close Long"
    closed_pnl = float(sell["info"]["closedPnl"])
    assert sum(f["fee"]["cost"] for f in fills) == pytest.approx(paid + closed_pnl, rel=1e-9)
    since = await exchange.fetch_my_trades("BTC/USDC:USDC", since=sell["timestamp"] + 1)
    assert since == []
