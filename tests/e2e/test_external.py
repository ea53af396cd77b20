"""What the agent did not cause is noticed (RELIABILITY rows 14 and 21).

- The world's liquidator liquidates the agent's Aave loan while the agent is halted:
  the next tick journals it as a liquidation with the LiquidationCall's transaction
  hash (compared with the chain's own log).
- Someone trades on Hyperliquid with the agent's key: the next tick reports an
  unexplained change, tightens to REDUCE_ONLY until `ack`, and hedges the new delta
  once (counted in the simulator's request log).
- The same while the agent is down: the restarted daemon compares with the positions
  journaled before it stopped and reports what it found.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.execution.ledger import PositionLedger
from agent.intents import KillState
from agent.model import Side
from agent.ports import OrderRequest
from agent.wiring import build_daemon
from sim.chain import attach
from tests.e2e.test_in_flight import ORDER_OPERATIONS, MovingClock, flat_book, rpc, ticker
from tests.e2e.world_view import hyperliquid_eth

pytestmark = pytest.mark.e2e

WETH_SUPPLIED, USDC_BORROWED = 10.0, 22_000.0  # health 1.125 at 3000; under 1 near 2650


async def test_a_liquidation_of_the_halted_agent_is_reported_with_its_transaction(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path, "hyperliquid") as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        agent = manifest.accounts["agent"]
        pool, weth = attach(chain, manifest, "aave.pool"), attach(chain, manifest, "token.WETH")
        amount = int(WETH_SUPPLIED * 1e18)
        await weth.send("deposit", sender=agent, value=amount)
        await weth.send("approve", pool.address, amount, sender=agent)
        await pool.send("supply", weth.address, amount, agent, 0, sender=agent)
        usdc = manifest.token("USDC").address
        await pool.send("borrow", usdc, int(USDC_BORROWED * 1e6), 2, 0, agent, sender=agent)
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        await daemon.parts.controls.kill("test", "the agent must not prevent it")
        tick = ticker(daemon, clock)
        await tick()  # the book as it was
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        await stack.driver.advance(900)  # ETH ~2550: the liquidator acts
        assert stack.world.keepers.liquidator.records, "the crash was meant to liquidate"
        report = await tick()
        events = PositionLedger(daemon.parts.executor.journal).unacknowledged()
        topic = "0x" + pool.abi.event_topic("LiquidationCall").hex()
        logs = await rpc(
            chain,
            "eth_getLogs",
            {"address": pool.address, "fromBlock": hex(start), "topics": [topic]},
        )
    [liquidation] = logs
    assert {e.change.cause for e in events} == {"liquidation"}
    assert {(e.change.venue, e.change.kind) for e in events} >= {("aave", "debt")}
    for event in events:
        assert any(liquidation["transactionHash"] in line for line in event.change.evidence)
    assert any(a.code == "external_event" for a in report.alerts)
    assert report.kill_state is KillState.HALTED  # a liquidation it can explain: no trip


async def test_a_trade_made_behind_the_agents_back_holds_it_reduce_only_until_ack(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path, "hyperliquid") as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        assert stack.hyperliquid is not None
        agent = stack.world.manifest.accounts["agent"]  # type: ignore[union-attr]
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        tick = ticker(daemon, clock)
        await tick()
        assert daemon.parts.executor.orders is not None
        same_key = daemon.parts.executor.orders.venues["hyperliquid"]
        await same_key.place_order(
            OrderRequest("0x" + "ab" * 16, "ETH/USDC:USDC", Side.BUY, 3.0, 3100.0)
        )  # the operator's own trade with the agent's key
        noticed = await tick()
        state_after = daemon.parts.controls.killswitch.state
        [transition] = daemon.parts.executor.journal.kill_history(1)
        await tick()  # hedged once already: nothing more
        await daemon.parts.controls.ack("test", "that was my own trade")
        acked = await tick()
        orders = sum(stack.hyperliquid.count(name) for name in ORDER_OPERATIONS["hyperliquid"])
        position = hyperliquid_eth(stack, agent)
    assert state_after is KillState.REDUCE_ONLY
    assert "external change" in transition.reason
    assert "hyperliquid ETH hedge" in transition.reason
    assert [i.venue for i in noticed.intents] == ["hyperliquid"]  # risk-reducing: allowed
    assert orders == 2  # the operator's and one hedge
    assert position == pytest.approx(0.0, abs=1e-6)
    assert acked.kill_state is KillState.ACTIVE


async def test_a_position_changed_while_the_agent_was_down_is_found_at_restart(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path, "hyperliquid") as stack:
        assert stack.config is not None
        assert stack.hyperliquid is not None
        clock = MovingClock(stack.driver)
        async with AsyncExitStack() as resources:  # the first run: sees the flat book
            daemon = await build_daemon(stack.config, resources, clock=clock)
            await ticker(daemon, clock)()
            assert daemon.parts.executor.orders is not None
            same_key = daemon.parts.executor.orders.venues["hyperliquid"]
            # the agent goes down; meanwhile someone trades with its key
            await same_key.place_order(
                OrderRequest("0x" + "cd" * 16, "ETH/USDC:USDC", Side.SELL, 1.0, 2900.0)
            )
        async with AsyncExitStack() as resources:  # the restart, on the same journal
            daemon = await build_daemon(stack.config, resources, clock=clock)
            first = await ticker(daemon, clock)()
            state = daemon.parts.controls.killswitch.state
            events = PositionLedger(daemon.parts.executor.journal).unacknowledged()
    [event] = events
    assert (event.change.venue, event.change.asset, event.change.kind) == (
        "hyperliquid",
        "ETH",
        "hedge",
    )
    assert (event.change.before, event.change.after) == (0.0, pytest.approx(-1.0))
    assert state is KillState.REDUCE_ONLY
    assert any(a.code == "external_event" for a in first.alerts)
