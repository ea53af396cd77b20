"""The book's market read from every venue's marks: the same spots, vols and order of
underlyings as the plain walk over every mark, whichever marks repeat (the oracle's,
listed again by ~230 Aave accounts) or price nothing held (a venue's own symbols)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from statistics import median

import pytest

from agent.model import Instrument, Kind, OptionType, Position, Settlement, VenueSnapshot
from agent.risk import positions as risk
from agent.tick.book_builder import STABLECOINS, _market

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
COINS = ("ETH", "BTC", "USDC", "SOL", "DAI", "ARB")


def _plain_market(
    snapshots: Mapping[str, VenueSnapshot], oracle_venue: str | None, default_vol: float
) -> dict[str, risk.MarketState]:
    """Every mark of every venue looked at in turn (the book builder's reference)."""
    oracle = snapshots.get(oracle_venue) if oracle_venue else None
    oracle_marks = oracle.marks if oracle else {}
    held = {p.instrument.underlying for s in snapshots.values() for p in s.positions}
    priced = held | set(oracle_marks)
    marks: dict[str, list[float]] = {}
    vols: dict[str, list[float]] = {}
    for snapshot in snapshots.values():
        for underlying, price in snapshot.marks.items():
            if underlying in priced:
                prices = marks.setdefault(underlying, [])
                if underlying not in oracle_marks:
                    prices.append(price)
        for position in snapshot.positions:
            if position.mark_iv:
                vols.setdefault(position.instrument.underlying, []).append(position.mark_iv)
    market = {}
    for underlying, prices in marks.items():
        pegged = underlying in STABLECOINS
        spot = oracle_marks[underlying] if underlying in oracle_marks else median(prices)
        vol = median(vols[underlying]) if underlying in vols else default_vol
        market[underlying] = risk.MarketState(spot=spot, vol=None if pegged else vol, pegged=pegged)
    for stable in STABLECOINS & held:
        market.setdefault(stable, risk.MarketState(spot=1.0, pegged=True))
    return market


def _venue(name: str, draw: random.Random) -> VenueSnapshot:
    marked = draw.sample((*COINS, f"{name}-PERP", "XYZ"), draw.randint(0, 5))
    marks = {coin: draw.uniform(0.5, 4000.0) for coin in marked}
    held = []
    for coin in draw.sample(COINS, draw.randint(0, 3)):
        option = Instrument(
            name, f"{coin}-C", coin, Kind.OPTION, Settlement.LINEAR, OptionType.CALL, 100.0,
            NOW + timedelta(days=30),
        )  # fmt: skip
        supply = Instrument(name, coin, coin, Kind.LENDING_SUPPLY)
        iv = draw.choice([None, 0.0, draw.uniform(0.2, 1.5)])
        lent = draw.random() < 0.5
        held.append(Position(supply, 1.0) if lent else Position(option, 1.0, mark_iv=iv))
    return VenueSnapshot(name, NOW, positions=tuple(held), marks=marks)


@pytest.mark.parametrize("seed", range(40))
def test_the_market_is_the_plain_walks(seed: int) -> None:
    draw = random.Random(seed)
    names = ["chainlink", *(f"aave:{n}" for n in range(draw.randint(0, 8))), "deribit", "gmx"]
    draw.shuffle(names)
    snapshots = {name: _venue(name, draw) for name in names}
    if draw.random() < 0.3:  # many venues repeating the oracle's marks
        for name in names[:4]:
            snapshots[name] = VenueSnapshot(name, NOW, marks=dict(snapshots["chainlink"].marks))
    oracle = draw.choice(["chainlink", "deribit", None, "absent"])
    found = _market(snapshots, oracle, 0.6)
    expected = _plain_market(snapshots, oracle, 0.6)
    assert list(found.items()) == list(expected.items())  # the same states, in the same order


def _sharing(name: str, marks: Mapping[str, float], held: str | None = None) -> VenueSnapshot:
    """A snapshot holding ``marks`` itself, not a copy (as the Aave connector shares its
    view's marks among the view's accounts)."""
    positions: tuple[Position, ...] = ()
    if held is not None:
        positions = (Position(Instrument(name, held, held, Kind.LENDING_SUPPLY), 1.0),)
    snapshot = VenueSnapshot(name, NOW, positions=positions)
    object.__setattr__(snapshot, "marks", marks)
    return snapshot


def test_marks_shared_by_venues_count_once_for_each_unless_they_add_nothing() -> None:
    oracle = _sharing("chainlink", {"ETH": 3000.0, "BTC": 60_000.0})
    priced = {"ETH": 3001.0, "SOL": 150.0}  # SOL: not the oracle's, each venue's mark counts
    idle = {"ETH": 2999.0, "XYZ": 1.0}  # the oracle's, and nothing held
    names = ["chainlink", "a:0", "a:1", "b:0", "b:1", "c", "a:2", "b:2", "d"]
    snapshots = {"chainlink": oracle}
    for name in names[1:]:
        shared = priced if name.startswith("a") else idle
        own = {"c": {"SOL": 140.0}, "d": {"SOL": 141.0, "XYZ": 2.0}}
        snapshots[name] = _sharing(name, own.get(name, shared), held="SOL")
    found = _market(snapshots, "chainlink", 0.6)
    assert list(found.items()) == list(_plain_market(snapshots, "chainlink", 0.6).items())
    assert found["SOL"].spot == 150.0  # the median of 150 (three venues), 140 and 141
