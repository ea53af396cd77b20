"""One Aave account's snapshot: its figures (``aave_v3_account``, read in full or
computed) beside its market's view (``aave_v3_reserves.MarketView``, shared by every
account of the same e-mode), with what only the connector's plan changes made once
(``AssetFacts``: the instruments and each token's units), not once per account a tick.
"""

from __future__ import annotations

import math
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from agent.model import (
    Balance,
    Health,
    HealthKind,
    Instrument,
    Kind,
    Position,
    VenueSnapshot,
)
from agent.ports import BlockRef
from agent.slots import slot_setters
from connectors.evm.aave_v3_account import AccountFigures
from connectors.evm.aave_v3_reserves import MarketView
from connectors.evm.tokens import TokenConfig
from connectors.evm.venue import block_time


@dataclass(frozen=True, slots=True)
class AssetFacts:
    """One asset of an account's connector: its units per token (``TokenConfig.
    from_units`` divides by them) and its instruments (immutable: made once)."""

    symbol: str
    scale: int
    supply: Instrument
    debt: Instrument

    @classmethod
    def of(cls, venue: str, asset: TokenConfig) -> AssetFacts:
        supply, debt = (
            Instrument(venue=venue, symbol=asset.symbol, underlying=asset.underlying, kind=kind)
            for kind in (Kind.LENDING_SUPPLY, Kind.LENDING_DEBT)
        )
        return cls(asset.symbol, 10**asset.decimals, supply, debt)


@dataclass(frozen=True, slots=True)
class Noted:
    """What the connector keeps of the account's last snapshot for its intents, by asset
    symbol (raw units): allowance to the Pool, debt (variable + stable), stable debt."""

    allowances: MutableMapping[str, int]
    debts: MutableMapping[str, int]
    stable_debts: MutableMapping[str, int]


def account_snapshot(
    venue: str,
    block: BlockRef,
    account: AccountFigures,
    view: MarketView,
    assets: Sequence[AssetFacts],
    noted: Noted,
) -> VenueSnapshot:
    """The snapshot of ``account`` (its figures per asset in ``assets``' order, which is
    the view's) read at ``block``; each asset's allowance and debts go to ``noted``."""
    positions: list[Position] = []
    balances: list[Balance] = []
    supplied, collateral, wallets = account.supplied, account.collateral, account.wallet
    stables, variables = account.stable_debt, account.variable_debt
    allowances, debts, stable_debts = noted.allowances, noted.debts, noted.stable_debts
    for index, (asset, price) in enumerate(zip(assets, view.prices, strict=True)):
        symbol, scale = asset.symbol, asset.scale
        allowances[symbol] = account.allowance[index]
        stable = stables[index]
        debt = variables[index] + stable
        debts[symbol] = debt
        stable_debts[symbol] = stable
        if supplied[index]:
            amount = supplied[index] / scale
            value = amount * price if collateral[index] else 0.0
            positions.append(_position(asset.supply, amount, price, value))
        if debt:
            positions.append(_position(asset.debt, -(debt / scale), price, None))
        if wallets[index]:
            wallet = wallets[index] / scale
            balances.append(Balance(symbol, wallet, wallet * price))
        else:  # 0 / scale: the view's own, the same for every account
            balances.append(view.empty_wallets[index])
    return _snapshot(
        venue,
        block_time(block),
        tuple(positions),
        tuple(balances),
        (_health(venue, account.account_data),),
        view,
        block.number,
    )


# The snapshot's records by the hundred a tick (an account's positions, its snapshot),
# their slots laid directly as their classes' ``__init__`` would lay them (``agent.slots``:
# a field added to or moved in a class stops the import until it is laid here too).
_new = object.__new__
_POSITION = slot_setters(
    Position, "instrument", "quantity", "entry_price", "mark_price", "liquidation_price",
    "collateral_usd", "unrealized_pnl_usd", "accrued_fees_usd", "venue_greeks", "mark_iv",
    "position_id",
)  # fmt: skip
_HEALTH = slot_setters(
    Health, "venue", "kind", "ratio", "collateral_usd", "debt_usd", "equity_usd",
    "maintenance_margin_usd", "initial_margin_usd", "liquidation_threshold", "ltv",
    "available_borrow_usd", "account",
)  # fmt: skip
_SNAPSHOT = slot_setters(
    VenueSnapshot, "venue", "observed_at", "positions", "balances", "health", "marks",
    "quotes", "rates", "oracles", "reserves", "block_number", "flags", "settings", "pending",
)  # fmt: skip


def _position(
    instrument: Instrument, quantity: float, price: float, collateral_usd: float | None
) -> Position:
    """``Position(instrument, quantity, mark_price=price, collateral_usd=collateral_usd)``."""
    position = _new(Position)
    (
        set_instrument, set_quantity, set_entry, set_mark, set_liquidation, set_collateral,
        set_pnl, set_fees, set_greeks, set_iv, set_id,
    ) = _POSITION  # fmt: skip
    set_instrument(position, instrument)
    set_quantity(position, quantity)
    set_entry(position, None)
    set_mark(position, price)
    set_liquidation(position, None)
    set_collateral(position, collateral_usd)
    set_pnl(position, None)
    set_fees(position, None)
    set_greeks(position, None)
    set_iv(position, None)
    set_id(position, None)
    return position


def _health(venue: str, account_data: tuple[int, int, int, int, int, int]) -> Health:
    """``Health.from_aave_account_data(venue, account_data)``: the same figures from
    ``getUserAccountData``'s six (base currency in 8 decimals, bps, the factor in wad)."""
    collateral, debt, available, threshold_bps, ltv_bps, health_wad = account_data
    health = _new(Health)
    (
        set_venue, set_kind, set_ratio, set_collateral, set_debt, set_equity, set_maintenance,
        set_initial, set_threshold, set_ltv, set_available, set_account,
    ) = _HEALTH  # fmt: skip
    set_venue(health, venue)
    set_kind(health, HealthKind.LENDING)
    set_ratio(health, math.inf if debt == 0 else health_wad / 10**18)
    set_collateral(health, collateral / 10**8)
    set_debt(health, debt / 10**8)
    set_equity(health, None)
    set_maintenance(health, None)
    set_initial(health, None)
    set_threshold(health, threshold_bps / 10_000)
    set_ltv(health, ltv_bps / 10_000)
    set_available(health, available / 10**8)
    set_account(health, None)
    return health


def _snapshot(
    venue: str,
    observed_at: datetime,
    positions: tuple[Position, ...],
    balances: tuple[Balance, ...],
    health: tuple[Health, ...],
    view: MarketView,
    block_number: int,
) -> VenueSnapshot:
    """``VenueSnapshot(venue=venue, observed_at=observed_at, positions=positions,
    balances=balances, health=health, marks=view.marks, rates=view.rates,
    reserves=view.reserves, block_number=block_number)``, its mappings frozen as its
    ``__post_init__`` freezes them: each a copy of its own, read-only."""
    snapshot = _new(VenueSnapshot)
    (
        set_venue, set_observed, set_positions, set_balances, set_health, set_marks,
        set_quotes, set_rates, set_oracles, set_reserves, set_block, set_flags, set_settings,
        set_pending,
    ) = _SNAPSHOT  # fmt: skip
    set_venue(snapshot, venue)
    set_observed(snapshot, observed_at)
    set_positions(snapshot, positions)
    set_balances(snapshot, balances)
    set_health(snapshot, health)
    set_marks(snapshot, MappingProxyType(dict(view.marks)))
    set_quotes(snapshot, ())
    set_rates(snapshot, view.rates)
    set_oracles(snapshot, ())
    set_reserves(snapshot, view.reserves)
    set_block(snapshot, block_number)
    set_flags(snapshot, MappingProxyType({}))
    set_settings(snapshot, MappingProxyType({}))
    set_pending(snapshot, ())
    return snapshot
