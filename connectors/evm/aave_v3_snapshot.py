"""One Aave account's snapshot: its figures (``aave_v3_account``, read in full or
computed) beside its market's view (``aave_v3_reserves.MarketView``, shared by every
account of the same e-mode), with what only the connector's plan changes made once
(``AssetFacts``: the instruments and each token's units), not once per account a tick.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from agent.model import (
    Balance,
    Health,
    Instrument,
    Kind,
    Position,
    VenueSnapshot,
)
from agent.ports import BlockRef
from agent.slots import draft_class
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
        (Health.from_aave_account_data(venue, account.account_data),),
        view,
        block.number,
    )


# The snapshot's records by the hundred a tick (an account's positions, its snapshot),
# filled as drafts of their slots (``agent.slots``) with what their classes' ``__init__``
# would set: tests/unit/evm/test_aave_snapshot_records.py compares them with the classes'.
_new = object.__new__
_PositionDraft = draft_class(Position)
_SnapshotDraft = draft_class(VenueSnapshot)
_NOTHING: MappingProxyType[str, str] = MappingProxyType({})  # read-only: safe to share


def _position(
    instrument: Instrument, quantity: float, price: float, collateral_usd: float | None
) -> Position:
    """``Position(instrument, quantity, mark_price=price, collateral_usd=collateral_usd)``."""
    position = _new(_PositionDraft)
    position.instrument, position.quantity, position.mark_price = instrument, quantity, price
    position.collateral_usd = collateral_usd
    position.entry_price = position.liquidation_price = position.unrealized_pnl_usd = None
    position.accrued_fees_usd = position.venue_greeks = position.mark_iv = None
    position.position_id = None
    position.__class__ = Position
    return position  # type: ignore[no-any-return]


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
    reserves=view.reserves, block_number=block_number)``, its mappings read-only as its
    ``__post_init__`` makes them: the view's marks (frozen once, shared by its accounts)
    and one empty mapping for the flags and settings (hundreds of snapshots a tick)."""
    snapshot = _new(_SnapshotDraft)
    snapshot.venue, snapshot.observed_at, snapshot.block_number = venue, observed_at, block_number
    snapshot.positions, snapshot.balances, snapshot.health = positions, balances, health
    snapshot.marks = view.marks  # frozen once for every account of the view
    snapshot.rates, snapshot.reserves = view.rates, view.reserves
    snapshot.quotes = snapshot.oracles = snapshot.pending = ()
    snapshot.flags = snapshot.settings = _NOTHING
    snapshot.__class__ = VenueSnapshot
    return snapshot  # type: ignore[no-any-return]
