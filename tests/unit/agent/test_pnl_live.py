"""Live P&L attribution: each component of a tick computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.intents import Action, Intent, Outcome, OutcomeStatus
from agent.model import Instrument, Kind, Position, Rate, ReserveState, VenueSnapshot
from agent.pnl_live import PNL_COMPONENTS, LiveAttribution
from agent.risk import positions as risk
from agent.risk.book import Book

START = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
PERP = Instrument("hyperliquid", "ETH/USDC:USDC", "ETH", Kind.PERP)
WETH = Instrument("aave", "WETH", "ETH", Kind.LENDING_SUPPLY)


def book(at: datetime, spot: float) -> Book:
    market = {"ETH": risk.MarketState(spot=spot, vol=0.6)}
    rows = [
        risk.SpotPosition("wallet:ETH", "wallet", "ETH", 10.0),
        risk.PerpetualPosition("hl:ETH", "hyperliquid", "ETH", -4.0, entry_price=3000.0),
    ]
    return Book.from_records(at, market, rows)


SNAPSHOTS = {
    # 4 ETH short at a 3,000 mark with +10 %/year funding: the short receives 1,200/year.
    "hyperliquid": VenueSnapshot(
        "hyperliquid", START,
        positions=(Position(PERP, -4.0, mark_price=3000.0),),
        rates=(Rate("ETH/USDC:USDC", "funding", 0.10),),
    ),
    # 2 WETH supplied at 3,000 earning 2 %/year: 120/year.
    "aave": VenueSnapshot(
        "aave", START,
        positions=(Position(WETH, 2.0),),
        reserves=(ReserveState("WETH", 3000.0, 0.02, 0.04, 0.5, 100.0, 0.8, 0.825, 0.05),),
    ),
}  # fmt: skip


def test_a_tick_is_split_into_greeks_carry_fees_gas_and_slippage() -> None:
    live = LiveAttribution()
    first = live.observe(START, book(START, 3000.0), SNAPSHOTS)
    assert first.since_start["total"] == 0.0
    assert first.started_at == START
    later = START + timedelta(days=1)
    buy = Intent(
        venue="hyperliquid", action=Action.BUY, asset="ETH", quantity=1.0, reason="test",
        instrument=PERP, reference_price=3100.0, created_at=later,
    )  # fmt: skip
    filled = Outcome(
        buy.intent_id, OutcomeStatus.FILLED, "hyperliquid", filled_quantity=1.0,
        average_price=3103.0, fee_usd=1.5, gas_usd=0.25,
    )  # fmt: skip
    totals = live.observe(later, book(later, 3100.0), SNAPSHOTS, (buy,), (filled,))
    step = totals.since_start
    assert step["delta"] == pytest.approx(6 * 100.0, rel=1e-9)  # 10 - 4 coins, +100
    assert step["gamma"] == pytest.approx(0.0, abs=1e-9)
    assert step["unexplained"] == pytest.approx(0.0, abs=1e-6)
    assert step["carry"] == pytest.approx((1_200.0 + 120.0) / 365, rel=1e-9)
    assert (step["fees"], step["gas"], step["slippage"]) == pytest.approx((-1.5, -0.25, -3.0))
    assert step["total"] == pytest.approx(sum(step[name] for name in PNL_COMPONENTS))
    # The step lands on the day of the tick that closes it.
    assert set(totals.by_day) == {"2026-03-01", "2026-03-02"}
    assert totals.by_day["2026-03-02"]["delta"] == pytest.approx(600.0, rel=1e-9)
    assert totals.by_day["2026-03-01"]["total"] == 0.0
