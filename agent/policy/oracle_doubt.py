"""Lending health while a price feed the protocol uses is in doubt: the health factor the
account will have when the feed catches up.

Aave v3 values collateral and debt with the Chainlink aggregator's latest answer and no
staleness check: ``AaveOracle.getAssetPrice`` returns ``source.latestAnswer()`` and
falls back to another oracle only when that answer is <= 0 (aave/aave-v3-core,
contracts/misc/AaveOracle.sol, commit 0870c221). So while the feed is stale and the
market falls, the protocol's health factor stands still, and it drops in one step in
the block the feed catches up, the block liquidators act in. Its own health factor says
nothing about that step; the venues' prices do.

What the agent does while a feed is in doubt (stale, at a bound, or further from the
venues' consensus than ``limits.max_reference_deviation``; RELIABILITY rows 8 and 9):

- it never acts ON the doubted price: the kill switch degrades (REDUCE_ONLY), the
  problem is alerted, no hedge, margin repair or anything that adds risk goes out
  (the input checks leave no venue usable for them, and the guard refuses risk-adding
  work under REDUCE_ONLY whatever the policy says);
- each lending account priced with the feed is assessed at the WORSE of the protocol's
  price and the venues' consensus for every asset (collateral at the lower, debt at the
  higher: ``at_worse_prices``). Its health factor there is never above the protocol's
  (the worse of two prices per asset), so the health policy, which acts on the lower of
  the protocol's reported health and ours, acts on the health "when the feed catches
  up" in whichever direction the feed is wrong; its static trigger, probability and
  projected-health rules all read that health;
- the only intents that can follow are the health policy's repairs, which supply
  collateral or repay debt (both risk-reducing: ``agent.execution.exposure``), sized
  on those worse prices, and valued for the guard at the venues' consensus (the
  intent's reference price), never at the doubted price;
- realized vol follows the venues' consensus, not the frozen answer (``market_spots``):
  a stale feed's flat line would show no vol through the fall, then one jump;
- status, metrics and the scenario report say, per account, which underlyings are
  priced on the market and why (``Steering.market_priced``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace

from agent.policy.inputs import LendingAccount, LendingAsset, OracleDoubt


def _collateral_like(asset: LendingAsset, collateral_usd: float, debt_usd: float) -> bool:
    """Whether a higher price of ``asset`` raises the account's health factor N / D.

    dHF/dp has the sign of supplied LT e D - debt N (e: counted as collateral), so an
    asset the account does not hold yet counts as collateral (it would be supplied)."""
    if asset.debt <= 0:
        return True
    weight = asset.liquidation_threshold if asset.collateral_enabled else 0.0
    return asset.supplied * weight * debt_usd >= asset.debt * collateral_usd


def at_worse_prices(account: LendingAccount, doubts: Iterable[OracleDoubt]) -> LendingAccount:
    """``account`` with each asset whose underlying's feed is in doubt priced at the worse
    of the protocol's price and the venues' consensus for this account (the lower for
    collateral, the higher for debt; a wallet token it could supply counts as
    collateral, so no repair is sized on the doubted price either). ``market_priced``
    names the doubts that touch what the account holds."""
    return _at_worse_prices(account, {doubt.underlying: doubt for doubt in doubts})


def all_at_worse_prices(
    accounts: Iterable[LendingAccount], doubts: Iterable[OracleDoubt]
) -> tuple[LendingAccount, ...]:
    """``at_worse_prices`` of each account (the doubts by underlying gathered once)."""
    market = {doubt.underlying: doubt for doubt in doubts}
    return tuple(_at_worse_prices(account, market) for account in accounts)


def _at_worse_prices(account: LendingAccount, market: Mapping[str, OracleDoubt]) -> LendingAccount:
    if not market:
        return account
    collateral = math.fsum(
        [
            a.supplied * a.price_usd * a.liquidation_threshold
            for a in account.assets
            if a.collateral_enabled
        ]
    )
    debt = math.fsum([a.debt * a.price_usd for a in account.assets])
    assets, touched, repriced = [], set(), False
    for asset in account.assets:
        doubt = market.get(asset.underlying or "")
        if doubt is None:
            assets.append(asset)
            continue
        repriced = True
        pick = min if _collateral_like(asset, collateral, debt) else max
        assets.append(
            replace(
                asset,
                price_usd=pick(asset.price_usd, doubt.market_usd),
                oracle_price_usd=asset.price_usd,
                market_price_usd=doubt.market_usd,
            )
        )
        if asset.supplied > 0 or asset.debt > 0:
            touched.add(f"{doubt.underlying}: {doubt.problem}")
    if not repriced:
        return account
    return replace(account, assets=tuple(assets), market_priced=tuple(sorted(touched)))


def at_oracle_prices(account: LendingAccount) -> LendingAccount:
    """``account`` at the protocol's own prices again (what its reported health uses)."""
    assets = tuple(
        replace(a, price_usd=a.oracle_price_usd, oracle_price_usd=None, market_price_usd=None)
        if a.oracle_price_usd is not None
        else a
        for a in account.assets
    )
    return replace(account, assets=assets, market_priced=())


def reference_price_usd(asset: LendingAsset) -> float:
    """The price a repair of ``asset`` is valued at for the guard: the venues' consensus
    while its feed is in doubt (never the doubted price), else the protocol's."""
    return asset.price_usd if asset.market_price_usd is None else asset.market_price_usd


def market_spots(spots: Mapping[str, float], doubts: Iterable[OracleDoubt]) -> dict[str, float]:
    """``spots`` (USD per coin) with each doubted underlying at the venues' consensus:
    the prices realized vol is measured on (a stale feed's answer is no price path)."""
    found = dict(spots)
    found.update({d.underlying: d.market_usd for d in doubts if d.underlying in found})
    return found
