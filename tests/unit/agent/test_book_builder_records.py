"""The book built from snapshots on the tick's cheap paths: Aave records with their
reserves' thresholds, every cross account's equity in the book equal to the venue's with
positions in several accounts, and a bad venue figure refused naming its field."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from agent.model import (
    Health,
    Instrument,
    Kind,
    OptionType,
    Position,
    ReserveState,
    Settlement,
    VenueSnapshot,
)
from agent.profiles import profile_for
from agent.risk.book import Book
from agent.risk.portfolio import book_greeks
from agent.risk.positions import LendingDebtPosition, LendingSupplyPosition
from agent.risk.validation import RiskInputError
from agent.tick import book_builder
from agent.tick.book_builder import build_book

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SPOTS = {"ETH": 3000.0, "BTC": 60_000.0, "USDC": 1.0}
EQUITY = {("deribit", "ETH"): 250_000.0, ("deribit", "BTC"): 900_000.0, ("hyperliquid", None): 8e3}


def _reserve(symbol: str, threshold: float) -> ReserveState:
    return ReserveState(
        symbol, SPOTS[symbol], 0.02, 0.04, 0.5, 1e6, threshold - 0.03, threshold, 0.05
    )


def _aave(venue: str, supplied: float, owed: float) -> VenueSnapshot:
    supply = Instrument(venue, "ETH", "ETH", Kind.LENDING_SUPPLY)
    debt = Instrument(venue, "USDC", "USDC", Kind.LENDING_DEBT)
    positions = (
        Position(supply, supplied, collateral_usd=supplied * SPOTS["ETH"]),
        Position(debt, -owed),
    )
    reserves = (_reserve("ETH", 0.83), _reserve("USDC", 0.78))
    return VenueSnapshot(venue, NOW, positions=positions, reserves=reserves, marks=SPOTS)


def _deribit(strike_shift: float = 0.0, iv: float = 0.55) -> VenueSnapshot:
    positions = []
    for index in range(6):
        coin = "ETH" if index % 2 else "BTC"
        strike = SPOTS[coin] * (0.9 + 0.05 * index) + strike_shift
        instrument = Instrument(
            "deribit", f"{coin}-{index}", coin, Kind.OPTION, Settlement.INVERSE,
            OptionType.CALL if index % 3 else OptionType.PUT, strike,
            NOW + timedelta(days=7 * (index + 1)),
        )  # fmt: skip
        positions.append(Position(instrument, 2.0 - index, mark_price=10.0, mark_iv=iv))
    perp = Instrument("deribit", "ETH-PERPETUAL", "ETH", Kind.PERP, Settlement.INVERSE)
    positions.append(Position(perp, -3.0, entry_price=2950.0, mark_price=3000.0))
    health = tuple(
        Health.from_margin("deribit", equity_usd=equity, maintenance_margin_usd=1e3, account=coin)
        for (venue, coin), equity in EQUITY.items()
        if venue == "deribit"
    )
    return VenueSnapshot("deribit", NOW, positions=tuple(positions), health=health)


def _snapshots() -> dict[str, VenueSnapshot]:
    perp = Instrument("hyperliquid", "ETH", "ETH", Kind.PERP, Settlement.LINEAR)
    equity = EQUITY[("hyperliquid", None)]
    hyperliquid = VenueSnapshot(
        "hyperliquid", NOW,
        positions=(Position(perp, 4.0, entry_price=2900.0, mark_price=3000.0),),
        health=(Health.from_margin("hyperliquid", equity_usd=equity, maintenance_margin_usd=60.0),),
    )  # fmt: skip
    return {
        "chainlink": VenueSnapshot("chainlink", NOW, marks=SPOTS),
        "aave:1": _aave("aave:1", 10.0, 9000.0),
        "aave:2": _aave("aave:2", 3.0, 2000.0),
        "deribit": _deribit(),
        "hyperliquid": hyperliquid,
    }


def _build(snapshots: dict[str, VenueSnapshot]) -> Book:
    kinds = {"aave:1": "aave_v3", "aave:2": "aave_v3", "deribit": "deribit"}
    profiles = {name: profile_for(name, kinds.get(name, name)) for name in snapshots}
    return build_book(snapshots, profiles, now=NOW, oracle_venue="chainlink")


def test_lending_records_and_every_cross_accounts_equity() -> None:
    book = _build(_snapshots())
    supply = book.positions[book.position_index("aave:1:ETH::lending_supply")]
    assert supply == LendingSupplyPosition(
        "aave:1:ETH::lending_supply", "aave:1", "ETH", 10.0, 0.83, protocol="aave-v3"
    )
    debt = book.positions[book.position_index("aave:2:USDC::lending_debt")]
    assert debt == LendingDebtPosition(
        "aave:2:USDC::lending_debt", "aave:2", "USDC", 2000.0, protocol="aave-v3"
    )
    assert [a.name for a in book.arrays.lending_accounts] == ["aave:1", "aave:2"]
    values = book_greeks(book).positions[:, 0]
    accounts = {a.name: a for a in book.arrays.margin_accounts}
    assert set(accounts) == {"deribit:ETH", "deribit:BTC", "hyperliquid:USDC"}
    for (venue, coin), equity in EQUITY.items():
        name = f"{venue}:{coin or 'USDC'}"
        held = sum(values[i] for i in accounts[name].positions)
        assert held + book.margin_accounts[name].cash_usd == pytest.approx(equity, rel=1e-12)
        assert accounts[name].positions  # its positions (and its coin cash, if coin-margined)


@pytest.mark.parametrize(
    ("venue", "change", "field"),
    [
        ("aave:2", lambda s: _aave("aave:2", math.nan, 1.0), "quantity"),
        ("aave:2", lambda s: _aave("aave:2", 1.0, math.inf), "quantity"),
        ("deribit", lambda s: _deribit(iv=-0.2), "vol"),
        ("deribit", lambda s: _deribit(strike_shift=-1e9), "strike"),
    ],
)
def test_a_bad_figure_is_refused_naming_its_field(venue, change, field) -> None:
    snapshots = _snapshots()
    snapshots[venue] = change(snapshots[venue])
    with pytest.raises(RiskInputError) as raised:
        _build(snapshots)
    assert raised.value.field == field


def test_position_ids_are_made_once_and_stay_exact(monkeypatch) -> None:
    first, again = _build(_snapshots()), _build(_snapshots())
    assert [p.id for p in first.positions] == [p.id for p in again.positions]
    made = [(a.id, b.id) for a, b in zip(first.positions, again.positions, strict=True)]
    assert all(a is b for a, b in made if not a.endswith(":cash"))  # one string, kept
    assert "aave:1:USDC::lending_debt" in {p.id for p in first.positions}
    assert "deribit:ETH-1::option" in {p.id for p in first.positions}
    monkeypatch.setattr(book_builder, "_IDS", {})
    monkeypatch.setattr(book_builder, "_IDS_LIMIT", 3)  # bounded: cleared when full
    bounded = _build(_snapshots())
    assert [p.id for p in bounded.positions] == [p.id for p in first.positions]
    assert len(book_builder._IDS) <= 3
