"""What the connectors read: positions in coin, venue Greeks and IV, health, quotes, funding."""

from __future__ import annotations

import math

import pytest
from cex_world import DERIBIT_CLIENT_ID, deribit_venue, option_symbol

from agent.model import HealthKind, Kind, Settlement, Side, VenueSnapshot
from agent.ports import OrderRequest, Venue
from connectors.cex import DeribitVenue, HyperliquidVenue
from sim.market import MarketDriver
from sim.venues.blackscholes import value
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


async def test_deribit_snapshot_of_options_perps_and_linear_perps(
    deribit: DeribitVenue, deribit_sim: DeribitSimulator
) -> None:
    call = option_symbol(deribit, 60_000)
    orders = [
        OrderRequest("short-call", call, Side.SELL, 1.0, 0.0001),
        OrderRequest("long-perp", "BTC/USD:BTC", Side.BUY, 0.5, 61_000.0),  # 30,000 USD
        OrderRequest("long-usdc-perp", "BTC/USDC:USDC", Side.BUY, 0.5, 61_000.0),
    ]
    for order in orders:
        assert (await deribit.place_order(order)).status == "closed"
    snapshot = await deribit.snapshot()
    assert isinstance(deribit, Venue)
    assert snapshot.venue == "deribit"
    assert snapshot.observed_at.tzinfo is not None
    by_symbol = {p.instrument.symbol: p for p in snapshot.positions}
    assert set(by_symbol) == {call, "BTC/USD:BTC", "BTC/USDC:USDC"}

    option = by_symbol[call]
    assert option.instrument.kind is Kind.OPTION
    assert option.instrument.settlement is Settlement.INVERSE
    assert option.quantity == -1.0
    instrument = deribit_sim.exchange.instruments[deribit.exchange.market(call)["id"]]
    reference = value(
        60_000.0, 60_000.0, instrument.years_left(deribit_sim.exchange.state.timestamp), 0.6, True
    )
    assert option.mark_iv == pytest.approx(0.6)
    assert option.mark_price == pytest.approx(reference.price_usd, rel=1e-6)
    assert option.venue_greeks is not None
    assert option.venue_greeks.delta == pytest.approx(-reference.delta, abs=1e-5)
    assert option.venue_greeks.delta_usd == pytest.approx(-reference.delta * 60_000, rel=1e-4)
    assert option.venue_greeks.vega == pytest.approx(-reference.vega, rel=1e-4)
    assert option.venue_greeks.theta == pytest.approx(-reference.theta, rel=1e-4)

    perp = by_symbol["BTC/USD:BTC"]
    assert perp.instrument.kind is Kind.PERP
    assert perp.quantity == pytest.approx(0.5, rel=1e-9)  # coin, not USD
    assert deribit_sim.exchange.accounts[DERIBIT_CLIENT_ID].holdings["BTC-PERPETUAL"].size == (
        30_000.0  # what Deribit holds: USD
    )
    linear = by_symbol["BTC/USDC:USDC"]
    assert linear.instrument.settlement is Settlement.LINEAR
    assert linear.quantity == 0.5
    _check_deribit_accounts(snapshot, deribit_sim)


def _check_deribit_accounts(snapshot: VenueSnapshot, simulator: DeribitSimulator) -> None:
    health = {h.account: h for h in snapshot.health}
    assert set(health) == {"BTC", "ETH", "USDC"}
    account = simulator.exchange.accounts[DERIBIT_CLIENT_ID]
    btc = simulator.exchange.figures(account, "BTC")
    assert health["BTC"].kind is HealthKind.MARGIN
    assert health["BTC"].ratio == pytest.approx(btc.equity / btc.maintenance_margin)
    assert health["BTC"].equity_usd == pytest.approx(btc.equity * 60_000)
    assert math.isinf(health["ETH"].ratio)  # no positions: nothing to maintain
    assert snapshot.marks["BTC"] == 60_000.0
    rates = {r.symbol: r for r in snapshot.rates}
    assert rates["BTC/USD:BTC"].annual == pytest.approx(0.10, rel=1e-6)
    quote = next(q for q in snapshot.quotes if q.symbol == "BTC/USD:BTC")
    assert quote.bid is not None
    assert quote.ask is not None
    assert quote.bid < 60_000 < quote.ask
    balances = {b.asset: b for b in snapshot.balances}
    assert balances["USDC"].usd_value == pytest.approx(balances["USDC"].amount)


async def test_hyperliquid_snapshot_of_a_perp_position(
    hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    await hyperliquid.place_order(
        OrderRequest("eth-long", "ETH/USDC:USDC", Side.BUY, 10.0, 3_100.0)
    )
    snapshot = await hyperliquid.snapshot()
    [position] = snapshot.positions
    assert position.instrument.symbol == "ETH/USDC:USDC"
    assert position.instrument.kind is Kind.PERP
    assert position.quantity == 10.0
    assert position.mark_price == 3_000.0
    assert position.venue_greeks is not None
    assert position.venue_greeks.delta_usd == pytest.approx(30_000.0)
    [health] = snapshot.health
    assert health.maintenance_margin_usd == pytest.approx(30_000 / (2 * 25))
    assert health.initial_margin_usd == pytest.approx(30_000 / 20)
    assert health.equity_usd == pytest.approx(100_000 - 10 * 3_000.3 * 0.00045 - 3, abs=1.0)
    rates = {r.symbol: r.annual for r in snapshot.rates}
    assert rates["ETH/USDC:USDC"] == pytest.approx(0.10, rel=1e-4)
    assert snapshot.marks["ETH"] == 3_000.0
    [usdc] = snapshot.balances
    assert usdc.amount == pytest.approx(health.equity_usd - (position.unrealized_pnl_usd or 0.0))


async def test_funding_paid_shows_as_accrued_cost_on_both_venues(
    deribit: DeribitVenue, hyperliquid: HyperliquidVenue, driver: MarketDriver
) -> None:
    await deribit.place_order(OrderRequest("d-long", "BTC/USD:BTC", Side.BUY, 1.0, 61_000.0))
    await hyperliquid.place_order(OrderRequest("h-long", "BTC/USDC:USDC", Side.BUY, 1.0, 61_000.0))
    driver.set_funding("BTC", 0.365)
    await driver.advance(8 * 3600)
    paid = 60_000 * 0.365 * 8 / (365 * 24)  # USD on one coin long for 8 hours
    [deribit_position] = (await deribit.snapshot()).positions
    [hyperliquid_position] = (await hyperliquid.snapshot()).positions
    assert deribit_position.accrued_fees_usd == pytest.approx(paid, rel=1e-3)
    assert hyperliquid_position.accrued_fees_usd == pytest.approx(paid, rel=1e-3)


async def test_coin_quantities_convert_to_each_venues_order_unit(
    deribit: DeribitVenue, hyperliquid: HyperliquidVenue
) -> None:
    inverse = deribit.units("BTC/USD:BTC")
    assert inverse.amount(0.1, 60_000.0) == 6_000.0  # USD, 10 a contract
    assert inverse.coin(6_000.0, 60_000.0) == pytest.approx(0.1)
    # BTC_USDC-PERPETUAL publishes contract_size 0.001: the amount is still coin, so a
    # 0.1 BTC order asks for 0.1 (dividing by the contract size asked for 100 BTC)
    linear = deribit.units("BTC/USDC:USDC")
    assert deribit.exchange.market("BTC/USDC:USDC")["contractSize"] == 0.001
    assert linear.amount(0.1) == 0.1
    assert linear.amount(0.1234) == 0.123
    assert deribit.units(option_symbol(deribit, 60_000)).amount(0.24) == 0.2  # 0.1 steps
    assert hyperliquid.units("BTC/USDC:USDC").amount(0.123456) == 0.12346


async def test_quotes_carry_the_order_size_step_in_coin(
    deribit: DeribitVenue, hyperliquid: HyperliquidVenue
) -> None:
    hl = {q.symbol: q.lot_size for q in (await hyperliquid.snapshot()).quotes}
    assert hl["ETH/USDC:USDC"] == pytest.approx(1e-4)  # szDecimals 4
    assert hl["BTC/USDC:USDC"] == pytest.approx(1e-5)
    quotes = {q.symbol: q for q in (await deribit.snapshot()).quotes}
    perp = quotes["BTC/USD:BTC"]  # 10 USD contracts, in coin at the mark
    assert perp.lot_size == pytest.approx(10.0 / (perp.mark or 0.0))
    assert quotes["BTC/USDC:USDC"].lot_size == pytest.approx(0.001)  # min_trade_amount
    assert quotes["ETH/USDC:USDC"].lot_size == pytest.approx(0.01)


async def test_deribit_reads_in_bulk_whatever_the_options_held(
    deribit: DeribitVenue, deribit_sim: DeribitSimulator
) -> None:
    """Positions, account summaries and one book summary per currency: 2 + 3 requests
    for six options as for none; marks, IVs and rho from the summaries (rho by our
    kernel beside the simulator's own Black-Scholes, sim.venues.blackscholes)."""
    symbols = [option_symbol(deribit, s, kind) for s in (57_500, 60_000, 62_500)
               for kind in ("call", "put")]  # fmt: skip
    for index, symbol in enumerate(symbols):
        order = OrderRequest(f"bulk-{index}", symbol, Side.SELL, 1.0, 0.0001)
        assert (await deribit.place_order(order)).status == "closed"
    before = len(deribit_sim.requests)
    snapshot = await deribit.snapshot()
    read = sorted(r.operation for r in deribit_sim.requests[before:])
    assert read == [
        "private/get_account_summaries",
        "private/get_positions",
        *["public/get_book_summary_by_currency"] * 3,
    ]
    now = deribit_sim.exchange.state.timestamp
    for position in snapshot.positions:
        instrument = deribit_sim.exchange.instruments[
            deribit.exchange.market(position.instrument.symbol)["id"]
        ]
        reference = value(60_000.0, instrument.strike or 0.0, instrument.years_left(now), 0.6,
                          instrument.option_type == "call")  # fmt: skip
        assert position.mark_iv == pytest.approx(0.6)
        assert position.venue_greeks is not None
        assert position.venue_greeks.rho == pytest.approx(-reference.rho, rel=1e-6)
        assert position.venue_greeks.rho != 0.0


async def test_deribit_option_the_summaries_lack_is_read_from_its_ticker(
    deribit_sim: DeribitSimulator,
) -> None:
    """An option of a currency the venue does not read (ETH here) has no book summary
    row: its mark IV and rho come from ``public/ticker``, one request for it alone."""
    async with deribit_venue(deribit_sim, currencies=("BTC", "ETH")) as both:
        puts = [
            m
            for m in both.exchange.markets.values()
            if m["option"] and m["base"] == "ETH" and m["optionType"] == "put"
        ]
        eth = str(max(puts, key=lambda m: (m["expiry"], m["strike"]))["symbol"])
        order = OrderRequest("eth-put", eth, Side.SELL, 1.0, 0.0001)
        assert (await both.place_order(order)).status == "closed"
        expected = {p.instrument.symbol: p for p in (await both.snapshot()).positions}[eth]
    async with deribit_venue(deribit_sim, currencies=("BTC",)) as btc_only:
        before = len(deribit_sim.requests)
        snapshot = await btc_only.snapshot()
        tickers = [r for r in deribit_sim.requests[before:] if r.operation == "public/ticker"]
    assert len(tickers) == 1
    position = {p.instrument.symbol: p for p in snapshot.positions}[eth]
    assert position.mark_iv == pytest.approx(expected.mark_iv)
    assert position.venue_greeks is not None
    assert expected.venue_greeks is not None
    assert position.venue_greeks.rho == pytest.approx(expected.venue_greeks.rho)
    assert position.venue_greeks.rho > 0  # a short put gains as rates rise
