"""Liquidations of our account as the exchanges mark them on its own fills and trades
(sans-I/O; read by ``agent.watch`` when a position moved that our work does not explain).

- Hyperliquid: a fill of ``userFills`` / ``userFillsByTime`` made by a liquidation carries
  ``liquidation: {liquidatedUser?, markPx, method: "market" | "backstop"}`` (Hyperliquid
  API docs, Websocket > Subscriptions, ``WsFill.liquidation: FillLiquidation``; the info
  endpoint's fills are the same objects. ``markPx`` comes as a decimal string in real
  replies, e.g. the captured user-fill message in nautilus-hyperliquid's test data,
  ws_user_fill_liquidation.json). The fill is evidence when the liquidated user is us
  (or unnamed); otherwise we were the liquidator's counterparty, which our own orders
  explain.
- Deribit: a trade of ``private/get_user_trades_by_currency`` caused by a liquidation
  carries ``liquidation``: "M" when the maker side was under liquidation, "T" the
  taker side, "MT" both (Deribit API 2.1.1 reference, user trade object; the field is
  ``trades[].liquidation: string`` in tests/fixtures/deribit_api_reference.json). Ours
  was liquidated when our own side (the trade's ``liquidity``, "M" or "T") is in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def hyperliquid_liquidations(fills: Iterable[Mapping[str, Any]], wallet: str) -> list[str]:
    """Evidence (tid, hash, what was closed) of each fill liquidating ``wallet``."""
    found = []
    for fill in fills:
        liquidation = fill.get("liquidation")
        if not isinstance(liquidation, Mapping):
            continue
        whom = liquidation.get("liquidatedUser")
        if whom is not None and str(whom).lower() != wallet.lower():
            continue
        side = "buy" if fill.get("side") == "B" else "sell"
        found.append(
            f"liquidation fill tid {fill.get('tid')} hash {fill.get('hash')}: {side}"
            f" {fill.get('sz')} {fill.get('coin')} at {fill.get('px')} ({fill.get('dir')},"
            f" mark {liquidation.get('markPx')}, {liquidation.get('method')})"
        )
    return found


def deribit_liquidations(
    trades: Iterable[Mapping[str, Any]], since_ms: int, until_ms: int
) -> list[str]:
    """Evidence (trade_id, what was closed) of each trade from ``since_ms`` to
    ``until_ms`` that liquidated our side."""
    found = []
    for trade in trades:
        marked, ours = str(trade.get("liquidation") or ""), str(trade.get("liquidity") or "")
        if not marked or not ours or ours not in marked:
            continue
        if not since_ms <= int(trade.get("timestamp") or 0) <= until_ms:
            continue
        found.append(
            f"liquidation trade {trade.get('trade_id')}: {trade.get('direction')}"
            f" {trade.get('amount')} {trade.get('instrument_name')} at {trade.get('price')}"
            f" (liquidation {marked}, our side {ours})"
        )
    return found
