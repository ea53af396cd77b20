"""JSON shapes of the Hyperliquid simulator's ``/info`` replies (numbers as strings)."""

from __future__ import annotations

from sim.venues.hyperliquid.clearinghouse import (
    Asset,
    Clearinghouse,
    Fill,
    HlOrder,
    PerpPosition,
    User,
)
from sim.venues.hyperliquid.isolated import is_isolated
from sim.venues.hyperliquid.numbers import fmt


def meta(house: Clearinghouse) -> dict[str, object]:
    universe = [
        {
            "name": asset.name,
            "szDecimals": asset.sz_decimals,
            "maxLeverage": asset.max_leverage,
            "marginTableId": asset.max_leverage,
            "onlyIsolated": False,
        }
        for asset in house.assets
    ]
    return {"universe": universe, "marginTables": []}


def asset_context(house: Clearinghouse, asset: Asset) -> dict[str, object]:
    bid, ask = house.touch(asset)
    oracle = house.oracle(asset.name)
    return {
        "funding": fmt(house.funding_hourly(asset.name)),
        "openInterest": "0.0",
        "prevDayPx": fmt(oracle),
        "dayNtlVlm": "0.0",
        "dayBaseVlm": "0.0",
        "premium": "0.0",
        "oraclePx": fmt(oracle),
        "markPx": fmt(oracle),
        "midPx": fmt((bid + ask) / 2.0),
        "impactPxs": [fmt(bid), fmt(ask)],
    }


def meta_and_contexts(house: Clearinghouse) -> list[object]:
    return [meta(house), [asset_context(house, asset) for asset in house.assets]]


def spot_meta() -> dict[str, object]:
    usdc = {
        "name": "USDC",
        "szDecimals": 8,
        "weiDecimals": 8,
        "index": 0,
        "tokenId": "0x6d1e7cde53ba9467b783cb7c530ce054",
        "isCanonical": True,
        "evmContract": None,
        "fullName": None,
    }
    return {"universe": [], "tokens": [usdc]}


def all_mids(house: Clearinghouse) -> dict[str, str]:
    mids = {}
    for asset in house.assets:
        bid, ask = house.touch(asset)
        mids[asset.name] = fmt((bid + ask) / 2.0)
    return mids


def l2_book(house: Clearinghouse, asset: Asset, levels: int = 20) -> dict[str, object]:
    """``l2Book``: up to 20 levels a side (bids first), from the depth model."""

    def side(asks: bool) -> list[dict[str, object]]:
        return [
            {"px": fmt(level.price), "sz": fmt(house.coins(asset, level)), "n": 1}
            for level in house.book_side(asset, asks=asks)[:levels]
        ]

    return {"coin": asset.name, "time": house.now_ms, "levels": [side(False), side(True)]}


def _liquidation_px(
    house: Clearinghouse, user: User, coin: str, position: PerpPosition
) -> str | None:
    """Price of ``coin`` at which the account hits maintenance, others held still."""
    asset = house.by_name[coin]
    mark = house.oracle(coin)
    other = house.maintenance(user) - abs(position.szi) * mark / (2.0 * asset.max_leverage)
    rate = 1.0 / (2.0 * asset.max_leverage)
    denominator = position.szi - abs(position.szi) * rate
    if denominator == 0:
        return None
    if is_isolated(user, coin):  # its own margin against its own maintenance
        level = (position.szi * position.entry_px - position.isolated_margin) / denominator
        return fmt(level) if level > 0 else None
    cross_value = house.account_value(user, cross_only=True)
    level = (position.szi * mark - cross_value + other) / denominator
    return fmt(level) if level > 0 else None


def _position(
    house: Clearinghouse, user: User, coin: str, position: PerpPosition
) -> dict[str, object]:
    asset = house.by_name[coin]
    leverage = house.leverage(user, asset)
    value = abs(position.szi) * house.oracle(coin)
    unrealized = house.unrealized(position, coin)
    margin = value / leverage
    kind: dict[str, object] = {"type": "cross", "value": leverage}
    if is_isolated(user, coin):  # its own margin, P&L included
        margin = position.isolated_margin + unrealized
        kind = {"type": "isolated", "value": leverage, "rawUsd": fmt(position.isolated_margin)}
    return {
        "type": "oneWay",
        "position": {
            "coin": coin,
            "szi": fmt(position.szi),
            "leverage": kind,
            "entryPx": fmt(position.entry_px),
            "positionValue": fmt(value),
            "unrealizedPnl": fmt(unrealized),
            "returnOnEquity": fmt(unrealized / margin if margin else 0.0),
            "liquidationPx": _liquidation_px(house, user, coin, position),
            "marginUsed": fmt(margin),
            "maxLeverage": asset.max_leverage,
            "cumFunding": {
                "allTime": fmt(position.funding_all_time),
                "sinceOpen": fmt(position.funding_since_open),
                "sinceChange": fmt(position.funding_since_open),
            },
        },
    }


def _summary(house: Clearinghouse, user: User, *, cross_only: bool) -> dict[str, str]:
    held = [(c, p) for c, p in user.positions.items() if not (cross_only and is_isolated(user, c))]
    return {
        "accountValue": fmt(house.account_value(user, cross_only=cross_only)),
        "totalNtlPos": fmt(sum(abs(p.szi) * house.oracle(c) for c, p in held)),
        "totalRawUsd": fmt(
            user.balance + sum(p.isolated_margin for _, p in held if not cross_only)
        ),
        "totalMarginUsed": fmt(house.margin_used(user, cross_only=cross_only)),
    }


def clearinghouse_state(house: Clearinghouse, user: User) -> dict[str, object]:
    """``marginSummary`` over every position; ``crossMarginSummary`` and
    ``crossMaintenanceMarginUsed`` over the cross account only (isolated.py)."""
    cross_value = house.account_value(user, cross_only=True)
    cross_used = house.margin_used(user, cross_only=True)
    return {
        "marginSummary": _summary(house, user, cross_only=False),
        "crossMarginSummary": _summary(house, user, cross_only=True),
        "crossMaintenanceMarginUsed": fmt(house.maintenance(user)),
        "withdrawable": fmt(max(cross_value - cross_used, 0.0)),
        "assetPositions": [
            _position(house, user, coin, position) for coin, position in user.positions.items()
        ],
        "time": house.now_ms,
    }


def _trigger_fields(order: HlOrder) -> dict[str, object]:
    trigger = order.trigger
    if trigger is None:
        return {"triggerCondition": "N/A", "isTrigger": False, "triggerPx": "0.0",
                "orderType": "Limit"}  # fmt: skip
    above = (trigger.tpsl == "sl") == order.is_buy
    kind = ("Stop" if trigger.tpsl == "sl" else "Take Profit") + (
        " Market" if trigger.is_market else " Limit"
    )
    return {
        "triggerCondition": f"Price {'above' if above else 'below'} {fmt(trigger.price)}",
        "isTrigger": True,
        "triggerPx": fmt(trigger.price),
        "orderType": kind,
    }


def frontend_order(order: HlOrder) -> dict[str, object]:
    return {
        "coin": order.asset.name,
        "side": "B" if order.is_buy else "A",
        "limitPx": fmt(order.limit_px),
        "sz": fmt(order.sz),
        "oid": order.oid,
        "timestamp": order.timestamp,
        **_trigger_fields(order),
        "children": [],
        "isPositionTpsl": False,
        "reduceOnly": order.reduce_only,
        "origSz": fmt(order.orig_sz),
        "tif": order.tif,
        "cloid": order.cloid,
    }


def order_status(order: HlOrder) -> dict[str, object]:
    return {
        "status": "order",
        "order": {
            "order": frontend_order(order),
            "status": order.status,
            "statusTimestamp": order.status_timestamp,
        },
    }


MAX_FILLS = 2_000  # what userFills and userFillsByTime return at most


def user_fills(
    user: User, start_ms: int | None = None, end_ms: int | None = None
) -> list[dict[str, object]]:
    """A user's fills, most recent first (``userFills``; with times, ``userFillsByTime``)."""
    chosen = [
        f
        for f in user.fills
        if (start_ms is None or f.time >= start_ms) and (end_ms is None or f.time <= end_ms)
    ]
    return [_fill(f, user.address) for f in reversed(chosen[-MAX_FILLS:])]


def _fill(fill: Fill, address: str) -> dict[str, object]:
    reply: dict[str, object] = {
        "coin": fill.coin,
        "px": fmt(fill.price),
        "sz": fmt(fill.size),
        "side": "B" if fill.is_buy else "A",
        "time": fill.time,
        "startPosition": fmt(fill.start_position),
        "dir": fill.direction,
        "closedPnl": fmt(fill.closed_pnl),
        "hash": "0x" + "00" * 32,  # no L1 transaction behind a simulated fill
        "oid": fill.oid,
        "crossed": fill.crossed,
        "fee": fmt(fill.fee),
        "tid": fill.tid,
        "feeToken": "USDC",
    }
    if fill.liquidation_mark is not None:
        # Hyperliquid API docs, Websocket > Subscriptions: WsFill.liquidation is
        # FillLiquidation {liquidatedUser?, markPx, method: "market" | "backstop"}; markPx
        # a decimal string as in real replies. The simulator closes on the market.
        reply["liquidation"] = {
            "liquidatedUser": address,
            "markPx": fmt(fill.liquidation_mark),
            "method": "market",
        }
    return reply
