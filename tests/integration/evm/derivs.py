"""Shared steps of the GMX and Premia tests: funding, a market driver with the world's
keepers, sending a connector's transactions and reading the contracts' own views."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from agent.intents import Action, Intent
from agent.model import Instrument
from connectors.evm.gmx_v2 import GmxV2Connector
from connectors.evm.gmx_v2.keys import position_key
from sim.market import MarketDriver
from sim.paths import Keyframe, KeyframePath
from sim.world import ChainOracles, Keepers
from tests.integration.conftest import World

ZERO = "0x0000000000000000000000000000000000000000"
SEND_GAS = 3_000_000
BASE_PRICES = {"ETH": 3000.0, "BTC": 60000.0}


async def fund(world: World, role: str, symbol: str, amount: float) -> str:
    """Give a dev account ``amount`` whole tokens (WETH by wrapping its own ether)."""
    account = world.account(role)
    raw = round(amount * 10 ** world.manifest.token(symbol).decimals)
    token = world.contract(f"token.{symbol}")
    if symbol == "WETH":
        await token.send("deposit", sender=account, value=raw)
    else:
        await token.send("mint", account, raw, sender=world.account("deployer"))
    return account


async def market(
    world: World,
    frames: Sequence[tuple[float, Mapping[str, float]]],
    vols: Mapping[str, float] | None = None,
) -> tuple[MarketDriver, Keepers]:
    """A driver from now along ``frames`` of (seconds, prices), with every keeper listening."""
    start = await world.chain.timestamp()
    keyframes = [Keyframe(at, {**BASE_PRICES, **prices}, dict(vols or {})) for at, prices in frames]
    driver = MarketDriver(
        KeyframePath(keyframes),
        start_timestamp=start,
        chain=ChainOracles.attach(world.chain, world.manifest),
    )
    keepers = Keepers.attach(world.chain, world.manifest)
    keepers.listen(driver)
    return driver, keepers


def intent(
    venue: str, action: Action, asset: str, quantity: float, reference: float, **extra: Any
) -> Intent:
    return Intent(
        venue=venue,
        action=action,
        asset=asset,
        quantity=quantity,
        reason="test",
        reference_price=reference,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    )


async def send(
    world: World, account: str, connector: Any, the_intent: Intent
) -> list[dict[str, Any]]:
    """Build and send an intent from ``account``; GMX receipts go to its order tracker.

    The gas limit is fixed: GMX pays fees that depend on tx.gasprice (cancelOrder pays the
    canceller and refunds the rest), so anvil's estimate at gas price 0 can fall short."""
    receipts = []
    for request in connector.build(the_intent):
        receipt = await world.chain.send(
            account, request.to, request.data, value=request.value, gas=SEND_GAS
        )
        if isinstance(connector, GmxV2Connector):
            connector.tracker.track_receipt(receipt)
        receipts.append(receipt)
    return receipts


async def gmx_position_info(
    world: World, account: str, market_role: str, is_long: bool
) -> tuple[Any, ...]:
    """Reader.getPositionInfo of the account's USDC-collateral position at the keepers' prices."""
    reader, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    market_address = world.manifest.contract(market_role)
    prices = await reader.read_one("getMarketPrices", store, market_address)
    key = position_key(account, market_address, world.manifest.token("USDC").address, is_long)
    info: tuple[Any, ...] = await reader.read_one(
        "getPositionInfo", store, ZERO, key, prices, 0, ZERO, True
    )
    return info


async def gmx_liquidatable(world: World, account: str, market_role: str, is_long: bool) -> bool:
    reader, store = world.contract("gmx.reader"), world.manifest.contract("gmx.data_store")
    market_address = world.manifest.contract(market_role)
    prices = await reader.read_one("getMarketPrices", store, market_address)
    props = await reader.read_one("getMarket", store, market_address)
    key = position_key(account, market_address, world.manifest.token("USDC").address, is_long)
    liquidatable, _, _ = await reader.read(
        "isPositionLiquidatable", store, ZERO, key, props, prices, True, True
    )
    return bool(liquidatable)


async def set_eth_answer(world: World, answer: int) -> None:
    """Publish an ETH/USD answer (8 decimals) now."""
    feed = world.contract("chainlink.ETH_USD")
    await feed.send("transmit", answer, sender=world.account("deployer"))


def option(connector: Any, strike: float, is_call: bool, which: int = 0) -> tuple[Any, Instrument]:
    """The ``which``-th maturity's pool at ``strike`` and its instrument."""
    pools = sorted(
        (p for p in connector.pools if p.strike == strike and p.is_call == is_call),
        key=lambda p: p.maturity,
    )
    return pools[which], connector.instrument(pools[which])
