"""Account controls of the simulated Hyperliquid: leverage and the dead man's switch.

``updateLeverage`` (hyperliquid-docs, Exchange endpoint, "Update leverage": ``asset``,
``isCross``, ``leverage``) sets an asset's leverage and margin mode for the user, at most
the asset's ``maxLeverage`` from ``meta``; the mode of an open position cannot change.
``updateIsolatedMargin`` (``asset``, ``isBuy``, ``ntli``: USDC x 1e6, negative removes)
moves margin into or out of an open isolated position (``isolated.py``).

``scheduleCancel`` (Exchange endpoint, "Schedule cancel (dead man's switch)"): with a
``time`` (ms) at least 5 seconds ahead, every open order of the user is cancelled when
that time comes; without one, the schedule is removed. The switch fires at most 10
times a day, counted from 00:00 UTC; an address may set it only after trading
$1,000,000 (the venue's refusal "Cannot set scheduled cancel time until enough volume
traded. Required: $1000000. Traded: $373.47205.", quoted in ccxt's hyperliquid.py).
Times are the venue's clock, which here is the market driver's
(``Clearinghouse.now_ms``); a client reads it from ``clearinghouseState``'s ``time``.
Both answer ``{"type": "default"}`` when accepted (as the SDK's tests and the TypeScript
SDK's ``SuccessResponse`` show); other refusals are ``{"status": "err"}`` texts written
here (not verified against the venue's wording).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.venues.hyperliquid.clearinghouse import Clearinghouse, User
from sim.venues.hyperliquid.isolated import add_margin, is_isolated
from sim.venues.hyperliquid.usage import cumulative_volume

SCHEDULE_LEAD_MS = 5_000
SCHEDULE_MIN_VOLUME_USD = 1_000_000.0
DAILY_TRIGGERS = 10
_DAY_MS = 86_400_000


class ControlRefused(Exception):
    """The whole action refused (``{"status": "err", "response": <message>}``)."""


def update_leverage(house: Clearinghouse, user: User, action: Mapping[str, Any]) -> None:
    try:
        asset = house.assets[int(action["asset"])]
    except (IndexError, ValueError) as error:
        raise ControlRefused(f"Invalid asset {action.get('asset')}.") from error
    leverage = int(action["leverage"])
    mode = "cross" if bool(action["isCross"]) else "isolated"
    if not 1 <= leverage <= asset.max_leverage:
        raise ControlRefused(
            f"Invalid leverage {leverage}: {asset.name} allows 1 to {asset.max_leverage}."
        )
    held = asset.name in user.positions
    if held and user.margin_mode.get(asset.name, "cross") != mode:
        raise ControlRefused("Cannot switch leverage type with open position.")
    user.leverage[asset.name] = leverage
    user.margin_mode[asset.name] = mode


def update_isolated_margin(house: Clearinghouse, user: User, action: Mapping[str, Any]) -> None:
    try:
        asset = house.assets[int(action["asset"])]
    except (IndexError, ValueError) as error:
        raise ControlRefused(f"Invalid asset {action.get('asset')}.") from error
    position = user.positions.get(asset.name)
    if position is None or not is_isolated(user, asset.name):
        raise ControlRefused("Cannot update margin for a position that is not isolated.")
    try:
        add_margin(user, position, int(action["ntli"]) / 1e6)
    except ValueError as error:
        raise ControlRefused(str(error)) from error


def schedule_cancel(house: Clearinghouse, user: User, action: Mapping[str, Any]) -> None:
    traded = cumulative_volume(user)
    if traded < SCHEDULE_MIN_VOLUME_USD:  # the venue's reply, quoted in ccxt hyperliquid.py
        raise ControlRefused(
            "Cannot set scheduled cancel time until enough volume traded. "
            f"Required: ${SCHEDULE_MIN_VOLUME_USD:.0f}. Traded: ${traded:.5f}."
        )
    if action.get("time") is None:
        user.cancel_at_ms = None
        return
    time_ms = int(action["time"])
    if time_ms < house.now_ms + SCHEDULE_LEAD_MS:
        raise ControlRefused(
            "Scheduled cancel time too early, must be at least 5 seconds from now."
        )
    day = house.now_ms // _DAY_MS
    if user.cancel_triggers.get(day, 0) >= DAILY_TRIGGERS:
        raise ControlRefused("Too many cancel triggers today.")
    user.cancel_at_ms = time_ms


def fire_scheduled_cancel(house: Clearinghouse, user: User) -> None:
    """Cancel every open order of ``user`` once its scheduled time has come."""
    if user.cancel_at_ms is None or house.now_ms < user.cancel_at_ms:
        return
    user.cancel_at_ms = None
    day = house.now_ms // _DAY_MS
    user.cancel_triggers[day] = user.cancel_triggers.get(day, 0) + 1
    for order in house.open_orders(user):
        order.status, order.status_timestamp = "scheduledCancel", house.now_ms
