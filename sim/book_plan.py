"""The book the local world seeds before the agent starts (``rehearsal.seed`` places it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BookPlan:
    """Sizes in coin (ETH) or tokens; ``call_strike`` in USD."""

    wallet_weth: float = 10.0
    wallet_usdc: float = 200_000.0
    aave_supply_weth: float = 60.0
    aave_borrow_usdc: float = 100_000.0
    deribit_short_calls: float = 40.0
    premia_short_calls: float = 20.0
    hyperliquid_short: float = 25.0
    gmx_short: float = 10.0
    call_strike: float = 3200.0
