"""Hyperliquid's ``POST /info`` and ``POST /exchange``: the subset ccxt uses.

Every ``/exchange`` action's signature is verified by recovering its signer: an L1
action must be signed by a known user's wallet or by an API wallet ("agent") that user
approved; a user-signed action (approveAgent, approveBuilderFee) by the user's own
wallet. Anything else is refused as Hyperliquid refuses it:
``{"status": "err", "response": "User or API Wallet 0x... does not exist."}``.
Nonces must be fresh (within two days back and one day ahead of wall-clock ms) and
never reused by the same signer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sim.venues.faults import FaultPlan
from sim.venues.hyperliquid import controls, usage, views
from sim.venues.hyperliquid.clearinghouse import Clearinghouse, HlOrder, OrderRejected, User
from sim.venues.hyperliquid.records import Trigger
from sim.venues.hyperliquid.signing import (
    USER_SIGNED_TYPES,
    SignatureError,
    recover_l1_signer,
    recover_user_signer,
)
from sim.venues.server import ORDER_ACCEPTED

_CONTROLS = {
    "updateLeverage": controls.update_leverage,
    "scheduleCancel": controls.schedule_cancel,
    "updateIsolatedMargin": controls.update_isolated_margin,
}
_NONCE_PAST_MS = 2 * 86_400_000
_NONCE_FUTURE_MS = 86_400_000


class ExchangeRefused(Exception):
    """A whole ``/exchange`` request refused (``{"status": "err"}``)."""


@dataclass
class HyperliquidApi:
    house: Clearinghouse
    faults: FaultPlan
    mainnet: bool = True
    agents: dict[str, str] = field(default_factory=dict)  # agent address -> user address
    nonces: dict[str, set[int]] = field(default_factory=dict)
    request_buffer: int = usage.REQUEST_BUFFER  # the per-address cap's initial buffer

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/info", self._info)
        app.router.add_post("/exchange", self._exchange)
        return app

    @staticmethod
    async def operation_of(request: web.Request) -> str:
        try:
            body = json.loads(await request.text())
        except ValueError:
            return request.path
        if request.path == "/exchange":
            return f"exchange/{body.get('action', {}).get('type', '?')}"
        return f"info/{body.get('type', '?')}"

    @staticmethod
    def rate_limited(retry_after_s: int) -> web.Response:
        return web.Response(
            status=429, text="Too many requests", headers={"Retry-After": str(retry_after_s)}
        )

    # --- /info ------------------------------------------------------------------------

    async def _info(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.text())
        handler = self._info_handlers().get(str(body.get("type")))
        if handler is None:
            return web.Response(status=422, text="Failed to deserialize the JSON body")
        try:
            return web.json_response(handler(body))
        except _NotFound:
            return web.Response(status=404, text="Not Found")

    def _info_handlers(self) -> dict[str, Callable[[Mapping[str, Any]], object]]:
        house = self.house
        return {
            "meta": lambda body: views.meta(house),
            "metaAndAssetCtxs": lambda body: views.meta_and_contexts(house),
            "spotMeta": lambda body: views.spot_meta(),
            "allMids": lambda body: views.all_mids(house),
            "l2Book": lambda body: views.l2_book(house, house.by_name[str(body["coin"])]),
            "clearinghouseState": lambda body: views.clearinghouse_state(house, self._user(body)),
            "orderStatus": self._order_status,
            "openOrders": self._open_orders,
            "frontendOpenOrders": self._open_orders,
            "userAbstraction": lambda body: "default",
            "userFills": lambda body: views.user_fills(self._user(body)),
            "userFillsByTime": lambda body: views.user_fills(
                self._user(body), int(body["startTime"]), _optional_int(body.get("endTime"))
            ),
            "userFees": lambda body: usage.user_fees(house, self._user(body)),
            "userRateLimit": lambda body: usage.user_rate_limit(
                self._user(body), self.request_buffer
            ),
            "fundingHistory": lambda body: usage.funding_history(
                house, str(body["coin"]), int(body["startTime"]), _optional_int(body.get("endTime"))
            ),
        }

    def _user(self, body: Mapping[str, Any]) -> User:
        address = str(body.get("user", "")).lower()
        return self.house.users.get(address) or User(address, 0.0)

    def _order_status(self, body: Mapping[str, Any]) -> object:
        key = body.get("oid")
        lookup: int | str = key.lower() if isinstance(key, str) else int(str(key))
        order = self.house.find(self._user(body), lookup)
        if order is None or self._hidden(order):
            return {"status": "unknownOid"}
        return views.order_status(order)

    def _open_orders(self, body: Mapping[str, Any]) -> object:
        return [
            views.frontend_order(order)
            for order in self.house.open_orders(self._user(body))
            if not self.faults.peek_hidden(order.cloid)
        ]

    def _hidden(self, order: HlOrder) -> bool:
        rule = self.faults.hidden(order.cloid)
        if rule is not None and rule.as_http_404:
            raise _NotFound
        return rule is not None

    # --- /exchange --------------------------------------------------------------------

    async def _exchange(self, request: web.Request) -> web.StreamResponse:
        body = json.loads(await request.text())
        try:
            action = body["action"]
            user, signer = self._authenticate(body)
            self._use_nonce(signer, int(body["nonce"]))
            user.requests_used += 1
            refusal = usage.over_limit(user, self.request_buffer)
            if refusal is not None:  # the per-address limit: HTTP 200, status "err"
                raise ExchangeRefused(refusal)
            response = self._act(user, action)
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"status": "err", "response": f"Invalid request: {error}"})
        except ExchangeRefused as refused:
            return web.json_response({"status": "err", "response": str(refused)})
        if _accepted(response):
            request[ORDER_ACCEPTED] = True
        return web.json_response({"status": "ok", "response": response})

    def _authenticate(self, body: Mapping[str, Any]) -> tuple[User, str]:
        action = body["action"]
        try:
            if action.get("type") in USER_SIGNED_TYPES:
                signer = recover_user_signer(action, body["signature"])
                return self._known_user(signer, agents_allowed=False), signer
            signer = recover_l1_signer(
                action,
                int(body["nonce"]),
                body["signature"],
                vault=body.get("vaultAddress"),
                expires_after=body.get("expiresAfter"),
                mainnet=self.mainnet,
            )
        except SignatureError as error:
            raise ExchangeRefused(f"Invalid signature: {error}") from error
        if body.get("vaultAddress"):
            raise ExchangeRefused("Vault trading is not supported by this venue simulator.")
        return self._known_user(signer, agents_allowed=True), signer

    def _known_user(self, signer: str, *, agents_allowed: bool) -> User:
        owner = signer if signer in self.house.users else None
        if owner is None and agents_allowed:
            owner = self.agents.get(signer)
        if owner is None:
            raise ExchangeRefused(f"User or API Wallet {signer} does not exist.")
        return self.house.users[owner]

    def _use_nonce(self, signer: str, nonce: int) -> None:
        now = time.time() * 1000
        if not now - _NONCE_PAST_MS < nonce < now + _NONCE_FUTURE_MS:
            raise ExchangeRefused(f"Invalid nonce {nonce}: too far from the current time.")
        used = self.nonces.setdefault(signer, set())
        if nonce in used:
            raise ExchangeRefused(f"Invalid nonce {nonce}: already used.")
        used.add(nonce)

    def _act(self, user: User, action: Mapping[str, Any]) -> dict[str, object]:
        kind = action.get("type")
        if kind == "order":
            statuses = [
                self._order(user, order, action.get("builder")) for order in action["orders"]
            ]
            return {"type": "order", "data": {"statuses": statuses}}
        if kind == "batchModify":  # each: cancel the order, place its replacement
            statuses = [self._modify(user, entry) for entry in action["modifies"]]
            return {"type": "order", "data": {"statuses": statuses}}
        if kind in ("cancel", "cancelByCloid"):
            statuses = [self._cancel(user, entry) for entry in action["cancels"]]
            return {"type": "cancel", "data": {"statuses": statuses}}
        if kind in _CONTROLS:
            try:
                _CONTROLS[kind](self.house, user, action)
            except controls.ControlRefused as refused:
                raise ExchangeRefused(str(refused)) from refused
        elif kind == "approveAgent":
            self.agents[str(action["agentAddress"]).lower()] = user.address
        elif kind == "approveBuilderFee":
            rate = float(str(action["maxFeeRate"]).rstrip("%")) / 100.0
            user.builder_max_fee[str(action["builder"]).lower()] = rate
        elif kind != "setReferrer":
            raise ExchangeRefused(f"Unsupported action type {kind}.")
        return {"type": "default"}

    def _order(
        self, user: User, wire: Mapping[str, Any], builder: Mapping[str, Any] | None
    ) -> object:
        try:
            asset = self.house.assets[int(wire["a"])]
        except (IndexError, ValueError):
            return {"error": f"Invalid asset {wire.get('a')}."}
        builder_fee = 0.0
        if builder is not None:
            approved = user.builder_max_fee.get(str(builder["b"]).lower())
            builder_fee = int(builder["f"]) / 100_000.0
            if approved is None or builder_fee > approved + 1e-12:
                return {"error": f"Builder fee has not been approved. asset={asset.index}"}
        tif = str(wire["t"].get("limit", {}).get("tif", "Gtc"))
        trigger = None
        if "trigger" in wire["t"]:  # a stop or take profit: rests until the mark crosses
            spec = wire["t"]["trigger"]
            trigger = Trigger(float(spec["triggerPx"]), bool(spec["isMarket"]), str(spec["tpsl"]))
        try:
            return self.house.place(
                user,
                asset,
                is_buy=bool(wire["b"]),
                price=float(wire["p"]),
                size=float(wire["s"]),
                tif=tif,
                reduce_only=bool(wire.get("r", False)),
                cloid=str(wire["c"]).lower() if wire.get("c") else None,
                builder_fee=builder_fee,
                trigger=trigger,
            )
        except OrderRejected as rejected:
            return {"error": str(rejected)}

    def _modify(self, user: User, entry: Mapping[str, Any]) -> object:
        """``batchModify``: the order (by oid or cloid) is cancelled and the new one placed
        in its stead, with a new oid (Exchange endpoint, "Modify multiple orders")."""
        key = entry["oid"]
        order = self.house.find(user, key.lower() if isinstance(key, str) else int(key))
        if order is None or order.status != "open":
            return {"error": "Cannot modify canceled or filled order"}
        self.house.cancel(user, order.oid)
        return self._order(user, entry["order"], None)

    def _cancel(self, user: User, entry: Mapping[str, Any]) -> object:
        if "cloid" in entry:
            order = self.house.find(user, str(entry["cloid"]).lower())
            oid = order.oid if order else -1
        else:
            oid = int(entry["o"])
        try:
            self.house.cancel(user, oid)
        except OrderRejected as rejected:
            return {"error": str(rejected)}
        return "success"


def _accepted(response: Mapping[str, Any]) -> bool:
    if response.get("type") != "order":
        return False
    statuses = response["data"]["statuses"]
    return any(isinstance(s, dict) and ("resting" in s or "filled" in s) for s in statuses)


class _NotFound(Exception):
    """Answer a bare HTTP 404 (the "order not found" fault in its HTTP form)."""


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))
