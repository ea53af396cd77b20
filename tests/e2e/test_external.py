"""What the agent did not cause is noticed (RELIABILITY rows 14 and 21).

- The world's liquidators liquidate the agent's Aave loan and its 20x GMX long, and the
  Hyperliquid and Deribit simulators its levered ETH perps, while the agent is halted:
  the next tick journals all four as liquidations, with the transaction hashes of the
  LiquidationCall and of the PositionDecrease of order type Liquidation (compared with
  the chain's own logs), Hyperliquid's fill tid and Deribit's trade_id (compared with
  the simulators' records).
- Someone trades on Hyperliquid with the agent's key: the next tick reports an
  unexplained change, tightens to REDUCE_ONLY until `ack`, and hedges the new delta
  once (counted in the simulator's request log).
- The same while the agent is down: the restarted daemon compares with the positions
  journaled before it stopped, reports what it found and stays read-only until the
  position is put back (or ``ack``; kill -9 mid-hedge: tests/e2e/test_external_restart.py).
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.execution.ledger import PositionLedger
from agent.intents import Action, KillState
from agent.model import Side
from agent.ports import OrderRequest
from agent.wiring import build_daemon
from connectors.evm.gmx_v2.events import decode_position_events, liquidation_log_filter
from connectors.evm.multicall import Multicall3Reader
from connectors.evm.rpc import ChainClient
from sim.chain import attach
from sim.stack import LocalStack
from tests.e2e.test_in_flight import ORDER_OPERATIONS, MovingClock, flat_book, rpc, ticker
from tests.e2e.world_view import gmx_eth, hyperliquid_eth
from tests.integration.evm.derivs import SEND_GAS, intent
from tests.integration.evm.helpers import gmx_connector, venue

pytestmark = pytest.mark.e2e

WETH_SUPPLIED, USDC_BORROWED = 10.0, 22_000.0  # health 1.125 at 3000; under 1 near 2650
GMX_LONG_ETH = 2.0  # at 20x: liquidatable some 4 % below 3000
HL_LONG_ETH = 1_500.0  # $4.5M on $500k: liquidated some 10 % below 3000
DERIBIT_LONG_ETH = 300.0  # $900k on $100k: liquidated some 8 % below 3000


async def open_gmx_long(stack: LocalStack, agent: str) -> None:
    """A 20x ETH long for the agent, executed by the world's order keeper."""
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    usdc = attach(chain, manifest, "token.USDC")
    await usdc.send("mint", agent, 10_000 * 10**6, sender=manifest.accounts["deployer"])
    connector = gmx_connector(manifest, agent, leverage=20.0)
    async with ChainClient([stack.world.anvil.url], chain_id=manifest.chain_id) as client:
        await connector.discover(Multicall3Reader(client))
        await venue(client, connector).snapshot()
        for request in connector.build(intent("gmx", Action.BUY, "ETH", GMX_LONG_ETH, 3000.0)):
            await chain.send(agent, request.to, request.data, value=request.value, gas=SEND_GAS)
    await stack.world.keepers.gmx_orders.execute_pending(await chain.timestamp())
    assert await gmx_eth(chain, manifest, agent) == pytest.approx(GMX_LONG_ETH, rel=1e-3)


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
        await open_gmx_long(stack, agent)
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        assert daemon.parts.executor.orders is not None
        same_key = daemon.parts.executor.orders.venues  # levered longs, the agent's keys
        for venue_name, size in (("hyperliquid", HL_LONG_ETH), ("deribit", DERIBIT_LONG_ETH)):
            await same_key[venue_name].place_order(
                OrderRequest(f"long-{venue_name}", "ETH/USDC:USDC", Side.BUY, size, 3300.0)
            )
        await daemon.parts.controls.kill("test", "the agent must not prevent it")
        tick = ticker(daemon, clock)
        await tick()  # the book as it was
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        await stack.driver.advance(900)  # ETH ~2550: the liquidators act
        assert stack.world.keepers.liquidator.records, "the crash was meant to liquidate"
        assert stack.hyperliquid is not None
        assert stack.deribit is not None
        assert stack.hyperliquid.liquidations, "the crash was meant to liquidate on Hyperliquid"
        assert stack.deribit.liquidations, "the crash was meant to liquidate on Deribit"
        report = await tick()
        events = PositionLedger(daemon.parts.executor.journal).unacknowledged()
        topic = "0x" + pool.abi.event_topic("LiquidationCall").hex()
        logs = await rpc(
            chain,
            "eth_getLogs",
            {"address": pool.address, "fromBlock": hex(start), "topics": [topic]},
        )
        emitter = manifest.contract("gmx.event_emitter")
        end = int(await rpc(chain, "eth_blockNumber"), 16)
        gmx_logs = await rpc(
            chain, "eth_getLogs", liquidation_log_filter(emitter, agent, start, end)
        )
        gmx_left = await gmx_eth(chain, manifest, agent)
        [hl_fill] = [
            f for f in stack.hyperliquid.house.users[agent.lower()].fills if f.liquidation_mark
        ]
        [deribit_trade] = [
            t for a in stack.deribit.exchange.accounts.values() for t in a.trades if t.liquidation
        ]
    [liquidation] = logs
    [gmx_liquidation] = [e for e in decode_position_events(gmx_logs, emitter) if e.liquidation]
    assert stack.world.keepers.gmx_liquidator.records, "the crash was meant to liquidate on GMX"
    assert gmx_left == 0.0
    assert {e.change.cause for e in events} == {"liquidation"}
    assert {(e.change.venue, e.change.kind) for e in events} >= {
        ("aave", "debt"), ("gmx", "hedge"), ("hyperliquid", "hedge"), ("deribit", "hedge")
    }  # fmt: skip
    proof = {
        "aave": f"tx {liquidation['transactionHash']}",
        "gmx": f"tx {gmx_liquidation.transaction_hash}",
        "hyperliquid": f"tid {hl_fill.tid}",
        "deribit": f"trade {deribit_trade.trade_id}:",
    }
    for event in events:
        assert any(proof[event.change.venue] in line for line in event.change.evidence), event
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
            tick = ticker(daemon, clock)
            first = await tick()
            state = daemon.parts.controls.killswitch.state
            events = PositionLedger(daemon.parts.executor.journal).unacknowledged()
            gate = daemon.parts.executor.gate
            held = gate.reason
            assert daemon.parts.executor.orders is not None
            same_key = daemon.parts.executor.orders.venues["hyperliquid"]
            await same_key.place_order(
                OrderRequest("0x" + "ce" * 16, "ETH/USDC:USDC", Side.BUY, 1.0, 3100.0)
            )  # put back: the positions agree with the journal again
            agreed = await tick()
            released = gate.read_only
    [event] = events
    assert (event.change.venue, event.change.asset, event.change.kind) == (
        "hyperliquid",
        "ETH",
        "hedge",
    )
    assert (event.change.before, event.change.after) == (0.0, pytest.approx(-1.0))
    assert state is KillState.REDUCE_ONLY
    assert any(a.code == "external_event" for a in first.alerts)
    assert held is not None
    assert "positions differ from the journal at start-up" in held
    assert not first.intents  # read-only: nothing acted on
    assert released is False  # agreed again: read-write, still REDUCE_ONLY until ack
    assert agreed.kill_state is KillState.REDUCE_ONLY
