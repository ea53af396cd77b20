"""Every order path reaches the venue in the venue's unit: hedges and margin reductions
(``order_for``) and FLATTEN's reduce-only slices, through the order executor.

Each would have caught its bug: with BTC_USDC-PERPETUAL's real ``contract_size`` 0.001,
``order_for`` divided 0.1 BTC into 100 BTC; FLATTEN of the inverse perpetual sent coin
where Deribit takes USD.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cex_world import DERIBIT_CLIENT_ID, option_symbol
from order_desk import Orders, order_desk

from agent.intents import Action, Intent, OutcomeStatus
from agent.model import Side
from agent.ports import OrderRequest
from connectors.cex import DeribitVenue, HyperliquidVenue
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator


@pytest.fixture
def orders(
    tmp_path: Path, deribit: DeribitVenue, hyperliquid: HyperliquidVenue
) -> Iterator[Orders]:
    with order_desk(tmp_path, {"deribit": deribit, "hyperliquid": hyperliquid}) as desk:
        yield desk


def _intent(venue: DeribitVenue | HyperliquidVenue, symbol: str, action: Action, coin: float,
            limit: float, sequence: int) -> Intent:  # fmt: skip
    instrument = venue.instrument(symbol)  # as the snapshot builds it
    return Intent(
        venue=venue.name, action=action, asset=instrument.underlying, quantity=coin,
        reason="units drill", instrument=instrument, limit_price=limit,
        reference_price=60_000.0, notional_usd=coin * 60_000.0, sequence=sequence,
    )  # fmt: skip


def _held(simulator: DeribitSimulator, name: str) -> float:
    holding = simulator.exchange.accounts[DERIBIT_CLIENT_ID].holdings.get(name)
    return 0.0 if holding is None else holding.size


async def test_a_hedge_and_its_unwind_ask_deribit_for_coin_or_usd_as_each_book_counts(
    orders: Orders, deribit: DeribitVenue, deribit_sim: DeribitSimulator
) -> None:
    books = [("BTC/USDC:USDC", "BTC_USDC-PERPETUAL", 0.1), ("BTC/USD:BTC", "BTC-PERPETUAL", 6_000)]
    for number, (symbol, name, venue_amount) in enumerate(books):
        hedge = _intent(deribit, symbol, Action.BUY, 0.1, 61_000.0, number)
        outcome = await orders.execute(hedge, risk_reducing=True)
        assert outcome.status is OutcomeStatus.FILLED
        assert outcome.filled_quantity == pytest.approx(0.1)  # coin, as the intent
        assert _held(deribit_sim, name) == pytest.approx(venue_amount)  # the venue's unit
        unwind = _intent(deribit, symbol, Action.SELL, 0.1, 59_000.0, 10 + number)
        closed = await orders.execute(unwind, risk_reducing=True, unwind=True)
        assert closed.status is OutcomeStatus.FILLED
        assert _held(deribit_sim, name) == 0.0
    positions = (await deribit.snapshot()).positions
    assert [p for p in positions if p.quantity] == []


async def test_a_hyperliquid_hedge_asks_for_its_coin(
    orders: Orders, hyperliquid: HyperliquidVenue, hyperliquid_sim: HyperliquidSimulator
) -> None:
    outcome = await orders.execute(
        _intent(hyperliquid, "BTC/USDC:USDC", Action.SELL, 0.1, 59_000.0, 0), risk_reducing=True
    )
    assert outcome.filled_quantity == pytest.approx(0.1)
    [position] = (await hyperliquid.snapshot()).positions
    assert position.quantity == pytest.approx(-0.1)


async def test_an_option_limit_goes_on_the_tick_in_force_at_its_price(
    deribit: DeribitVenue, deribit_sim: DeribitSimulator
) -> None:
    """Above 0.005 BTC Deribit's option tick is 0.0005 (tick_size_steps): ccxt rounds to
    0.0001 only, which the venue refuses; the connector keeps the limit on the step."""
    call = option_symbol(deribit, 65_000)
    state = await deribit.place_order(OrderRequest("tick", call, Side.BUY, 0.1, 0.01237))
    assert state.venue_order_id is not None  # accepted: no price_wrong_tick
    account = deribit_sim.exchange.accounts[DERIBIT_CLIENT_ID]
    [order] = [o for o in account.orders.values() if o.label == "tick"]
    assert order.price == 0.012  # down: never past the buyer's limit
