"""Work in flight is netted before deciding: one hedge per need (RELIABILITY row 22).

On chain: the daemon runs on the local world with Uniswap as its only ETH hedge route. Mining
stops and the base fee jumps above every cap while the agent's delta keeps drifting
(WETH lands in its wallet); its first hedge sits in the mempool. When fees fall, the
next tick must hedge only the drift since, not the whole deviation again: once
everything is mined the chain holds one swap per need and the book is back in its
band. Checked on the chain (the agent's mined transactions, balances), not in the
agent's logs.

On each venue simulator: the reply to the agent's order is lost and the venue answers
"order not found" for longer than a tick while delta drifts again. The order it cannot
find keeps its size reserved: nothing is placed until a lookup finds it, then only the
drift since is hedged. Checked in the simulator's own request log and positions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agent.daemon import Daemon
from agent.errors import RejectedError
from agent.intents import KillState, OutcomeStatus
from agent.tick.report import TickReport
from agent.wiring import build_daemon
from sim.chain import DevChain, attach
from sim.manifest import Manifest
from sim.market import MarketDriver
from sim.stack import LocalStack, StackOptions, WorldClock
from sim.venues.faults import ANY_ORDER
from sim.world import WorldOptions
from tests.e2e.conftest import BAND_HALF_WIDTH, CRASH, overrides
from tests.e2e.world_view import deribit_holdings, eth_delta, gmx_eth, hyperliquid_eth
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

GWEI = 10**9
DRIFT_WETH = 3.0  # beyond the 2 ETH band: each drift is a need of its own
SPIKE_GWEI = 600  # above the emergency cap (500 gwei in config/local.toml)
DELTA_TOLERANCE = 1.0  # our Black-Scholes against the agent's (tests/e2e/test_daemon.py)


class MovingClock(WorldClock):
    """Chain time plus what the test moved on: ticks a minute apart while the chain
    (mining stopped) and the market driver stand still."""

    def __init__(self, driver: MarketDriver) -> None:
        super().__init__(driver)
        self.offset_s = 0

    def now(self) -> datetime:
        return super().now() + timedelta(seconds=self.offset_s)


def ticker(daemon: Daemon, clock: MovingClock) -> Callable[[], Awaitable[TickReport]]:
    """One tick a minute after the last; a failed tick fails the test."""

    async def tick() -> TickReport:
        clock.offset_s += 60
        report = await daemon.tick()
        assert report.error is None, report.error
        return report

    return tick


async def rpc(chain: DevChain, method: str, *params: Any) -> Any:
    return await chain.rpc.request(method, list(params))


async def drift(chain: DevChain, manifest: Manifest, weth: float) -> None:
    """The lender hands the agent ``weth`` WETH in a block of its own, at any base fee,
    leaving the agent's own pending transactions where they are."""
    lender, token = manifest.accounts["lender"], attach(chain, manifest, "token.WETH")
    amount = int(weth * 10**18)
    for data, value in (
        (token.abi.encode("deposit"), amount),
        (token.abi.encode("transfer", manifest.accounts["agent"], amount), 0),
    ):
        await rpc(
            chain,
            "eth_sendTransaction",
            {
                "from": lender, "to": token.address, "data": "0x" + data.hex(),
                "value": hex(value), "gas": hex(100_000),
                "maxFeePerGas": hex(10_000 * GWEI), "maxPriorityFeePerGas": hex(GWEI),
            },
        )  # fmt: skip
    await chain.mine()


async def agent_transactions(chain: DevChain, agent: str, first_block: int) -> list[dict[str, Any]]:
    """The agent's transactions mined after ``first_block``, with their receipts' status
    and, for a reverted one, its reason (replayed on its parent block's state)."""
    latest = int(await rpc(chain, "eth_blockNumber"), 16)
    mined = []
    for number in range(first_block + 1, latest + 1):
        block = await rpc(chain, "eth_getBlockByNumber", hex(number), True)
        for tx in block["transactions"]:
            if tx["from"].lower() == agent.lower():
                receipt = await rpc(chain, "eth_getTransactionReceipt", tx["hash"])
                status, reason = int(receipt["status"], 16), ""
                if not status:
                    call = {k: tx[k] for k in ("from", "to", "input", "value", "gas")}
                    try:
                        await rpc(chain, "eth_call", call, hex(number - 1))
                    except RejectedError as error:
                        reason = str(error)
                mined.append({**tx, "status": status, "reason": reason})
    return mined


def swapped_in(tx: dict[str, Any]) -> int:
    """``amountIn`` of a ``multicall(deadline, [exactInputSingle(params)])`` to the router:
    the fifth word of the params, which follow the inner call's 4-byte selector."""
    data = bytes.fromhex(tx["input"].removeprefix("0x"))
    inner = data.index(bytes.fromhex("04e45aaf"))  # exactInputSingle's selector
    return int.from_bytes(data[inner + 4 + 4 * 32 : inner + 4 + 5 * 32], "big")


def flat_book(tmp_path: Path, hedge_venue: str) -> LocalStack:
    """The local world with nothing seeded (delta 0) and one ETH hedge venue."""
    underlyings = {
        "ETH": {
            "band": {"mode": "fixed", "half_width_coin": BAND_HALF_WIDTH},
            "hedge_venues": [hedge_venue],
        }
    }
    options = StackOptions(
        world=WorldOptions(path=CRASH),
        run_dir=tmp_path,
        overrides=overrides(underlyings=underlyings),
        deribit_balances={"USDC": 100_000.0},  # no coin collateral: the book starts flat
    )
    return LocalStack(options)


@pytest.fixture
async def uniswap_only(tmp_path: Path) -> Any:
    async with flat_book(tmp_path, "uniswap") as stack:
        yield stack


async def test_a_hedge_stuck_in_a_fee_spike_is_not_hedged_again(uniswap_only: LocalStack) -> None:
    stack = uniswap_only
    assert stack.config is not None
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    agent = manifest.accounts["agent"]
    router = manifest.contract("uniswap.router").lower()
    async with AsyncExitStack() as resources:
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        daemon.parts.executor.wait_timeout_s = 3.0  # the tick goes on; the hedge stays in flight
        journal = daemon.parts.executor.journal
        tick = ticker(daemon, clock)

        await daemon.start_up()
        await tick()
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        await rpc(chain, "evm_setAutomine", False)
        try:
            await drift(chain, manifest, DRIFT_WETH)
            first = await tick()  # need 1: hedged, and stuck in the mempool
            assert [i.venue for i in first.intents] == ["uniswap"]
            await rpc(chain, "anvil_setNextBlockBaseFeePerGas", hex(SPIKE_GWEI * GWEI))
            await drift(chain, manifest, DRIFT_WETH)  # need 2 arrives during the spike
            for _ in range(3):  # the guard refuses new work above every cap
                await tick()
            await rpc(chain, "anvil_setNextBlockBaseFeePerGas", hex(GWEI))  # fees fall...
            second = await tick()  # ...before the first hedge is mined: need 2 only
            assert [i.quantity for i in second.intents] == [DRIFT_WETH]
        finally:
            await rpc(chain, "evm_setAutomine", True)
        await chain.mine()
        rehedges = []
        for _ in range(3):  # everything mined, then ticks until one has nothing to do
            await wait_until(lambda: not journal.in_flight(), timeout_s=60, what="work in flight")
            last = await tick()
            if not last.intents:
                break
            rehedges.extend(last.intents)
        await wait_until(lambda: not journal.in_flight(), timeout_s=60, what="work in flight")
        in_flight = daemon.in_flight.items
        kill_state = daemon.parts.controls.killswitch.state

    # Both hedges are in flight at once, each an approval of WETH to the router then its
    # swap, sent once the approval is mined: the chain holds approval 1, approval 2, then
    # the two swaps in either order. ``approve`` replaces the allowance, so approval 2
    # covers both swaps (covering only its own, one swap would fail with STF).
    mined = await agent_transactions(chain, agent, start)
    weth = manifest.contract("token.WETH").lower()
    approvals = [int(tx["input"][-64:], 16) for tx in mined if tx["to"].lower() == weth]
    assert approvals == [int(DRIFT_WETH * 10**18), int(2 * DRIFT_WETH * 10**18)], mined
    # Both swaps carry limits from quotes of the pool before either was mined, so the one
    # mined second fills after the first one's impact (3 WETH in the world's 1000 WETH
    # pool moves it more than the limit allows): it reverts "Too little received", on
    # chain or already in its simulation (when the other was mined before it was sent),
    # keeping its WETH. That need is then hedged again, once, at a fresh price: the only
    # legitimate third swap. What must hold: each need sold exactly once, never more.
    swaps = [tx for tx in mined if tx["to"].lower() == router]
    failed = [tx for tx in mined if tx["status"] != 1]
    assert all("Too little received" in tx["reason"] for tx in failed), failed
    assert len(failed) <= 1, failed
    sold = [swapped_in(tx) for tx in swaps if tx["status"] == 1]
    assert sold == [int(DRIFT_WETH * 10**18)] * 2, mined  # one swap per need
    assert [i.quantity for i in rehedges] in ([], [DRIFT_WETH]), rehedges
    delta = await eth_delta(stack, chain, manifest)
    assert abs(delta) <= BAND_HALF_WIDTH + DELTA_TOLERANCE, delta  # not hedged twice
    assert in_flight == ()
    assert kill_state is KillState.ACTIVE  # our own swaps are not taken for someone else's


ORDER_OPERATIONS = {"hyperliquid": ("exchange/order",), "deribit": ("private/buy", "private/sell")}
HIDE_S = 12.0  # longer than the placement's own lookups and the next tick


def venue_eth(stack: LocalStack, venue: str) -> float:
    if venue == "hyperliquid":
        return hyperliquid_eth(stack, stack.world.manifest.accounts["agent"])  # type: ignore[union-attr]
    return deribit_holdings(stack).get("ETH_USDC-PERPETUAL", 0.0)


@pytest.mark.parametrize("venue", ["hyperliquid", "deribit"])
async def test_an_order_the_venue_cannot_find_is_not_placed_again(
    tmp_path: Path, venue: str
) -> None:
    async with flat_book(tmp_path, venue) as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        simulator = stack.hyperliquid if venue == "hyperliquid" else stack.deribit
        assert simulator is not None
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        tick = ticker(daemon, clock)

        def placed() -> int:
            return sum(simulator.count(name) for name in ORDER_OPERATIONS[venue])

        await daemon.start_up()
        await tick()
        assert placed() == 0
        simulator.faults.drop_order_replies(1)
        simulator.faults.hide_order(ANY_ORDER, seconds=HIDE_S)
        await drift(chain, manifest, DRIFT_WETH)
        first = await tick()  # need 1: placed, reply lost, not found
        assert [o.status for o in first.outcomes] == [OutcomeStatus.UNKNOWN]
        await drift(chain, manifest, DRIFT_WETH)  # need 2, while need 1 is unknown
        await tick()
        assert placed() == 1  # the unknown order keeps its size reserved
        await wait_until(
            lambda: not simulator.faults.peek_hidden("any"), timeout_s=HIDE_S, what="the fault"
        )
        await tick()  # the lookup finds need 1 filled; need 2 is hedged
        await tick()
        assert placed() == 2
        position = venue_eth(stack, venue)
    assert position == pytest.approx(-2 * DRIFT_WETH, rel=1e-3)


async def test_a_gmx_order_waiting_for_its_keeper_is_not_hedged_again(tmp_path: Path) -> None:
    async with flat_book(tmp_path, "gmx") as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        agent, deployer = manifest.accounts["agent"], manifest.accounts["deployer"]
        usdc = attach(chain, manifest, "token.USDC")
        await usdc.send("mint", agent, 50_000 * 10**6, sender=deployer)  # GMX collateral
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        tick = ticker(daemon, clock)

        await daemon.start_up()
        await drift(chain, manifest, DRIFT_WETH)
        first = await tick()  # the order is created; no keeper has run yet
        assert [i.venue for i in first.intents] == ["gmx"]
        assert [o.status for o in first.outcomes] == [OutcomeStatus.FILLED]
        for _ in range(2):  # still waiting for the keeper: nothing more to do
            await tick()
        await stack.driver.publish()  # the keeper executes the order
        await tick()
        position = await gmx_eth(chain, manifest, agent)
        mined = await agent_transactions(chain, agent, start)
    exchange = manifest.contract("gmx.exchange_router").lower()
    orders = [tx for tx in mined if tx["to"] and tx["to"].lower() == exchange]
    assert len(orders) == 1, mined
    assert position == pytest.approx(-DRIFT_WETH, rel=1e-3)
