"""Hyperliquid perps through ccxt: ``POST /info`` reads, ``POST /exchange`` signed actions.

ccxt signs every action itself (EIP-712 phantom agent over the msgpack action hash,
with the configured private key: the account's wallet or an approved API wallet). Per
snapshot two reads run concurrently: ``clearinghouseState`` (positions, cross margin
summary, maintenance margin) and ``metaAndAssetCtxs`` (marks, oracle, impact bid/ask,
hourly funding). Sizes and prices are in coin and USDC.

Client order ids: Hyperliquid's ``cloid`` is 128 bits of hex, so ours is derived from
the client id (first 16 bytes of its SHA-256); ``cloid_for`` gives it, and ids placed by
this process are mapped back when orders are listed.

Fees: Hyperliquid's order replies and order status carry none; a filled order's fees
are summed from the account's fills (``userFills``, one more read per filled order).

ccxt options used, not changed: only perp markets are loaded; no referral code is set
on the account (``refSet``); the builder fee ccxt attaches is zero (``builderFee``
false: ccxt then approves its builder at 0% once, a signed approveBuilderFee).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import aiohttp
import ccxt.async_support as ccxt
import structlog
from pydantic import SecretStr

from agent.errors import RejectedError
from agent.model import Balance, Greeks, Health, Position, Quote, Rate, VenueSnapshot
from agent.ports import OrderRequest, OrderState
from connectors.cex.endpoint import Endpoint
from connectors.cex.liquidations import hyperliquid_liquidations
from connectors.cex.markets import number
from connectors.cex.units import OrderUnits, hyperliquid_units
from connectors.cex.venue import CcxtVenue, together, utc_now

log = structlog.get_logger(__name__)

_HOURS_PER_YEAR = 24 * 365
_TIME_IN_FORCE = {"IOC": "Ioc", "GTC": "Gtc", "ALO": "Alo", "PO": "Alo"}


def cloid_for(client_order_id: str) -> str:
    """The deterministic 128-bit Hyperliquid ``cloid`` for a client order id."""
    return "0x" + hashlib.sha256(client_order_id.encode()).hexdigest()[:32]


class HyperliquidVenue(CcxtVenue):
    """A Hyperliquid perp account ``wallet_address``, signed for by ``private_key``
    (the wallet's own key or an API wallet the account approved)."""

    def __init__(
        self,
        *,
        wallet_address: str,
        private_key: SecretStr,
        endpoint: Endpoint,
        name: str = "hyperliquid",
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            name=name,
            endpoint=endpoint,
            secrets=(private_key.get_secret_value(),),
            now=now,
            sleep=sleep,
        )
        self.wallet_address = wallet_address
        self._private_key = private_key
        self._client_ids: dict[str, str] = {}

    def _create_exchange(self, session: aiohttp.ClientSession) -> Any:
        config = self._base_config(session)
        config.update(
            walletAddress=self.wallet_address,
            privateKey=self._private_key.get_secret_value(),
            options={"fetchMarkets": {"types": ["swap"]}, "refSet": True, "builderFee": False},
        )
        exchange = ccxt.hyperliquid(config)
        # Hyperliquid's per-address limit answers HTTP 200 {"status": "err", "response":
        # "Too many cumulative requests sent ..."} (docs, "Rate limits and user limits"):
        # a rate limit, to back off from and retry, not a refusal of the order.
        exchange.exceptions["broad"]["Too many cumulative requests"] = ccxt.RateLimitExceeded
        return exchange

    async def _info(self, kind: str, **fields: Any) -> Any:
        return await self._read(
            f"info.{kind}", lambda: self.exchange.publicPostInfo({"type": kind, **fields})
        )

    # --- snapshot ---------------------------------------------------------------------

    async def _read_snapshot(self) -> VenueSnapshot:
        observed_at = self._now()
        state, meta = await together(
            self._info("clearinghouseState", user=self.wallet_address),
            self._info("metaAndAssetCtxs"),
        )
        contexts = {
            asset["name"]: context
            for asset, context in zip(meta[0]["universe"], meta[1], strict=True)
        }
        positions = tuple(
            self._position(entry["position"], contexts) for entry in state["assetPositions"]
        )
        account_value = number(state["marginSummary"].get("accountValue"), 0.0) or 0.0
        cash = account_value - sum(p.unrealized_pnl_usd or 0.0 for p in positions)
        return VenueSnapshot(
            venue=self.name,
            observed_at=observed_at,
            positions=positions,
            balances=(Balance("USDC", cash, cash),),
            health=self._health(state),
            settings={  # per asset held: its margin mode and leverage, e.g. "isolated 3x"
                str(e["position"]["coin"]): "{type} {value}x".format(**e["position"]["leverage"])
                for e in state["assetPositions"]
            },
            marks=self._marks(contexts),
            quotes=tuple(self._quote(coin, c) for coin, c in contexts.items()),
            rates=tuple(self._rate(coin, c) for coin, c in contexts.items()),
        )

    def _health(self, state: Mapping[str, Any]) -> tuple[Health, ...]:
        """The cross account, and each isolated position on its own.

        ``crossMaintenanceMarginUsed`` covers the cross account only, so it is set
        against ``crossMarginSummary.accountValue``, not ``marginSummary``'s (which
        counts isolated margin that the cross account cannot use). An isolated position
        is liquidated alone when its margin plus P&L (its ``marginUsed``) falls below
        its maintenance: notional / (2 x max leverage), Hyperliquid's documented rule.
        """
        cross = state["crossMarginSummary"]
        found = [
            Health.from_margin(
                self.name,
                equity_usd=number(cross.get("accountValue"), 0.0) or 0.0,
                maintenance_margin_usd=number(state.get("crossMaintenanceMarginUsed"), 0.0) or 0.0,
                initial_margin_usd=number(cross.get("totalMarginUsed")),
                account=self.wallet_address,
            )
        ]
        for entry in state["assetPositions"]:
            position = entry["position"]
            if (position.get("leverage") or {}).get("type") != "isolated":
                continue
            notional = number(position.get("positionValue"), 0.0) or 0.0
            max_leverage = number(position.get("maxLeverage"), 0.0) or 0.0
            found.append(
                Health.from_margin(
                    self.name,
                    equity_usd=number(position.get("marginUsed"), 0.0) or 0.0,
                    maintenance_margin_usd=notional / (2 * max_leverage) if max_leverage else 0,
                    account=self._symbol(str(position["coin"])),
                )
            )
        return tuple(found)

    def _symbol(self, coin: str) -> str:
        return str(self.exchange.coin_to_market_id(coin))

    def _position(self, entry: Mapping[str, Any], contexts: Mapping[str, Any]) -> Position:
        coin = str(entry["coin"])
        quantity = number(entry.get("szi"), 0.0) or 0.0
        mark = number(contexts.get(coin, {}).get("markPx"))
        funding = number((entry.get("cumFunding") or {}).get("sinceOpen"))
        return Position(
            instrument=self.instrument(self._symbol(coin)),
            quantity=quantity,
            entry_price=number(entry.get("entryPx")),
            mark_price=mark,
            liquidation_price=number(entry.get("liquidationPx")),
            collateral_usd=number(entry.get("marginUsed")),
            unrealized_pnl_usd=number(entry.get("unrealizedPnl")),
            accrued_fees_usd=funding,
            venue_greeks=Greeks(delta=quantity, delta_usd=quantity * (mark or 0.0)),
        )

    def _marks(self, contexts: Mapping[str, Any]) -> dict[str, float]:
        marks: dict[str, float] = {}
        for coin, context in contexts.items():
            mark = number(context.get("markPx"))
            if mark is not None:
                marks[self._symbol(coin)] = mark
                marks[coin] = number(context.get("oraclePx"), mark) or mark
        return marks

    def _quote(self, coin: str, context: Mapping[str, Any]) -> Quote:
        impact = context.get("impactPxs") or [None, None]
        symbol = self._symbol(coin)
        return Quote(
            symbol=symbol,
            bid=number(impact[0]),
            ask=number(impact[1]),
            mark=number(context.get("markPx")),
            index=number(context.get("oraclePx")),
            lot_size=self.lot_size(symbol),
        )

    def _rate(self, coin: str, context: Mapping[str, Any]) -> Rate:
        hourly = number(context.get("funding"), 0.0) or 0.0
        return Rate(self._symbol(coin), "funding", hourly * _HOURS_PER_YEAR)

    # --- orders -------------------------------------------------------------------------

    def _client_id(self, cloid: str | None) -> str:
        if cloid is None:
            return ""
        return self._client_ids.get(cloid.lower(), cloid.lower())

    def _state(self, raw: Mapping[str, Any], client_order_id: str, symbol: str) -> OrderState:
        info = raw.get("info") or {}
        status = self.status_of(raw.get("status"))
        if "resting" in info:
            status = "open"
        elif "filled" in info:
            status = "closed"
        filled = number(raw.get("filled"), 0.0) or 0.0
        return OrderState(
            client_order_id=client_order_id,
            venue_order_id=None if raw.get("id") is None else str(raw["id"]),
            symbol=str(raw.get("symbol") or symbol),
            status=status,
            filled_quantity=filled,
            average_price=number(raw.get("average")) if filled else None,
        )

    def units(self, symbol: str) -> OrderUnits:
        return hyperliquid_units(self.exchange.market(symbol))

    async def _submit(self, order: OrderRequest, amount: float) -> OrderState:
        if order.limit_price is None:
            raise RejectedError(f"{self.name}: orders need a limit price (worst acceptable)")
        time_in_force = _TIME_IN_FORCE.get(order.time_in_force.upper())
        if time_in_force is None:
            raise RejectedError(f"{self.name}: unsupported time in force {order.time_in_force}")
        cloid = cloid_for(order.client_order_id)
        self._client_ids[cloid] = order.client_order_id
        params: dict[str, Any] = {"clientOrderId": cloid, "timeInForce": time_in_force}
        if order.reduce_only:
            params["reduceOnly"] = True
        raw = await self.exchange.create_order(
            order.symbol, "limit", order.side.value, amount, order.limit_price, params
        )
        return await self._with_fees(self._state(raw, order.client_order_id, order.symbol))

    async def _lookup(self, client_order_id: str, symbol: str) -> OrderState | None:
        cloid = cloid_for(client_order_id)
        try:
            raw = await self.exchange.fetch_order(None, symbol, {"clientOrderId": cloid})
        except ccxt.OrderNotFound:
            return None
        return await self._with_fees(self._state(raw, client_order_id, symbol))

    async def _with_fees(self, state: OrderState) -> OrderState:
        """``state`` with the fees of its fills (USDC, taken as USD)."""
        if state.filled_quantity <= 0 or state.venue_order_id is None:
            return state
        try:
            fills = await self.exchange.fetch_my_trades(state.symbol)
        except ccxt.BaseError as error:  # the order stands; only its cost is unknown
            log.warning(
                "order_fees_unknown",
                venue=self.name,
                client_order_id=state.client_order_id,
                error=f"{type(error).__name__}: {error}",
            )
            return state
        fee = sum(
            number((fill.get("fee") or {}).get("cost"), 0.0) or 0.0
            for fill in fills
            if str(fill.get("order")) == state.venue_order_id
        )
        return replace(state, fee_usd=fee)

    async def liquidations(self, since_ms: int, until_ms: int) -> list[str]:
        """Evidence of our fills from ``since_ms`` to ``until_ms`` that liquidated us
        (``userFillsByTime``: at most 2000 fills, Hyperliquid info endpoint docs)."""
        fills = await self._info(
            "userFillsByTime", user=self.wallet_address, startTime=since_ms, endTime=until_ms
        )
        return hyperliquid_liquidations(fills or [], self.wallet_address)

    async def cancel_all_after(self, seconds: float) -> None:
        """Arm Hyperliquid's dead man's switch (``scheduleCancel``, through ccxt's
        ``cancel_all_orders_after``): every open order is cancelled ``seconds`` from now
        unless armed again first. The venue refuses it until the address has traded
        $1,000,000 (RejectedError with its reason)."""
        await self._once(
            "schedule_cancel",
            lambda: self.exchange.cancel_all_orders_after(int(seconds * 1000)),
        )

    async def _cancel(self, state: OrderState) -> None:
        cloid = cloid_for(state.client_order_id)
        await self.exchange.cancel_order(None, state.symbol, {"clientOrderId": cloid})

    async def _list_open(self) -> list[OrderState]:
        orders = await self.exchange.fetch_open_orders()
        return [
            self._state(raw, self._client_id(raw.get("clientOrderId")), str(raw["symbol"]))
            for raw in orders
        ]
