"""One Aave v3 reserve as the account sees it: rates, cash, caps, flags, e-mode.

Decoded from ``AaveProtocolDataProvider`` (aave-v3-core v1.19, contracts/misc/
AaveProtocolDataProvider.sol): ``getReserveData`` (accruedToTreasuryScaled, totalAToken,
totalStableDebt, totalVariableDebt, rates in ray, liquidityIndex, ...),
``getReserveConfigurationData`` (LTV, threshold and bonus in basis points, isActive,
isFrozen), ``getReserveCaps`` (whole tokens, 0 = none) and ``getPaused``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.model import ReserveState
from connectors.evm.tokens import TokenConfig

RAY = 10**27


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
