"""Isolated margin on the simulated Hyperliquid (per asset, chosen with updateLeverage).

Hyperliquid's documentation ("Margining", "Isolated margin"): an isolated position has its
own margin, which only it can lose. Opening it moves the initial margin (notional /
leverage) from the cross balance into the position; closing returns the margin's share
and realises P&L in the cross balance; ``updateIsolatedMargin`` adds or removes USDC
(``ntli``, USDC x 1e6). The position is liquidated, alone, when its margin plus its
unrealised P&L falls below its maintenance margin (notional / (2 x max leverage), as for
cross); the cross account is judged without it. ``clearinghouseState`` reports it with
``leverage: {"type": "isolated", "value": n, "rawUsd": ...}``; ``marginSummary`` counts it,
``crossMarginSummary`` and ``crossMaintenanceMarginUsed`` do not.
"""

from __future__ import annotations

from sim.venues.hyperliquid.records import PerpPosition, User


def is_isolated(user: User, coin: str) -> bool:
    return user.margin_mode.get(coin) == "isolated"


def on_fill(
    user: User, coin: str, position: PerpPosition, old: float, price: float, leverage: int
) -> None:
    """Move margin between the cross balance and an isolated position after a fill."""
    if not is_isolated(user, coin):
        return
    new = position.szi
    closed = abs(old) if old * new <= 0 else max(abs(old) - abs(new), 0.0)
    if old and closed:
        released = position.isolated_margin * closed / abs(old)
        position.isolated_margin -= released
        user.balance += released
    opened = abs(new) if old * new <= 0 else max(abs(new) - abs(old), 0.0)
    required = opened * price / leverage
    user.balance -= required
    position.isolated_margin += required
    if new == 0:
        user.balance += position.isolated_margin
        position.isolated_margin = 0.0


def add_margin(user: User, position: PerpPosition, usdc: float) -> None:
    """``updateIsolatedMargin``: positive adds from the cross balance, negative removes."""
    if usdc < 0 and -usdc > position.isolated_margin:
        raise ValueError("Insufficient isolated margin to remove.")
    if usdc > user.balance:
        raise ValueError("Insufficient margin to add.")
    user.balance -= usdc
    position.isolated_margin += usdc
