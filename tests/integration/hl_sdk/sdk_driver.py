"""Drive a Hyperliquid simulator with the official ``hyperliquid-python-sdk``, as a user would.

Runs in the SDK's own virtualenv (``.venv-hl-sdk``, see ``constraints-hl-sdk.txt``), not
Ballast's: nothing of Ballast is imported except the loopback guard (stdlib only). Prints
one JSON object: for each step, what the SDK returned (``{"ok": ...}``) or raised
(``{"raised": "..."}``). ``test_sdk_conformance.py`` starts the simulator, runs this and
judges the answers.

Usage: python sdk_driver.py URL PRIVATE_KEY mainnet|testnet

The SDK signs L1 actions for mainnet (source "a") only when its ``base_url`` is
``constants.MAINNET_API_URL``; for ``mainnet`` this script keeps that URL and mounts a
requests adapter that carries those requests to the simulator instead, so the SDK signs
exactly as it does against the real mainnet.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import requests
from eth_account import Account
from hyperliquid.exchange import Exchange
from hyperliquid.info import Info
from hyperliquid.utils import constants
from hyperliquid.utils.types import Cloid

from sim.venues.loopback import loopback_only

GTC = {"limit": {"tif": "Gtc"}}
IOC = {"limit": {"tif": "Ioc"}}
ALO = {"limit": {"tif": "Alo"}}


class ToSimulator(requests.adapters.HTTPAdapter):
    """Carries requests for the mainnet URL to the simulator."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        request.url = request.url.replace(constants.MAINNET_API_URL, self.url, 1)
        return super().send(request, **kwargs)


def exchange_for(wallet: Any, url: str, network: str) -> Exchange:
    """An Exchange built on the simulator (meta, spotMeta) that signs for ``network``."""
    exchange = Exchange(wallet, url)
    if network == "mainnet":
        for api in (exchange, exchange.info):
            api.base_url = constants.MAINNET_API_URL
            api.session.mount(constants.MAINNET_API_URL, ToSimulator(url))
    return exchange


class Steps:
    def __init__(self) -> None:
        self.results: dict[str, Any] = {}

    def run(self, name: str, call: Callable[[], Any]) -> Any:
        try:
            value = call()
        except Exception as error:  # recorded for the judge, never hidden
            self.results[name] = {"raised": f"{type(error).__name__}: {error}"}
            return None
        self.results[name] = {"ok": value}
        return value


def statuses(reply: Any) -> list[Any]:
    return reply["response"]["data"]["statuses"]


def drive(url: str, key: str, network: str) -> dict[str, Any]:
    wallet = Account.from_key(key)
    address = wallet.address
    steps = Steps()
    info = Info(url, skip_ws=True)  # reads meta and spotMeta from the simulator
    exchange = exchange_for(wallet, url, network)
    for name, call in {
        "meta": info.meta,
        "meta_and_asset_ctxs": info.meta_and_asset_ctxs,
        "all_mids": info.all_mids,
        "l2_snapshot": lambda: info.l2_snapshot("ETH"),
    }.items():
        steps.run(name, call)
    mid = float(steps.results["all_mids"]["ok"]["ETH"])
    below, above = float(round(mid * 0.9)), float(round(mid * 1.01))
    cloids = [Cloid.from_str("0x" + f"{n:032x}") for n in range(1, 5)]

    rest = steps.run(
        "order_gtc", lambda: exchange.order("ETH", True, 0.01, below, GTC, cloid=cloids[0])
    )
    oid = statuses(rest)[0]["resting"]["oid"]
    steps.run("open_orders", lambda: info.open_orders(address))
    steps.run("frontend_open_orders", lambda: info.frontend_open_orders(address))
    steps.run("query_order_by_oid", lambda: info.query_order_by_oid(address, oid))
    steps.run("query_order_by_cloid", lambda: info.query_order_by_cloid(address, cloids[0]))
    steps.run(
        "modify_order",
        lambda: exchange.modify_order(oid, "ETH", True, 0.02, float(round(mid * 0.8)), GTC),
    )
    modified = steps.results["modify_order"].get("ok")
    oid = statuses(modified)[0]["resting"]["oid"] if modified else oid
    steps.run("query_modified", lambda: info.query_order_by_oid(address, oid))
    steps.run("cancel", lambda: exchange.cancel("ETH", oid))
    steps.run("order_alo", lambda: exchange.order("ETH", True, 0.01, below, ALO, cloid=cloids[1]))
    steps.run("cancel_by_cloid", lambda: exchange.cancel_by_cloid("ETH", cloids[1]))
    steps.run("order_alo_crossing", lambda: exchange.order("ETH", True, 0.01, above, ALO))
    steps.run("order_ioc", lambda: exchange.order("ETH", True, 0.02, above, IOC, cloid=cloids[2]))
    steps.run("market_open", lambda: exchange.market_open("ETH", True, 0.05))
    stop = {"trigger": {"triggerPx": below, "isMarket": True, "tpsl": "sl"}}
    placed = steps.run(
        "order_stop", lambda: exchange.order("ETH", False, 0.07, below, stop, reduce_only=True)
    )
    stop_oid = statuses(placed)[0]["resting"]["oid"] if placed else 0
    steps.run("open_orders_stop", lambda: info.frontend_open_orders(address))
    steps.run(
        "order_reduce_only",
        lambda: exchange.order("ETH", False, 0.01, float(round(mid * 0.99)), IOC, reduce_only=True),
    )
    steps.run("user_state_open", lambda: info.user_state(address))
    steps.run("market_close", lambda: exchange.market_close("ETH"))
    steps.run("user_state", lambda: info.user_state(address))
    steps.run("stop_after_close", lambda: info.query_order_by_oid(address, stop_oid))
    steps.run("user_fills", lambda: info.user_fills(address))
    steps.run("user_fills_by_time", lambda: info.user_fills_by_time(address, 0))
    steps.run("user_fees", lambda: info.user_fees(address))
    steps.run("user_rate_limit", lambda: info.user_rate_limit(address))
    steps.run("funding_history", lambda: info.funding_history("ETH", 0))

    steps.run("update_leverage", lambda: exchange.update_leverage(5, "ETH"))
    steps.run("update_leverage_too_high", lambda: exchange.update_leverage(1_000, "ETH"))
    steps.run("update_leverage_isolated", lambda: exchange.update_leverage(3, "ETH", False))
    steps.run("order_isolated", lambda: exchange.order("ETH", True, 0.05, above, IOC))
    steps.run("update_isolated_margin", lambda: exchange.update_isolated_margin(10.0, "ETH"))
    steps.run("update_leverage_switch_open", lambda: exchange.update_leverage(5, "ETH"))
    steps.run("user_state_isolated", lambda: info.user_state(address))
    steps.run("market_close_isolated", lambda: exchange.market_close("ETH"))

    now = int(steps.results["user_state"]["ok"]["time"])  # the venue's clock
    steps.run("schedule_cancel_before_volume", lambda: exchange.schedule_cancel(now + 60_000))
    steps.run("leverage_for_volume", lambda: exchange.update_leverage(20, "ETH"))
    steps.run("volume_open", lambda: exchange.market_open("ETH", True, 170.0))
    steps.run("volume_close", lambda: exchange.market_close("ETH"))
    steps.run("schedule_cancel", lambda: exchange.schedule_cancel(now + 60_000))
    steps.run("schedule_cancel_too_soon", lambda: exchange.schedule_cancel(now + 1_000))
    steps.run("schedule_cancel_unset", lambda: exchange.schedule_cancel(None))

    other = "testnet" if network == "mainnet" else "mainnet"
    wrong = exchange_for(wallet, url, other)
    steps.run("order_signed_for_other_network", lambda: wrong.order("ETH", True, 0.01, below, GTC))
    return steps.results


def main() -> None:
    url, key, network = sys.argv[1:4]
    with loopback_only():
        results = drive(url, key, network)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
