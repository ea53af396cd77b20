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
from typing import Any

from agent.in_flight import InFlightView, lending_changes
from agent.model import Balance, HealthKind, Kind, Position, ReserveState, VenueSnapshot
from agent.policy.inputs import (
    LendingAccount,
    LendingAsset,
    ReserveFacts,
    refuse_amounts,
    reserve_facts,
)
from agent.slots import draft_class
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

    __slots__ = ("debts", "layout", "nothing", "reserves", "rows", "unchanged", "wallets")

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
        # An account's supply positions, debt positions and wallet balances lie in one
        # list (``_found``): a row's supply at the row, its debt ``debts`` further on,
        # its balance ``wallets`` further on.
        self.debts, self.wallets = len(rows), 2 * len(rows)
        self.nothing: list[Any] = [None] * (3 * len(rows))
        self.unchanged = (_NO_CHANGE,) * len(rows)  # per row, the work in flight: none


class LendingAccounts:
    """A tick's lending accounts: each market laid out once, each account its amounts."""

    def __init__(self, known: Facts | None = None) -> None:
        self.known: Facts = {} if known is None else known
        self.markets: dict[int, Market] = {}
        self.last: Market | None = None

    def account(
        self, snapshot: VenueSnapshot, gas_usd: float, view: InFlightView
    ) -> tuple[LendingAccount, bool]:
        """``snapshot``'s account (``lending_account``), and whether it holds anything
        other than lending positions (then the venue's Greeks may need checking)."""
        reserves = snapshot.reserves
        market = self.last
        if market is None or market.reserves is not reserves:  # not the last account's
            market = self.markets.get(id(reserves))
            if market is None or market.reserves is not reserves:  # its first account
                market = self.markets[id(reserves)] = Market(reserves, self.known)
            self.last = market
        found, others, health = _found(snapshot, market)
        debts, wallets = market.debts, market.wallets  # where a row's debt and wallet lie
        pending = view.lending_on(snapshot.venue) if view.items else ()
        more = market.unchanged
        if pending:
            changes = lending_changes(pending)
            more = tuple(changes.get(symbol, _NO_CHANGE) for symbol in market.rows)
            health = math.inf  # the venue's figure predates them: recomputed from the assets
        assets = []
        for facts, row, first_supply_enabled, reserve in market.layout:
            if facts is None:  # refused: after any fault of the assets before it, as ever
                facts = _facts(reserve)  # raises
            supply: Position | None = found[row]
            if supply is None:
                enabled, supplied = first_supply_enabled, 0.0
            else:
                enabled, supplied = (supply.collateral_usd or 0.0) > 0, supply.quantity
            debt: Position | None = found[debts + row]
            balance: Balance | None = found[wallets + row]
            more_supplied, more_debt, more_wallet = more[row]
            supplied += more_supplied  # + 0.0 without work in flight: -0.0 becomes 0.0, as ever
            owed = (0.0 if debt is None else abs(debt.quantity)) + more_debt
            spare = (0.0 if balance is None else balance.amount) + more_wallet
            room = facts[5]
            if not (supplied >= 0.0 and owed >= 0.0 and spare >= 0.0 and room >= 0.0):
                # max(x, 0.0) without the call, only where one is under 0 (or NaN): a NaN
                # passes on to be refused, the first bad one named
                supplied = 0.0 if supplied < 0.0 else supplied
                owed = 0.0 if owed < 0.0 else owed
                spare = 0.0 if spare < 0.0 else spare
                if not (supplied >= 0 and owed >= 0 and spare >= 0 and room >= 0):
                    refuse_amounts(facts[0], supplied, owed, spare, room)
            asset = _new(_AssetDraft)  # LendingAsset(...) field for field (agent.slots)
            (
                asset.symbol, asset.price_usd, asset.liquidation_threshold, asset.supply_apr,
                asset.borrow_apr, asset.supply_room, asset.frozen, asset.paused, asset.underlying,
            ) = facts  # fmt: skip
            asset.supplied = supplied
            asset.collateral_enabled = enabled
            asset.debt = owed
            asset.wallet = spare
            asset.oracle_price_usd = None
            asset.market_price_usd = None
            asset.__class__ = LendingAsset
            assets.append(asset)
        account = _new(_AccountDraft)  # LendingAccount(...) field for field
        account.venue, account.assets = snapshot.venue, tuple(assets)
        account.health_factor, account.gas_usd = health, gas_usd
        account.account, account.market_priced = None, ()
        account.__class__ = LendingAccount
        return account, others


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


def _found(snapshot: VenueSnapshot, market: Market) -> tuple[list[Any], bool, float]:
    """Per row of ``market``: the account's supply position, then (from
    ``market.debts``) its debt position and (from ``market.wallets``) its wallet balance,
    the last of a symbol kept as a dict by symbol keeps; whether it holds anything other
    than lending positions; and the venue's health factor (inf without debt). One list
    an account, no amounts copied."""
    found = market.nothing.copy()
    rows, debts = market.rows, market.debts
    others = False
    for position in snapshot.positions:  # one pass: 226 accounts a tick in the bench book
        instrument = position.instrument
        kind = instrument.kind
        if kind is _SUPPLY:
            at = 0
        elif kind is _DEBT:
            at = debts
        else:
            others = True
            continue
        try:  # dict.get without its call
            found[at + rows[instrument.symbol]] = position
        except KeyError:  # a token no reserve lists: left out
            continue
    wallets = market.wallets
    for balance in snapshot.balances:
        try:
            found[wallets + rows[balance.asset]] = balance
        except KeyError:
            continue
    for reported in snapshot.health:
        if reported.kind is _LENDING:
            return found, others, reported.ratio
    return found, others, math.inf


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
_AssetDraft = draft_class(LendingAsset)  # filled by ``_account``, then a LendingAsset
_AccountDraft = draft_class(LendingAccount)  # filled by ``_account``: hundreds a tick
_new = object.__new__
_SUPPLY, _DEBT, _LENDING = Kind.LENDING_SUPPLY, Kind.LENDING_DEBT, HealthKind.LENDING
