"""A realistic book for the agent to defend, opened in the local world.

Short ETH calls on Deribit and Premia, ETH collateral with USDC debt on Aave, short ETH
perps on Hyperliquid and GMX, some WETH and USDC in the wallet: roughly delta-neutral
at the start, long gamma-short, and with an Aave health factor a selloff will test.
The positions are opened through the same connectors the agent uses, sent from the
agent's unlocked development account (this is the user's book before Ballast runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import UTC, datetime

from agent.config.models import Config
from agent.intents import Action, Intent
from agent.model import Instrument, Kind, Side
from agent.ports import OrderRequest, TxRequest
from agent.wiring.venues import Venues, build_venues
from connectors.evm.premia_v3 import PremiaV3Connector
from sim.book_plan import BookPlan
from sim.chain import DevChain, attach
from sim.manifest import Manifest


def _intent(
    venue: str,
    action: Action,
    asset: str,
    quantity: float,
    *,
    instrument: Instrument | None = None,
    reference_price: float | None = None,
    limit_price: float | None = None,
) -> Intent:
    return Intent(
        venue, action, asset, quantity, reason="seed", instrument=instrument,
        reference_price=reference_price, limit_price=limit_price, created_at=datetime.now(UTC),
    )  # fmt: skip


async def _send(chain: DevChain, account: str, requests: Sequence[TxRequest]) -> None:
    for request in requests:
        await chain.send(account, request.to, request.data, value=request.value, gas=8_000_000)


async def seed_book(
    chain: DevChain,
    manifest: Manifest,
    config: Config,
    plan: BookPlan | None = None,
    *,
    gmx_world: tuple[DevChain, Manifest] | None = None,
) -> None:
    """Open ``plan``'s positions for the agent's account; GMX orders await the keeper.

    ``gmx_world``: the chain GMX is on when it is not ``chain`` (a two-chain book); the
    agent gets its collateral there."""
    plan = plan or BookPlan()
    agent = manifest.accounts["agent"]
    deployer = manifest.accounts["deployer"]
    gmx_chain = chain
    if gmx_world is not None:
        gmx_chain, gmx_manifest = gmx_world
        await attach(gmx_chain, gmx_manifest, "token.USDC").send(
            "mint", agent, int(plan.wallet_usdc * 1e6), sender=gmx_manifest.accounts["deployer"]
        )
    weth_needed = plan.wallet_weth + plan.aave_supply_weth + plan.premia_short_calls + 5.0
    await attach(chain, manifest, "token.WETH").send(
        "deposit", sender=agent, value=int(weth_needed * 1e18)
    )
    usdc = attach(chain, manifest, "token.USDC")
    await usdc.send("mint", agent, int(plan.wallet_usdc * 1e6), sender=deployer)
    async with AsyncExitStack() as stack:
        built = await build_venues(config, stack)
        for venue in built.venues.values():
            await venue.snapshot()
        await _lending(chain, agent, built, plan)
        await _premia(chain, agent, built, plan)
        await _exchanges(built, plan)
        await _gmx(gmx_chain, agent, built, plan)


async def _lending(chain: DevChain, agent: str, built: Venues, plan: BookPlan) -> None:
    aave = built.actions["aave"]
    await _send(
        chain, agent, aave.build(_intent("aave", Action.SUPPLY, "WETH", plan.aave_supply_weth))
    )
    await built.venues["aave"].snapshot()
    await _send(
        chain, agent, aave.build(_intent("aave", Action.BORROW, "USDC", plan.aave_borrow_usdc))
    )


async def _premia(chain: DevChain, agent: str, built: Venues, plan: BookPlan) -> None:
    snapshot = await built.venues["premia"].snapshot()
    calls = [
        q for q in snapshot.quotes
        if q.underlying == "ETH" and q.mark and _pool_strike(built, q.symbol) == plan.call_strike
    ]  # fmt: skip
    if not calls:
        return
    quote = calls[0]
    instrument = _premia_instrument(built, quote.symbol)
    intent = _intent(
        "premia", Action.SELL, "ETH", plan.premia_short_calls,
        instrument=instrument, reference_price=quote.mark, limit_price=(quote.mark or 0) * 0.5,
    )  # fmt: skip
    await _send(chain, agent, built.actions["premia"].build(intent))


def _pool_strike(built: Venues, address: str) -> float | None:
    connector = built.actions["premia"]
    assert isinstance(connector, PremiaV3Connector)
    for pool in connector.pools:
        if pool.address == address and pool.is_call:
            return float(pool.strike)
    return None


def _premia_instrument(built: Venues, address: str) -> Instrument:
    connector = built.actions["premia"]
    assert isinstance(connector, PremiaV3Connector)
    pool = next(p for p in connector.pools if p.address == address)
    return connector.instrument(pool)


async def _exchanges(built: Venues, plan: BookPlan) -> None:
    deribit = built.orders["deribit"]
    markets = deribit.exchange.markets  # type: ignore[attr-defined]
    calls = [
        m
        for m in markets.values()
        if m["option"] and m["base"] == "ETH" and m["optionType"] == "call"
        if m["strike"] == plan.call_strike
    ]
    option = sorted(calls, key=lambda m: m["expiry"])[len(calls) // 2]
    await deribit.place_order(
        OrderRequest(
            "seed-deribit-calls",
            option["symbol"],
            Side.SELL,
            plan.deribit_short_calls,
            0.0001,
            time_in_force="IOC",
        )
    )
    hyperliquid = built.orders["hyperliquid"]
    await hyperliquid.place_order(
        OrderRequest(
            "0x" + "5eed" * 8,
            "ETH/USDC:USDC",
            Side.SELL,
            plan.hyperliquid_short,
            100.0,
            time_in_force="IOC",
        )
    )


async def _gmx(chain: DevChain, agent: str, built: Venues, plan: BookPlan) -> None:
    snapshot = await built.venues["gmx"].snapshot()
    price = snapshot.marks["ETH"]
    market = next(q.symbol for q in snapshot.quotes if q.underlying == "ETH")
    instrument = Instrument("gmx", market, "ETH", Kind.PERP)
    intent = _intent(
        "gmx",
        Action.SELL,
        "ETH",
        plan.gmx_short,
        instrument=instrument,
        reference_price=price,
        limit_price=price * 0.99,
    )
    await _send(chain, agent, built.actions["gmx"].build(intent))
