"""Keepers of the local world: they make failing to hedge have real consequences."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LiquidationRecord:
    """One liquidation the world performed, for reports and tests."""

    venue: str
    account: str
    position: str  # what was liquidated, e.g. "WETH collateral / USDC debt"
    timestamp: int  # chain time
    debt_repaid: float  # in debt-asset units
    collateral_seized: float  # in collateral-asset units
    detail: str = ""
