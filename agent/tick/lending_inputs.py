"""The policy input's lending accounts, from lending venues' snapshots (pure).

Every account of one Aave market shares its reserves: the same ``ReserveState`` objects,
in one tuple for all the accounts of a market view (``connectors.evm.aave_v3_snapshot``
hands each account its view's ``reserves``). What depends on the reserves alone - each
reserve's checked facts (``ReserveFacts``), the row of its symbol's amounts, whether a
first supply counts as collateral - is laid out once per tuple a tick (``Market``); each
account then only gathers its amounts into those rows. Reserves in a tuple of their own
still share the facts of the reserve objects seen before.
"""

from __future__ import annotations

import math

from agent.in_flight import InFlightView, lending_changes
from agent.model import HealthKind, Kind, Position, ReserveState, VenueSnapshot
from agent.policy.inputs import (
    Held,
    LendingAccount,
    ReserveFacts,
    held_account,
    held_assets,
    reserve_facts,
)
from agent.tick.hedge_routes import underlying_of

# Each reserve object's facts, checked once a tick: kept by id with the object itself,
# so an entry left by an object since freed (whose id another now has) is never taken.
Facts = dict[int, tuple[ReserveState, ReserveFacts]]


# One reserve of a market, a plain tuple (made for every account of a tick whose
# reserves are its own): its facts (None: refused, the error raised again at its turn in
# each account, after the assets before it, as ever), the row of its symbol's amounts (a
# symbol listed twice has one row), whether a first supply is collateral (LTV > 0), and
# the reserve.
Row = tuple[ReserveFacts | None, int, bool, ReserveState]


class Market:
    """The rows of one tuple of reserves, the same for every account holding it."""

    __slots__ = ("layout", "reserves", "rows", "unchanged")

    def __init__(self, reserves: tuple[ReserveState, ...], known: Facts) -> None:
        self.reserves = reserves  # kept: the markets are found by the tuple's id
        rows: dict[str, int] = {}
        layout: list[Row] = []
        for reserve in reserves:
            row = rows.get(reserve.symbol)
            if row is None:
                row = rows[reserve.symbol] = len(rows)
            layout.append((_checked(reserve, known), row, reserve.ltv > 0, reserve))
        self.rows = rows
        self.layout = tuple(layout)
        self.unchanged = (_NO_CHANGE,) * len(rows)  # per row, the work in flight: none


class LendingAccounts:
    """A tick's lending accounts: each market laid out once, each account its amounts."""

    def __init__(self, known: Facts | None = None) -> None:
        self.known: Facts = {} if known is None else known
        self.markets: dict[int, Market] = {}

    def account(
        self, snapshot: VenueSnapshot, gas_usd: float, view: InFlightView
    ) -> tuple[LendingAccount, bool]:
        """``snapshot``'s account (``lending_account``), and whether it holds anything
        other than lending positions (then the venue's Greeks may need checking)."""
        reserves = snapshot.reserves
        market = self.markets.get(id(reserves))
        if market is None or market.reserves is not reserves:  # its first account
            market = self.markets[id(reserves)] = Market(reserves, self.known)
        return _account(snapshot, market, gas_usd, view)


def lending_account(
    snapshot: VenueSnapshot,
    gas_usd: float,
    view: InFlightView,
    reserves: Facts | None = None,
) -> LendingAccount:
    """A lending venue's snapshot as the health policy reads it, with the work in flight
    netted: per reserve the account's supply, debt, wallet, and what the reserve allows
    (cap room, frozen, paused).

    ``reserves`` keeps each reserve's checked facts by the ``ReserveState`` object for
    the tick's other accounts: a connector hands every account of one market the same
    objects, so their facts are checked and gathered once a tick, not once an account."""
    return LendingAccounts(reserves).account(snapshot, gas_usd, view)[0]


def _account(
    snapshot: VenueSnapshot, market: Market, gas_usd: float, view: InFlightView
) -> tuple[LendingAccount, bool]:
    supplies, debts, wallet, others = _amounts(snapshot, market.rows)
    pending = view.lending_on(snapshot.venue) if view.items else ()
    if pending:
        changes = lending_changes(pending)
        more = tuple(changes.get(symbol, _NO_CHANGE) for symbol in market.rows)
        health = math.inf  # the venue's figure predates them: recomputed from the assets
    else:
        more = market.unchanged
        health = _reported_health(snapshot)
    held: list[Held] = []  # each reserve's facts and amounts: assets in one call
    for facts, row, first_supply_enabled, reserve in market.layout:
        if facts is None:  # refused: after any fault of the assets before it, as ever
            held_assets(held)
            facts = _facts(reserve)  # raises
        supply = supplies[row]
        if supply is None:
            enabled, supplied = first_supply_enabled, 0.0
        else:
            enabled, supplied = (supply.collateral_usd or 0.0) > 0, supply.quantity
        more_supplied, more_debt, more_wallet = more[row]
        supplied += more_supplied  # + 0.0 without work in flight: -0.0 becomes 0.0, as ever
        owed = debts[row] + more_debt
        spare = wallet[row] + more_wallet
        # max(x, 0.0) without the call: NaN passes on to be refused by held_assets
        held.append(
            (
                facts,
                0.0 if supplied < 0.0 else supplied,
                enabled,
                0.0 if owed < 0.0 else owed,
                0.0 if spare < 0.0 else spare,
            )
        )
    return held_account(snapshot.venue, held_assets(held), health, gas_usd), others


def _amounts(
    snapshot: VenueSnapshot, rows: dict[str, int]
) -> tuple[list[Position | None], list[float], list[float], bool]:
    """Per row of ``rows``: the account's supply position, its debt and its wallet (the
    last of a symbol, as a dict by symbol keeps); and whether it holds anything else."""
    supplies: list[Position | None] = [None] * len(rows)
    debts = [0.0] * len(rows)
    wallet = [0.0] * len(rows)
    others = False
    for position in snapshot.positions:  # one pass: 226 accounts a tick in the bench book
        instrument = position.instrument
        kind = instrument.kind
        if kind is _SUPPLY:
            row = rows.get(instrument.symbol)
            if row is not None:
                supplies[row] = position
        elif kind is _DEBT:
            row = rows.get(instrument.symbol)
            if row is not None:
                debts[row] = abs(position.quantity)
        else:
            others = True
    for balance in snapshot.balances:
        row = rows.get(balance.asset)
        if row is not None:
            wallet[row] = balance.amount
    return supplies, debts, wallet, others


def _reported_health(snapshot: VenueSnapshot) -> float:
    """The venue's health factor (inf without debt); with work in flight, the figure
    predates it and the policy recomputes it from the assets instead."""
    for reported in snapshot.health:
        if reported.kind is HealthKind.LENDING:
            return reported.ratio
    return math.inf


def _checked(reserve: ReserveState, known: Facts) -> ReserveFacts | None:
    """The reserve's facts, or None when refused."""
    entry = known.get(id(reserve))
    if entry is None or entry[0] is not reserve:
        try:
            entry = known[id(reserve)] = (reserve, _facts(reserve))
        except ValueError:
            return None
    return entry[1]


def _facts(reserve: ReserveState) -> ReserveFacts:
    symbol = reserve.symbol
    return reserve_facts(
        symbol, reserve.price_usd, reserve.liquidation_threshold, reserve.supply_apr,
        reserve.borrow_apr, reserve.supply_room, reserve.frozen, reserve.paused,
        underlying_of(symbol),
    )  # fmt: skip


_NO_CHANGE = (0.0, 0.0, 0.0)
_SUPPLY, _DEBT = Kind.LENDING_SUPPLY, Kind.LENDING_DEBT
