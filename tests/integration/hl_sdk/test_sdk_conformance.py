"""The official Hyperliquid SDK as a judge of the simulator (a client no one here wrote).

``sdk_driver.py`` runs in the SDK's own virtualenv against a simulator started here,
once signing for mainnet and once for testnet: each network's venue verifies its own
phantom-agent source and refuses the other's. The SDK builds every request, signs every
action and parses every reply itself; a field, a signature or a shape the simulator got
wrong shows as an SDK exception or an error status below.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from sim.market import MarketDriver
from sim.paths import Keyframe, KeyframePath
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.venues.loopback import loopback_only

ROOT = Path(__file__).resolve().parents[3]
SDK_PYTHON = ROOT / ".venv-hl-sdk" / "bin" / "python"
DRIVER = Path(__file__).with_name("sdk_driver.py")
KEY = "0x" + "5dc" * 21 + "5"
ADDRESS = Account.from_key(KEY).address

pytestmark = pytest.mark.skipif(
    not SDK_PYTHON.exists(), reason="the SDK's virtualenv is missing: run `make setup`"
)


async def _drive(network: str) -> tuple[dict[str, Any], HyperliquidSimulator]:
    driver = MarketDriver(
        KeyframePath([Keyframe(0, {"BTC": 60_000.0, "ETH": 3_000.0}, {"BTC": 0.6, "ETH": 0.7})]),
        start_timestamp=1_760_000_000,
    )
    simulator = HyperliquidSimulator(driver.state, mainnet=network == "mainnet")
    simulator.add_user(ADDRESS, usdc=100_000.0)
    driver.add_listener(simulator)
    driver.set_funding("ETH", 0.1095)  # 0.00125% an hour
    await driver.advance(3 * 3_600)  # three hourly funding records per coin
    async with simulator:
        process = await asyncio.create_subprocess_exec(
            str(SDK_PYTHON), str(DRIVER), simulator.url, KEY, network,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": ""},
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()[-3000:]
    return json.loads(out), simulator


def ok(results: dict[str, Any], step: str) -> Any:
    assert "ok" in results[step], f"{step}: {results[step]}"
    return results[step]["ok"]


def statuses(results: dict[str, Any], step: str) -> list[Any]:
    reply = ok(results, step)
    assert reply["status"] == "ok", f"{step}: {reply}"
    return list(reply["response"]["data"]["statuses"])


def refused(results: dict[str, Any], step: str) -> str:
    reply = ok(results, step)
    assert reply["status"] == "err", f"{step}: {reply}"
    return str(reply["response"])


@pytest.mark.parametrize("network", ["mainnet", "testnet"])
async def test_the_official_sdk_trades_and_reads_the_simulator(network: str) -> None:
    with loopback_only():
        results, simulator = await _drive(network)

    # Info: shapes the SDK indexes into itself
    assert [a["name"] for a in ok(results, "meta")["universe"]] == ["BTC", "ETH"]
    meta, contexts = ok(results, "meta_and_asset_ctxs")
    assert len(contexts) == len(meta["universe"])
    assert "markPx" in contexts[1]
    assert float(ok(results, "all_mids")["ETH"]) == pytest.approx(3_000.0, rel=1e-3)
    book = ok(results, "l2_snapshot")
    assert book["coin"] == "ETH"
    assert len(book["levels"]) == 2

    # a resting GTC order with a cloid: listed, found by oid and cloid, cancelled
    [resting] = statuses(results, "order_gtc")
    assert resting["resting"]["cloid"] == "0x" + f"{1:032x}"
    assert [o["oid"] for o in ok(results, "open_orders")] == [resting["resting"]["oid"]]
    assert ok(results, "frontend_open_orders")[0]["tif"] == "Gtc"
    for step in ("query_order_by_oid", "query_order_by_cloid"):
        found = ok(results, step)
        assert (found["status"], found["order"]["status"]) == ("order", "open"), step
    # modify: the order is replaced (new oid, new size and price), the old one cancelled
    [modified] = statuses(results, "modify_order")
    new_oid = modified["resting"]["oid"]
    assert new_oid != resting["resting"]["oid"]
    replaced = ok(results, "query_modified")["order"]["order"]
    assert (replaced["sz"], replaced["limitPx"]) == ("0.02", "2400.0")
    assert statuses(results, "cancel") == ["success"]
    assert "resting" in statuses(results, "order_alo")[0]
    assert statuses(results, "cancel_by_cloid") == ["success"]
    assert "Post only order would have immediately matched" in str(
        statuses(results, "order_alo_crossing")[0]["error"]
    )

    # fills: IOC with cloid, the SDK's market_open / reduce-only / market_close
    [ioc] = statuses(results, "order_ioc")
    assert ioc["filled"]["totalSz"] == "0.02"
    assert statuses(results, "market_open")[0]["filled"]["totalSz"] == "0.05"
    assert "resting" in statuses(results, "order_stop")[0]  # a trigger rests, untriggered
    [stop] = [o for o in ok(results, "open_orders_stop") if o["isTrigger"]]
    assert (stop["orderType"], stop["reduceOnly"]) == ("Stop Market", True)
    assert statuses(results, "order_reduce_only")[0]["filled"]["totalSz"] == "0.01"
    [open_position] = ok(results, "user_state_open")["assetPositions"]
    assert float(open_position["position"]["szi"]) == pytest.approx(0.06)
    assert statuses(results, "market_close")[0]["filled"]["totalSz"] == "0.06"
    assert ok(results, "user_state")["assetPositions"] == []
    # the position closed: its reduce-only stop is cancelled, never filled into a short
    assert ok(results, "stop_after_close")["order"]["status"] == "reduceOnlyCanceled"
    fills = ok(results, "user_fills")
    assert len(fills) == 4
    assert ok(results, "user_fills_by_time") == fills
    assert [f["dir"] for f in reversed(fills)] == [
        "Open Long", "Open Long", "Close Long", "Close Long",
    ]  # fmt: skip

    # what the account did and what it costs
    fees = ok(results, "user_fees")
    assert (fees["userCrossRate"], fees["userAddRate"]) == ("0.00045", "0.00015")
    [day] = fees["dailyUserVlm"]
    assert float(day["userCross"]) == pytest.approx(
        sum(float(f["sz"]) * float(f["px"]) for f in fills)
    )
    limits = ok(results, "user_rate_limit")
    assert limits["nRequestsCap"] == 10_000 + int(float(limits["cumVlm"]))
    assert limits["nRequestsUsed"] >= 8  # every exchange action so far
    funding = ok(results, "funding_history")
    assert [f["time"] % 3_600_000 for f in funding] == [0, 0, 0]
    assert float(funding[0]["fundingRate"]) == pytest.approx(0.1095 / 8760)

    # leverage and margin mode per asset: cross, then isolated with margin added
    assert ok(results, "update_leverage") == {"status": "ok", "response": {"type": "default"}}
    assert "allows 1 to 25" in refused(results, "update_leverage_too_high")
    assert ok(results, "update_leverage_isolated")["status"] == "ok"
    assert statuses(results, "order_isolated")[0]["filled"]["totalSz"] == "0.05"
    assert ok(results, "update_isolated_margin")["status"] == "ok"
    assert "open position" in refused(results, "update_leverage_switch_open")
    state = ok(results, "user_state_isolated")
    [isolated] = state["assetPositions"]
    leverage = isolated["position"]["leverage"]
    assert (leverage["type"], leverage["value"]) == ("isolated", 3)
    assert float(leverage["rawUsd"]) == pytest.approx(0.05 * 3_000.3 / 3 + 10.0, rel=1e-6)
    cross, whole = state["crossMarginSummary"], state["marginSummary"]
    assert float(cross["totalNtlPos"]) == 0.0  # the cross account holds nothing
    assert float(whole["accountValue"]) > float(cross["accountValue"])
    assert statuses(results, "market_close_isolated")[0]["filled"]["totalSz"] == "0.05"
    assert simulator.house.users[ADDRESS.lower()].leverage == {"ETH": 20}  # set back, cross

    # the dead man's switch: only after $1M traded; then armed, refused too soon, disarmed
    assert "until enough volume traded" in refused(results, "schedule_cancel_before_volume")
    assert statuses(results, "volume_close")[0]["filled"]["totalSz"] == "170.0"
    assert ok(results, "schedule_cancel")["status"] == "ok"
    assert "at least 5 seconds" in refused(results, "schedule_cancel_too_soon")
    assert ok(results, "schedule_cancel_unset")["status"] == "ok"
    assert simulator.house.users[ADDRESS.lower()].cancel_at_ms is None

    # a signature for the other network recovers another signer: refused
    assert "does not exist" in refused(results, "order_signed_for_other_network")
