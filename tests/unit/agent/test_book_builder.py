"""The book built from snapshots: a coin-margined account's cash is a coin holding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent.model import (
    Health,
    Instrument,
    Kind,
    OptionType,
    Position,
    Settlement,
    VenueSnapshot,
)
from agent.profiles import profile_for
from agent.tick.assessment import assess
from agent.tick.book_builder import build_book

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SPOT = 3000.0


def _snapshots(equity_coin: float, calls: float) -> dict[str, VenueSnapshot]:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": SPOT})
    call = Instrument(
        "deribit", "ETH-30JAN26-3200-C", "ETH", Kind.OPTION, Settlement.INVERSE,
        OptionType.CALL, 3200.0, NOW + timedelta(days=25),
    )  # fmt: skip
    positions = (Position(call, -calls, mark_price=100.0, mark_iv=0.6),) if calls else ()
    health = Health.from_margin(
        "deribit",
        equity_usd=equity_coin * SPOT,
        maintenance_margin_usd=0.1 * equity_coin * SPOT,
        account="ETH",
    )
    deribit = VenueSnapshot("deribit", NOW, positions=positions, health=(health,))
    return {"chainlink": oracle, "deribit": deribit}


def test_coin_account_cash_is_a_holding_of_the_coin() -> None:
    profiles = {"deribit": profile_for("deribit", "deribit")}
    with_calls = build_book(_snapshots(100.0, 40.0), profiles, now=NOW, oracle_venue="chainlink")
    cash = next(p for p in with_calls.positions if p.id == "deribit:ETH:cash")
    assert cash.underlying == "ETH"
    assert cash.account == "deribit:ETH"
    assert with_calls.margin_accounts["deribit:ETH"].cash_usd == 0.0
    assessment = assess(with_calls, run_stress=False)
    calls_delta = next(
        greeks.delta for key, greeks in assessment.positions.items() if key.endswith("::option")
    )
    # The account's delta is its coin balance plus its options' delta.
    assert assessment.net["ETH"].delta == pytest.approx(cash.quantity + calls_delta)
    # Its equity in the book is still the venue's.
    assert assessment.book_value_usd == pytest.approx(100.0 * SPOT)
    # 100 ETH of equity is the cash less what the short calls are worth to their buyers.
    assert 100.0 < cash.quantity < 105.0


def test_a_call_writers_locked_coins_are_held() -> None:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": SPOT})
    call = Instrument(
        "premia", "0xPool", "ETH", Kind.OPTION, Settlement.INVERSE, OptionType.CALL, 3200.0,
        NOW + timedelta(days=25),
    )  # fmt: skip
    short = Position(call, -20.0, mark_price=70.0, collateral_usd=20 * SPOT, mark_iv=0.6)
    premia = VenueSnapshot("premia", NOW, positions=(short,))
    profiles = {"premia": profile_for("premia", "premia_v3")}
    book = build_book(
        {"chainlink": oracle, "premia": premia}, profiles, now=NOW, oracle_venue="chainlink"
    )
    locked = next(p for p in book.positions if p.id.endswith(":collateral"))
    assert locked.quantity == pytest.approx(20.0)
    net = assess(book, run_stress=False).net["ETH"].delta
    assert 20.0 - 20.0 * 0.6 < net < 20.0  # covered calls: long the coins, short the calls
