"""The simulated clearinghouse's liquidation engine, run on each market step.

Hyperliquid's documentation (Liquidations): an account whose value falls below its
maintenance margin is liquidated: its cross positions (orders cancelled first,
``marginCanceled``) or, for an isolated position, that position alone when its own
margin plus unrealised P&L falls below its maintenance. Here the positions are closed at
the oracle price; an isolated position loses at most its margin. Each close is the
user's fill marked as a liquidation in ``userFills`` (``liquidation.markPx``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.venues.hyperliquid.isolated import is_isolated
from sim.venues.hyperliquid.records import Fill, Liquidation, User

if TYPE_CHECKING:
    from sim.venues.hyperliquid.clearinghouse import Clearinghouse


def liquidate_if_needed(house: Clearinghouse, user: User) -> None:
    """Liquidate the isolated positions under their maintenance, then the cross account
    if its value is under its maintenance."""
    for coin, position in list(user.positions.items()):
        if not is_isolated(user, coin):
            continue
        equity = position.isolated_margin + house.unrealized(position, coin)
        if equity < house.position_maintenance(coin, position):
            _liquidate(house, user, [coin])
    maintenance = house.maintenance(user)
    if maintenance <= 0 or house.account_value(user, cross_only=True) >= maintenance:
        return
    for order in house.open_orders(user):
        order.status, order.status_timestamp = "marginCanceled", house.now_ms
    _liquidate(house, user, [c for c in user.positions if not is_isolated(user, c)])


def _liquidate(house: Clearinghouse, user: User, coins: list[str]) -> None:
    """Close ``coins`` at the oracle; an isolated position loses only its margin."""
    for coin in coins:
        position = user.positions.pop(coin)
        price = house.oracle(coin)
        left = position.isolated_margin + position.szi * (price - position.entry_px)
        user.balance += max(left, 0.0) if is_isolated(user, coin) else left
        house.liquidations.append(
            Liquidation(user.address, coin, position.szi, price, house.now_ms)
        )
        # The close is a fill of the user's, marked as a liquidation in userFills.
        fill = Fill(
            tid=house.new_tid(), oid=house.new_oid(), coin=coin, is_buy=position.szi < 0,
            price=price, size=abs(position.szi), start_position=position.szi,
            closed_pnl=position.szi * (price - position.entry_px), fee=0.0, crossed=True,
            time=house.now_ms, liquidation_mark=price,
        )  # fmt: skip
        user.fills.append(fill)
