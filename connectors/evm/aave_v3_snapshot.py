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
    noted: Noted,
) -> VenueSnapshot:
    """The snapshot of ``account`` (its figures per asset in ``assets``' order, which is
    the view's) read at ``block``; each asset's allowance and debts go to ``noted``."""
    positions: list[Position] = []
    balances: list[Balance] = []
    supplied, collateral, wallets = account.supplied, account.collateral, account.wallet
    stables, variables = account.stable_debt, account.variable_debt
    for index, (asset, price) in enumerate(zip(assets, view.prices, strict=True)):
        symbol, scale = asset.symbol, asset.scale
        noted.allowances[symbol] = account.allowance[index]
        stable = stables[index]
        debt = variables[index] + stable
        noted.debts[symbol] = debt
        noted.stable_debts[symbol] = stable
        if supplied[index]:
            amount = supplied[index] / scale
            value = amount * price if collateral[index] else 0.0
            positions.append(Position(asset.supply, amount, mark_price=price, collateral_usd=value))
        if debt:
            positions.append(Position(asset.debt, -(debt / scale), mark_price=price))
        if wallets[index]:
            wallet = wallets[index] / scale
            balances.append(Balance(symbol, wallet, wallet * price))
        else:  # 0 / scale: the view's own, the same for every account
            balances.append(view.empty_wallets[index])
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
