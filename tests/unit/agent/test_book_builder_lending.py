"""An Aave account's records on the builder's cheap path are the ones its classes build,
one position at a time in order: a bad figure or name in the middle of the account is
refused with the class's own error after exactly the records before it, and a supply's
threshold from the tick's reserves table is the one the reserves' scan finds."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from agent.model import Instrument, Kind, Position, ReserveState, VenueSnapshot
from agent.profiles import profile_for
from agent.risk import positions as risk
from agent.risk.positions import LendingDebtPosition, LendingSupplyPosition
from agent.tick import book_builder

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SPOTS = {"ETH": 3000.0, "BTC": 60_000.0, "USDC": 1.0}
MARKET = {coin: risk.MarketState(spot=spot) for coin, spot in SPOTS.items()}
PROFILE = profile_for("aave:7", "aave_v3")


def _reserve(symbol: object, threshold: float) -> ReserveState:
    return ReserveState(symbol, 1.0, 0.02, 0.04, 0.5, 1e6, threshold - 0.03, threshold, 0.05)  # type: ignore[arg-type]


RESERVES = (_reserve("WETH", 0.83), _reserve("WBTC", 0.78), _reserve("USDC", 0.8))


def _lending(
    symbol: str, coin: str, kind: Kind, quantity: float, venue: object = "aave:7"
) -> Position:
    instrument = Instrument(venue, symbol, coin, kind)  # type: ignore[arg-type]
    collateral = quantity * SPOTS[coin] if kind is Kind.LENDING_SUPPLY and quantity else None
    return Position(instrument, quantity, collateral_usd=collateral)


def _account(middle: Position, reserves: tuple[ReserveState, ...] = RESERVES) -> VenueSnapshot:
    """Two positions, ``middle``, two more: the bench's account shape around it."""
    positions = (
        _lending("WETH", "ETH", Kind.LENDING_SUPPLY, 2.0),
        _lending("USDC", "USDC", Kind.LENDING_DEBT, -1500.0),
        middle,
        _lending("WBTC", "BTC", Kind.LENDING_SUPPLY, 0.1),
        _lending("WETH", "ETH", Kind.LENDING_DEBT, -0.5),
    )
    return VenueSnapshot("aave:7", NOW, positions=positions, reserves=reserves, marks=SPOTS)


def _one_at_a_time(snapshot: VenueSnapshot) -> tuple[list[risk.Position], object]:
    """The records each position's own class builds, in order, and the error that
    stops them (type and message), if any."""
    records: list[risk.Position] = []
    for position in snapshot.positions:
        instrument = position.instrument
        if not position.quantity or instrument.underlying not in MARKET:
            continue
        ident = f"{instrument.venue}:{instrument.symbol}::{instrument.kind.value}"
        try:
            if instrument.kind is Kind.LENDING_DEBT:
                records.append(
                    LendingDebtPosition(
                        ident, instrument.venue, instrument.underlying,
                        abs(position.quantity), protocol=PROFILE.protocol,
                    )
                )  # fmt: skip
                continue
            threshold = book_builder._threshold(snapshot.reserves, instrument.symbol)
            records.append(
                LendingSupplyPosition(
                    ident, instrument.venue, instrument.underlying, position.quantity,
                    threshold if position.collateral_usd else 0.0, protocol=PROFILE.protocol,
                )
            )  # fmt: skip
        except Exception as error:
            return records, (type(error), str(error))
    return records, None


def _built(snapshot: VenueSnapshot) -> tuple[list[risk.Position], object]:
    records: list[risk.Position] = []
    try:
        book_builder._add_records(snapshot, PROFILE, MARKET, records, {})
    except Exception as error:
        return records, (type(error), str(error))
    return records, None


MIDDLES = {
    "nan quantity": _lending("WBTC", "BTC", Kind.LENDING_SUPPLY, math.nan),
    "nan debt": _lending("USDC", "USDC", Kind.LENDING_DEBT, math.nan),
    "minus zero": _lending("WBTC", "BTC", Kind.LENDING_SUPPLY, -0.0),
    "unknown name": _lending("0xfresh-reserve", "ETH", Kind.LENDING_SUPPLY, 1.0),
    "name with a space": _lending("WETH", "ETH", Kind.LENDING_SUPPLY, 1.0, venue="aave:7 "),
    "non-str venue": _lending("WETH", "ETH", Kind.LENDING_DEBT, -1.0, venue=7),
    "int quantity": _lending("WETH", "ETH", Kind.LENDING_DEBT, -3),  # type: ignore[arg-type]
}


@pytest.mark.parametrize("case", sorted(MIDDLES))
def test_a_position_in_the_middle_is_built_or_refused_as_its_class_would(case) -> None:
    snapshot = _account(MIDDLES[case])
    for _ in range(2):  # names new, then known: the cheap path the second time
        found, expected = _built(snapshot), _one_at_a_time(snapshot)
        assert found == expected
        assert [type(r) for r in found[0]] == [type(r) for r in expected[0]]
    records, error = found
    if case == "minus zero":  # no position: no record
        assert error is None
        assert len(records) == 4
    if case.startswith("nan") or case in ("name with a space", "non-str venue"):
        assert error is not None
        assert len(records) == 2  # the two before it, then refused


def test_a_threshold_over_one_is_refused_after_the_records_before_it() -> None:
    reserves = (*RESERVES[:2], _reserve("USDC", 0.8), _reserve("WBTC", 1.2))
    snapshot = _account(_lending("USDC", "USDC", Kind.LENDING_DEBT, -1.0), reserves)
    records, error = _built(snapshot)
    assert (records, error) == _one_at_a_time(snapshot)
    assert error == (risk.RiskInputError, "liquidation_threshold: must be in [0, 1], got 1.2")
    assert len(records) == 3  # the WBTC supply (the last reserve listed wins) refused


@pytest.mark.parametrize(
    "reserves",
    [
        RESERVES,
        (*RESERVES, _reserve("WETH", 0.9)),  # listed twice: the last wins
        (_reserve("WETH", 0.83),),  # WBTC not listed: threshold 0
        (_reserve(("WBTC",), 0.7), *RESERVES),  # a symbol not a str: each one scanned
        (),
    ],
)
def test_the_thresholds_table_gives_the_scans_threshold(reserves) -> None:
    tables: dict[int, dict[str, float]] = {}
    table = book_builder._threshold_table(reserves, tables)
    assert book_builder._threshold_table(reserves, tables) is table  # once a tick
    for symbol in ("WETH", "WBTC", "USDC", "DAI"):
        found = table.get(symbol, book_builder._threshold(reserves, symbol))
        assert found == book_builder._threshold(reserves, symbol)
    snapshot = _account(_lending("USDC", "USDC", Kind.LENDING_DEBT, -1.0), reserves)
    assert _built(snapshot) == _one_at_a_time(snapshot)


def test_accounts_sharing_their_reserves_share_one_table() -> None:
    records: list[risk.Position] = []
    tables: dict[int, dict[str, float]] = {}
    for _ in range(3):
        book_builder._add_records(
            _account(MIDDLES["unknown name"]), PROFILE, MARKET, records, tables
        )
    assert list(tables) == [id(RESERVES)]
    assert [r.liquidation_threshold for r in records if r.kind is risk.Kind.LENDING_SUPPLY] == [
        0.83,
        0.0,
        0.78,
    ] * 3
