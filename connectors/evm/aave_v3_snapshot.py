"""One Aave account's snapshot: its figures (``aave_v3_account``, read in full or
computed) beside its market's view (``aave_v3_reserves.MarketView``, shared by every
account of the same e-mode), with what only the connector's plan changes made once
(``AssetFacts``: the instruments and each token's units), not once per account a tick.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass

from agent.model import Balance, Health, Instrument, Kind, Position, VenueSnapshot
from agent.ports import BlockRef
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
    symbols: Sequence[str],
    noted: Noted,
) -> VenueSnapshot:
    """The snapshot of ``account`` (its figures per asset in ``assets``' order, which is
    the view's; ``symbols``: theirs) read at ``block``; each asset's allowance and debts
    go to ``noted``."""
    stables = account.stable_debt
    debts = account.variable_debt
    if any(stables):
        debts = tuple([variable + stable for variable, stable in zip(debts, stables, strict=True)])
    noted.allowances.update(zip(symbols, account.allowance, strict=True))
    noted.debts.update(zip(symbols, debts, strict=True))
    noted.stable_debts.update(zip(symbols, stables, strict=True))
    positions: list[Position] = []
    for asset, price, held, collateral, debt in zip(
        assets, view.prices, account.supplied, account.collateral, debts, strict=True
    ):
        if held:
            amount = held / asset.scale
            value = amount * price if collateral else 0.0
            positions.append(Position(asset.supply, amount, mark_price=price, collateral_usd=value))
        if debt:
            positions.append(Position(asset.debt, -(debt / asset.scale), mark_price=price))
    balances: list[Balance] = []
    for symbol, asset, price, wallet, empty in zip(
        symbols, assets, view.prices, account.wallet, view.empty_wallets, strict=True
    ):
        if wallet:
            amount = wallet / asset.scale
            balances.append(Balance(symbol, amount, amount * price))
        else:  # 0 / scale: the view's own, the same for every account
            balances.append(empty)
    return VenueSnapshot(
        venue=venue,
        observed_at=block_time(block),
        positions=tuple(positions),
        balances=tuple(balances),
        health=(Health.from_aave_account_data(venue, account.account_data),),
        marks=view.marks,  # copied by the snapshot
        rates=view.rates,
        reserves=view.reserves,
        block_number=block.number,
    )
