"""ccxt's own deribit class, unchanged, against the Deribit simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import ccxt.async_support as ccxt
import pytest
from cex_world import DERIBIT_CLIENT_ID, DERIBIT_SECRET, move

from connectors.cex.endpoint import Endpoint
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator


@pytest.fixture
async def exchange(deribit_sim: DeribitSimulator) -> AsyncIterator[Any]:
    client = ccxt.deribit(
        {
            "apiKey": DERIBIT_CLIENT_ID,
            "secret": DERIBIT_SECRET,
            "enableRateLimit": False,
            "timeout_on_exit": 0,
        }
    )
    Endpoint.local(deribit_sim.url).apply(client)
    try:
        yield client
    finally:
        await client.close()


async def test_load_markets_lists_inverse_options_futures_and_linear_perps(exchange: Any) -> None:
    markets = await exchange.load_markets()
    perp = markets["BTC/USD:BTC"]
    assert perp["swap"]
    assert perp["inverse"]
    assert perp["contractSize"] == 10.0
    linear = markets["BTC/USDC:USDC"]
    assert linear["swap"]
    assert linear["linear"]
    assert linear["settle"] == "USDC"
    futures = [m for m in markets.values() if m["future"] and m["base"] == "ETH"]
    assert futures
    assert all(m["inverse"] and m["expiry"] for m in futures)
    options = [m for m in markets.values() if m["option"] and m["base"] == "BTC"]
    strikes = {m["strike"] for m in options}
    assert len({m["expiry"] for m in options}) == 4
    assert min(strikes) < 60_000 < max(strikes)
    assert {m["optionType"] for m in options} == {"call", "put"}
    assert all(m["inverse"] and m["settle"] == "BTC" for m in options)


async def test_ticker_carries_mark_iv_and_the_venues_greeks(exchange: Any) -> None:
    await exchange.load_markets()
    call = next(
        m
        for m in exchange.markets.values()
        if m["option"]
        and m["base"] == "BTC"
        and m["strike"] == 60_000
        and m["optionType"] == "call"
    )
    greeks = await exchange.fetch_greeks(call["symbol"])
    assert greeks["markImpliedVolatility"] == pytest.approx(60.0)
    assert 0.45 < greeks["delta"] < 0.6
    assert greeks["gamma"] > 0
    assert greeks["vega"] > 0
    assert greeks["theta"] < 0
    assert 0 < greeks["markPrice"] < 0.2  # coin-settled premium, in BTC
    assert greeks["underlyingPrice"] == 60_000.0


async def test_positions_margin_orders_and_cancel(exchange: Any) -> None:
    await exchange.load_markets()
    filled = await exchange.create_order(
        "BTC/USD:BTC", "limit", "buy", 6_000, 61_000, {"label": "fill-1"}
    )
    assert filled["status"] == "closed"
    assert filled["filled"] == 6_000
    resting = await exchange.create_order(
        "BTC/USD:BTC", "limit", "sell", 1_000, 70_000, {"label": "rest-1"}
    )
    assert resting["status"] == "open"
    assert [o["id"] for o in await exchange.fetch_open_orders("BTC/USD:BTC")] == [resting["id"]]
    cancelled = await exchange.cancel_order(resting["id"])
    assert cancelled["status"] == "canceled"
    [position] = await exchange.fetch_positions()
    assert position["symbol"] == "BTC/USD:BTC"
    assert position["contracts"] == 6_000
    assert position["info"]["size_currency"] == pytest.approx(0.1, rel=1e-3)
    balance = await exchange.fetch_balance({"code": "BTC"})
    summary = balance["info"]
    assert summary["initial_margin"] == pytest.approx(0.1 * (0.02 + 0.005 * 0.1 / 100), rel=1e-3)
    assert summary["maintenance_margin"] == pytest.approx(
        0.1 * (0.015 + 0.005 * 0.1 / 100), rel=1e-3
    )
    assert balance["BTC"]["total"] == pytest.approx(summary["equity"])


async def test_funding_follows_the_driver_regime(exchange: Any, driver: MarketDriver) -> None:
    await exchange.load_markets()
    driver.set_funding("BTC", 0.219)  # 0.02% per 8h
    await driver.advance(1)
    rate = await exchange.fetch_funding_rate("BTC/USD:BTC")
    assert rate["fundingRate"] == pytest.approx(0.219 * 8 / (365 * 24), rel=1e-6)
    ticker = await exchange.fetch_ticker("BTC/USD:BTC")
    assert ticker["info"]["funding_8h"] == pytest.approx(0.0002)


async def test_a_long_perp_pays_funding_as_time_passes(
    exchange: Any, driver: MarketDriver, deribit_sim: DeribitSimulator
) -> None:
    await exchange.load_markets()
    await exchange.create_order("BTC/USD:BTC", "limit", "buy", 60_000, 61_000, {"label": "f"})
    before = (await exchange.fetch_balance({"code": "BTC"}))["info"]["balance"]
    driver.set_funding("BTC", 0.365)
    await driver.advance(8 * 3600)
    after = (await exchange.fetch_balance({"code": "BTC"}))["info"]["balance"]
    assert before - after == pytest.approx(1.0 * 0.365 * 8 / (365 * 24), rel=1e-3)


async def test_marks_follow_the_market_driver(exchange: Any, driver: MarketDriver) -> None:
    move(driver, BTC=66_000.0)
    await driver.advance(1)
    ticker = await exchange.fetch_ticker("BTC/USD:BTC")
    assert ticker["markPrice"] == 66_000.0
    assert ticker["indexPrice"] == 66_000.0


async def test_a_bad_signature_is_an_authentication_error(deribit_sim: DeribitSimulator) -> None:
    client = ccxt.deribit(
        {
            "apiKey": DERIBIT_CLIENT_ID,
            "secret": "wrong",
            "enableRateLimit": False,
            "timeout_on_exit": 0,
        }
    )
    Endpoint.local(deribit_sim.url).apply(client)
    try:
        with pytest.raises(ccxt.AuthenticationError):
            await client.fetch_positions()
    finally:
        await client.close()


async def test_an_order_beyond_available_funds_is_insufficient_funds(exchange: Any) -> None:
    await exchange.load_markets()
    with pytest.raises(ccxt.InsufficientFunds):
        await exchange.create_order("BTC/USD:BTC", "limit", "buy", 20_000_000, 61_000)


async def test_order_book_and_cancel_all(exchange: Any) -> None:
    await exchange.load_markets()
    book = await exchange.fetch_order_book("ETH/USD:ETH", 3)
    assert len(book["bids"]) == 3
    assert book["bids"][0][0] < 3_000.0 < book["asks"][0][0]
    for label in ("a", "b"):
        await exchange.create_order("ETH/USD:ETH", "limit", "buy", 10, 2_000, {"label": label})
    await exchange.cancel_all_orders()
    assert await exchange.fetch_open_orders("ETH/USD:ETH") == []


async def test_public_auth_issues_a_bearer_token_for_the_right_secret(
    exchange: Any, deribit_sim: DeribitSimulator
) -> None:
    granted = await exchange.publicGetAuth(
        {
            "grant_type": "client_credentials",
            "client_id": DERIBIT_CLIENT_ID,
            "client_secret": DERIBIT_SECRET,
        }
    )
    token = granted["result"]["access_token"]
    assert granted["result"]["token_type"] == "bearer"
    session = exchange.session
    url = f"{deribit_sim.url}/api/v2/private/get_account_summary?currency=BTC"
    async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert (await reply.json())["result"]["currency"] == "BTC"
    with pytest.raises(ccxt.AuthenticationError):
        await exchange.publicGetAuth(
            {
                "grant_type": "client_credentials",
                "client_id": DERIBIT_CLIENT_ID,
                "client_secret": "x",
            }
        )


async def test_order_state_by_id_and_the_not_found_fault(
    exchange: Any, deribit_sim: DeribitSimulator
) -> None:
    await exchange.load_markets()
    resting = await exchange.create_order(
        "BTC/USD:BTC", "limit", "buy", 10, 50_000, {"label": "by-id"}
    )
    assert (await exchange.fetch_order(resting["id"]))["status"] == "open"
    deribit_sim.faults.hide_order("by-id", lookups=1)
    with pytest.raises(ccxt.OrderNotFound):
        await exchange.fetch_order(resting["id"])
    assert (await exchange.fetch_order(resting["id"]))["status"] == "open"
