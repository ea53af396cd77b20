"""Lending accounts from a market's rows laid out once (``agent.tick.lending_inputs``)
against the accounts read plainly, one dict by symbol and the constructor per reserve:
the same assets whatever the order of the positions, a symbol listed twice, positions
and balances outside the reserves; the same error, for the same first fault, when an
amount or a reserve is refused; a market's accounts found by their tuple, not by a
stale entry."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from agent.in_flight import InFlightView
from agent.model import (
    Balance,
    Health,
    HealthKind,
    Instrument,
    Kind,
    OptionType,
    Position,
    ReserveState,
    VenueSnapshot,
)
from agent.policy.inputs import LendingAccount, LendingAsset
from agent.tick.hedge_routes import underlying_of
from agent.tick.lending_inputs import LendingAccounts, lending_account

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _reserve(symbol: str, price: float, ltv: float = 0.8, room: float = math.inf) -> ReserveState:
    return ReserveState(
        symbol, price, supply_apr=0.01, borrow_apr=0.03, utilization=0.5,
        available_liquidity=1e9, ltv=ltv, liquidation_threshold=0.85, liquidation_bonus=1.05,
        supply_room=room, paused=symbol == "WBTC",
    )  # fmt: skip


def _position(venue: str, symbol: str, kind: Kind, quantity: float, collateral: float) -> Position:
    instrument = Instrument(venue, symbol, underlying_of(symbol), kind)
    return Position(instrument, quantity, collateral_usd=collateral)


def _supply(venue: str, symbol: str, quantity: float, collateral: float = 1.0) -> Position:
    return _position(venue, symbol, Kind.LENDING_SUPPLY, quantity, collateral)


def _debt(venue: str, symbol: str, quantity: float) -> Position:
    return _position(venue, symbol, Kind.LENDING_DEBT, -quantity, 0.0)


def _snapshot(
    venue: str,
    positions: tuple[Position, ...],
    wallet: tuple[tuple[str, float], ...],
    reserves: tuple[ReserveState, ...],
) -> VenueSnapshot:
    health = (Health(venue, HealthKind.LENDING, 1.5, collateral_usd=1.0),)
    balances = tuple(Balance(asset, amount) for asset, amount in wallet)
    return VenueSnapshot(
        venue, NOW, positions=positions, balances=balances, health=health, reserves=reserves
    )


def _plainly(snapshot: VenueSnapshot) -> LendingAccount:
    """The account as the policy input read it before its markets were laid out: dicts
    by symbol (the last position of a symbol kept), the constructor per reserve."""
    supplied = {
        p.instrument.symbol: p
        for p in snapshot.positions
        if p.instrument.kind is Kind.LENDING_SUPPLY
    }
    debts = {
        p.instrument.symbol: abs(p.quantity)
        for p in snapshot.positions
        if p.instrument.kind is Kind.LENDING_DEBT
    }
    wallet = {b.asset: b.amount for b in snapshot.balances}
    assets = []
    for r in snapshot.reserves:
        supply = supplied.get(r.symbol)
        enabled = r.ltv > 0 if supply is None else (supply.collateral_usd or 0.0) > 0
        held = (0.0 if supply is None else supply.quantity) + 0.0
        assets.append(
            LendingAsset(
                r.symbol, r.price_usd, r.liquidation_threshold, max(held, 0.0), enabled,
                max(debts.get(r.symbol, 0.0) + 0.0, 0.0), max(wallet.get(r.symbol, 0.0) + 0.0, 0.0),
                r.supply_apr, r.borrow_apr, r.supply_room, r.frozen, r.paused,
                underlying_of(r.symbol),
            )
        )  # fmt: skip
    return LendingAccount(snapshot.venue, tuple(assets), 1.5, 2.0)


WETH, USDC, WBTC = _reserve("WETH", 3000.0), _reserve("USDC", 1.0), _reserve("WBTC", 6e4, 0.0)
MARKET = (WETH, USDC, WBTC)
TWICE = (WETH, USDC, _reserve("WETH", 3001.0, ltv=0.0))  # WETH listed twice


def _cases(venue: str) -> list[VenueSnapshot]:
    return [
        # the connector's order: per reserve its supply, then its debt; a wallet each
        _snapshot(
            venue,
            (_supply(venue, "WETH", 2.0), _debt(venue, "WETH", 0.1), _debt(venue, "USDC", 5.0)),
            (("WETH", 0.5), ("USDC", 7.0), ("WBTC", 0.0)),
            MARKET,
        ),
        # any order; a symbol twice (the last kept); a token no reserve lists; -0.0
        _snapshot(
            venue,
            (
                _debt(venue, "USDC", 5.0),
                _supply(venue, "WBTC", 0.1, 0.0),
                _supply(venue, "DAI", 9.0),
                _supply(venue, "WETH", 2.0),
                _supply(venue, "WETH", 3.0, 0.0),
                _debt(venue, "DAI", 1.0),
            ),
            (("DAI", 4.0), ("USDC", -0.0), ("USDC", 3.0), ("WETH", -0.0)),
            MARKET,
        ),
        # a reserve listed twice: each of its assets reads the symbol's amounts
        _snapshot(
            venue,
            (_supply(venue, "USDC", 10.0), _debt(venue, "WETH", 0.2)),
            (("WETH", 1.0),),
            TWICE,
        ),
        # amounts under zero (a supply, a wallet), each kept at 0.0 as ever; a debt of
        # either sign counts by its size
        _snapshot(
            venue,
            (_supply(venue, "WETH", -1.0), _debt(venue, "USDC", -5.0)),
            (("WETH", -2.0), ("USDC", 1.0)),
            MARKET,
        ),
        # nothing held at all
        _snapshot(venue, (), (), MARKET),
    ]


def test_every_account_is_the_one_read_plainly() -> None:
    accounts = LendingAccounts()  # one tick: the markets laid out at their first account
    view = InFlightView()
    for venue in ("aave:1", "aave:2"):
        for snapshot in _cases(venue):
            found, others = accounts.account(snapshot, 2.0, view)
            assert found == _plainly(snapshot)
            assert [repr(a) for a in found.assets] == [repr(a) for a in _plainly(snapshot).assets]
            assert others is any(
                p.instrument.kind not in (Kind.LENDING_SUPPLY, Kind.LENDING_DEBT)
                for p in snapshot.positions
            )
    assert len(accounts.markets) == 2  # one layout per tuple of reserves


def test_whole_numbers_become_the_floats_they_became_before() -> None:
    # amounts given as ints (the model says float; nothing enforces it): each asset's
    # amount is still the float ``x + 0.0`` made of it, not the int itself
    venue = "aave:1"
    snapshot = _snapshot(
        venue, (_supply(venue, "WETH", 2), _debt(venue, "USDC", 5)), (("USDC", 7),), MARKET
    )
    found, _ = LendingAccounts().account(snapshot, 2.0, InFlightView())
    assert [repr(a) for a in found.assets] == [repr(a) for a in _plainly(snapshot).assets]
    assert found.asset("WETH").supplied.__class__ is float
    assert found.asset("USDC").debt.__class__ is float
    assert found.asset("USDC").wallet.__class__ is float


def test_an_account_holding_more_than_loans_says_so() -> None:
    expiry = datetime(2026, 6, 26, 8, 0, tzinfo=UTC)
    option = Instrument(
        "aave:1", "ETH-26JUN26-3000-C", "ETH", Kind.OPTION, option_type=OptionType.CALL,
        strike=3000.0, expiry=expiry,
    )  # fmt: skip
    snapshot = _snapshot(
        "aave:1", (_supply("aave:1", "WETH", 1.0), Position(option, 1.0)), (), MARKET
    )
    found, others = LendingAccounts().account(snapshot, 2.0, InFlightView())
    assert others
    assert found == _plainly(snapshot)


def _error(call: object) -> str:
    assert callable(call)
    with pytest.raises(ValueError, match="must") as raised:
        call()
    return str(raised.value)


BROKEN = (WETH, _reserve("USDC", math.nan), _reserve("WBTC", 6e4, room=-1.0))


@pytest.mark.parametrize(
    ("positions", "wallet", "reserves"),
    [
        ((), (("WETH", math.nan),), BROKEN),  # WETH's amount, before USDC's price
        ((_supply("aave:1", "WETH", 1.0),), (), BROKEN),  # USDC's price
        ((_debt("aave:1", "WETH", math.nan),), (), MARKET),
        ((_supply("aave:1", "USDC", math.nan),), (("USDC", -1.0),), MARKET),
        ((_debt("aave:1", "WBTC", 1.0),), (), (WETH, USDC, BROKEN[2])),  # WBTC's cap room
        ((_supply("aave:1", "WBTC", math.inf),), (), (WETH, USDC, BROKEN[2])),
    ],
)
def test_the_first_fault_is_refused_as_ever(
    positions: tuple[Position, ...],
    wallet: tuple[tuple[str, float], ...],
    reserves: tuple[ReserveState, ...],
) -> None:
    snapshot = _snapshot("aave:1", positions, wallet, reserves)
    expected = _error(lambda: _plainly(snapshot))
    accounts = LendingAccounts()
    for _ in range(2):  # the market's first account, then one laid out before
        assert _error(lambda: accounts.account(snapshot, 2.0, InFlightView())) == expected
    assert _error(lambda: lending_account(snapshot, 2.0, InFlightView())) == expected


def test_a_market_is_found_by_its_tuple_not_by_a_stale_entry() -> None:
    accounts = LendingAccounts()
    first = _snapshot("aave:1", (_supply("aave:1", "WETH", 1.0),), (), MARKET)
    accounts.account(first, 2.0, InFlightView())
    # an entry left under the id of a tuple since freed, which another tuple now has
    moved = (_reserve("WETH", 1500.0), USDC, WBTC)
    accounts.markets[id(moved)] = accounts.markets[id(MARKET)]
    again = _snapshot("aave:1", (_supply("aave:1", "WETH", 1.0),), (), moved)
    found, _ = accounts.account(again, 2.0, InFlightView())
    assert found == _plainly(again)
    assert found.assets[0].price_usd == 1500.0
