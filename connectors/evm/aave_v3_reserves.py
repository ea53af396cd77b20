"""One Aave v3 reserve as the account sees it: rates, cash, caps, flags, e-mode.

Decoded from ``AaveProtocolDataProvider`` (aave-v3-core v1.19, contracts/misc/
AaveProtocolDataProvider.sol): ``getReserveData`` (accruedToTreasuryScaled, totalAToken,
totalStableDebt, totalVariableDebt, rates in ray, liquidityIndex, ...),
``getReserveConfigurationData`` (LTV, threshold and bonus in basis points, isActive,
isFrozen), ``getReserveCaps`` (whole tokens, 0 = none) and ``getPaused``.

Every account of a market reads the same reserve calls, which the batch makes once and
shares: ``reserve_read`` decodes each reserve once per tick for all of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from agent.model import Balance, Rate, ReserveState
from agent.ports import CallResult
from connectors.evm.aave_v3_local import EModeRisk, ReserveFigures, reserve_figures
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20, TokenConfig
from connectors.evm.venue import require

RAY = 10**27
DATA_PROVIDER = ContractAbi.load("IPoolDataProvider")
POOL = ContractAbi.load("IPool")
ORACLE = ContractAbi.load("IAaveOracle")


@dataclass(frozen=True, slots=True)
class EModeCategory:
    """Pool.getEModeCategoryData: risk parameters (basis points) inside category ``id``."""

    id: int
    ltv_bps: int
    liquidation_threshold_bps: int
    liquidation_bonus_bps: int


def reserve_state(
    asset: TokenConfig,
    data: Sequence[Any],
    config: Sequence[Any],
    caps: Sequence[int],
    paused: bool,
    price_usd: float,
    cash: int,
    category: EModeCategory | None,
) -> ReserveState:
    """The reserve from its decoded views; ``cash`` is underlying.balanceOf(aToken) and
    ``category`` the account's e-mode category when the reserve belongs to it."""
    borrow_cap, supply_cap = caps
    total_supply, total_debt = data[2], data[3] + data[4]
    # The supply cap counts the treasury's accrued share too (ValidationLogic.
    # validateSupply: (scaled supply + accruedToTreasury) x index + amount <= cap).
    treasury = data[1] * data[9] // RAY
    ltv, threshold, bonus = config[1], config[2], config[3]
    if category is not None:
        ltv = category.ltv_bps
        threshold = category.liquidation_threshold_bps
        bonus = category.liquidation_bonus_bps
    return ReserveState(
        symbol=asset.symbol,
        price_usd=price_usd,
        supply_apr=data[5] / RAY,
        borrow_apr=data[6] / RAY,
        # DefaultReserveInterestRateStrategy: borrow usage = debt / (cash + debt).
        utilization=total_debt / (cash + total_debt) if cash + total_debt else 0.0,
        available_liquidity=asset.from_units(cash),
        ltv=ltv / 10_000,
        liquidation_threshold=threshold / 10_000,
        liquidation_bonus=bonus / 10_000,
        supply_room=_room(supply_cap, asset.from_units(total_supply + treasury)),
        borrow_room=_room(borrow_cap, asset.from_units(total_debt)),
        frozen=bool(config[9]),
        paused=paused or not config[8],  # an inactive reserve does nothing either
        emode_category=0 if category is None else category.id,
    )


def _room(cap_whole_tokens: int, used: float) -> float:
    """What a cap (whole tokens; 0 means none) still admits, in tokens."""
    return math.inf if cap_whole_tokens == 0 else max(cap_whole_tokens - used, 0.0)


@dataclass(frozen=True, slots=True)
class ReserveRead:
    """A reserve's side of one read, the same for every account of the market."""

    reserve: ReserveState
    rates: tuple[Rate, Rate]  # supply, borrow


# Every account of a market reads the same reserve figures in one batch (the batch makes
# each call once and shares its result), so each reserve is decoded once per tick for
# all of them: keyed by the exact bytes returned, the reserve and the account's e-mode
# category, which is all ``reserve_state`` depends on.
_RESERVES: dict[tuple[object, ...], ReserveRead] = {}
_RESERVES_KEPT = 256
_RESERVE_RESULTS = range(6)  # of an asset's market calls: the reserve's own views


def reserve_read(
    asset: TokenConfig, results: Sequence[CallResult], category: EModeCategory | None
) -> ReserveRead:
    """The reserve's side of an asset's ``results`` (its market calls in
    ``AaveV3Connector.plan``: the data provider's reserve data, configuration, caps and
    paused flag, the oracle's price and the aToken's cash, every one succeeded), decoded
    once per distinct reply."""
    key = (asset, category, *(results[index].data for index in _RESERVE_RESULTS))
    found = _RESERVES.get(key)
    if found is None:
        if len(_RESERVES) >= _RESERVES_KEPT:
            _RESERVES.clear()
        found = _RESERVES[key] = _decode(asset, results, category)
    return found


def _decode(
    asset: TokenConfig, results: Sequence[CallResult], category: EModeCategory | None
) -> ReserveRead:
    what = asset.symbol
    data = DATA_PROVIDER.decode("getReserveData", results[0].data)
    config = DATA_PROVIDER.decode("getReserveConfigurationData", results[1].data)
    caps = DATA_PROVIDER.decode("getReserveCaps", results[2].data)
    paused = DATA_PROVIDER.decode_one("getPaused", results[3].data)
    price = ORACLE.decode_one("getAssetPrice", results[4].data) / 10**8
    cash = ERC20.decode_one("balanceOf", results[5].data)
    reserve = reserve_state(asset, data, config, caps, bool(paused), price, cash, category)
    rates = (Rate(what, "supply", reserve.supply_apr), Rate(what, "borrow", reserve.borrow_apr))
    return ReserveRead(reserve, rates)


def emode_read(
    results: Sequence[CallResult], numbers: Sequence[int]
) -> tuple[dict[int, EModeCategory], dict[int, EModeRisk]]:
    """``Pool.getEModeCategoryData`` of each category in ``numbers`` (``results`` in that
    order): for the reserves' view, and for ``aave_v3_local`` (with the price source)."""
    categories: dict[int, EModeCategory] = {}
    risks: dict[int, EModeRisk] = {}
    for offset, number in enumerate(numbers):
        (data,) = POOL.decode("getEModeCategoryData", require(results[offset], f"e-mode {number}"))
        categories[number] = EModeCategory(number, data[0], data[1], data[2])
        risks[number] = EModeRisk(data[0], data[1], int(data[3], 16))
    return categories, risks


_FIGURES: dict[tuple[bytes, ...], ReserveFigures] = {}


def market_figures(results: Sequence[CallResult]) -> ReserveFigures:
    """An asset's market calls' ``results`` (every one succeeded) as ``aave_v3_local``
    takes them: the oracle's price (fifth), ``Pool.getReserveData`` and the two
    normalized indexes (the last three); decoded once per distinct reply, as
    ``reserve_read``."""
    key = tuple(results[index].data for index in (4, 6, 7, 8))
    found = _FIGURES.get(key)
    if found is None:
        if len(_FIGURES) >= _RESERVES_KEPT:
            _FIGURES.clear()
        found = _FIGURES[key] = _figures(results)
    return found


def _figures(results: Sequence[CallResult]) -> ReserveFigures:
    return reserve_figures(
        POOL.decode("getReserveData", results[6].data)[0],
        ORACLE.decode_one("getAssetPrice", results[4].data),
        POOL.decode_one("getReserveNormalizedIncome", results[7].data),
        POOL.decode_one("getReserveNormalizedVariableDebt", results[8].data),
    )


@dataclass(frozen=True, slots=True)
class MarketView:
    """The reserves as the accounts of one e-mode category see them, for one tick."""

    reads: tuple[ReserveRead, ...]
    reserves: tuple[ReserveState, ...]
    rates: tuple[Rate, ...]
    marks: Mapping[str, float]  # frozen: every account's snapshot of the view shares it
    prices: tuple[float, ...]  # each reserve's price_usd
    empty_wallets: tuple[Balance, ...]  # each asset's balance of a wallet holding none

    def __post_init__(self) -> None:
        object.__setattr__(self, "marks", MappingProxyType(dict(self.marks)))


def market_view(
    assets: Sequence[TokenConfig],
    emodes: Sequence[int],
    categories: dict[int, EModeCategory],
    per_asset: Sequence[Sequence[CallResult]],
) -> MarketView:
    """The reserves as an account sees them: ``emodes`` is its e-mode category, then each
    asset's; ``per_asset`` each asset's market results, as ``reserve_read`` takes them."""
    user_emode, *asset_emodes = emodes
    reads = []
    for asset, emode, part in zip(assets, asset_emodes, per_asset, strict=True):
        applies = user_emode != 0 and emode == user_emode
        reads.append(reserve_read(asset, part, categories.get(user_emode) if applies else None))
    marks: dict[str, float] = {}
    empty = []
    for asset, market in zip(assets, reads, strict=True):
        marks.setdefault(asset.underlying, market.reserve.price_usd)
        empty.append(Balance(asset.symbol, 0.0, 0.0 * market.reserve.price_usd))
    return MarketView(
        tuple(reads),
        tuple(market.reserve for market in reads),
        tuple(rate for market in reads for rate in market.rates),
        marks,
        tuple(market.reserve.price_usd for market in reads),
        tuple(empty),
    )
