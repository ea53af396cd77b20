"""The tick's shortcuts give the floats of the plain computation on a mixed book: the
account cash valued from the accounts' positions alone, and the per-position Greeks
taken column by column."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agent.model import (
    Health,
    Instrument,
    Kind,
    OptionType,
    Position,
    Settlement,
    VenueSnapshot,
)
from agent.profiles import VenueProfile, profile_for
from agent.risk.book import Book
from agent.risk.portfolio import book_greeks, position_greeks
from agent.risk.positions import Kind as RiskKind
from agent.tick.assessment import assess
from agent.tick.book_builder import build_book

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _snapshots() -> dict[str, VenueSnapshot]:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0, "BTC": 60_000.0})
    options = []
    for index in range(12):
        coin, spot = ("ETH", 3000.0) if index % 2 else ("BTC", 60_000.0)
        kind = OptionType.CALL if index % 3 else OptionType.PUT
        strike = spot * (0.8 + 0.04 * index)
        instrument = Instrument(
            "deribit", f"{coin}-{index}", coin, Kind.OPTION, Settlement.INVERSE, kind, strike,
            NOW + timedelta(days=3 + 5 * index),
        )  # fmt: skip
        options.append(Position(instrument, -1.0 - index, mark_price=10.0, mark_iv=0.5))
    health = tuple(
        Health.from_margin("deribit", equity_usd=equity, maintenance_margin_usd=1.0, account=coin)
        for coin, equity in (("ETH", 90_000.0), ("BTC", 700_000.0))
    )
    deribit = VenueSnapshot("deribit", NOW, positions=tuple(options), health=health)
    perp = Instrument("hyperliquid", "ETH", "ETH", Kind.PERP, Settlement.LINEAR)
    hyperliquid = VenueSnapshot(
        "hyperliquid",
        NOW,
        positions=(Position(perp, -4.0, entry_price=2900.0, mark_price=3000.0),),
        health=(Health.from_margin("hyperliquid", equity_usd=5000.0, maintenance_margin_usd=60.0),),
    )
    return {"chainlink": oracle, "deribit": deribit, "hyperliquid": hyperliquid}


def _profiles() -> dict[str, VenueProfile]:
    return {
        "deribit": profile_for("deribit", "deribit"),
        "hyperliquid": profile_for("hyperliquid", "hyperliquid"),
    }


def test_account_cash_and_position_greeks_are_the_plain_floats() -> None:
    book = build_book(_snapshots(), _profiles(), now=NOW, oracle_venue="chainlink")
    # Plainly: value every position outside its account, then sum each account's.
    records = [p for p in book.positions if not p.id.endswith(":cash")]
    loose = Book.from_records(NOW, book.market, [replace(r, account=None) for r in records])
    values = book_greeks(loose).positions[:, 0]
    held: dict[str, float] = {}
    for record, value in zip(records, values, strict=True):
        if record.account is not None:
            held[record.account] = held.get(record.account, 0.0) + float(value)
    assert set(held) == {"deribit:ETH", "deribit:BTC", "hyperliquid:USDC"}
    for account, equity in (("deribit:ETH", 90_000.0), ("deribit:BTC", 700_000.0)):
        cash = next(p for p in book.positions if p.id == f"{account}:cash")
        spot = book.market[account.split(":")[1]].spot
        assert cash.quantity == (equity - held[account]) / spot
    assert book.margin_accounts["hyperliquid:USDC"].cash_usd == 5000.0 - held["hyperliquid:USDC"]

    assessment = assess(book)
    plain = position_greeks(book, book_greeks(book))
    assert len(assessment.positions) == len(book.positions) == 15
    for position, row in zip(book.positions, plain, strict=True):
        greeks = assessment.positions[position.id]
        names = ("delta", "delta_usd", "gamma", "vega", "theta", "rho")
        assert tuple(getattr(greeks, name) for name in names) == tuple(row[n] for n in names)


def test_position_greeks_find_options_before_and_other_rows_after_the_full_index() -> None:
    book = build_book(_snapshots(), _profiles(), now=NOW, oracle_venue="chainlink")
    plain = position_greeks(book, book_greeks(book))
    names = ("delta", "delta_usd", "gamma", "vega", "theta", "rho")
    positions = assess(book).positions
    options = [row for row, p in enumerate(book.positions) if p.kind is RiskKind.OPTION]
    assert len(options) == 12
    for row in reversed(options):  # an option's row, from the options' own index
        greeks = positions[book.positions[row].id]
        assert tuple(getattr(greeks, name) for name in names) == tuple(plain[row][n] for n in names)
    assert positions.get("deribit:ETH-1:perp") is None  # not held: neither index has it
    others = [row for row in range(len(book.positions)) if row not in options]
    for row in others:  # every other row through the full index
        greeks = positions[book.positions[row].id]
        assert tuple(getattr(greeks, name) for name in names) == tuple(plain[row][n] for n in names)
    assert list(positions) == [p.id for p in book.positions]
