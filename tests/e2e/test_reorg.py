"""A reorganisation removes a confirmed hedge (RELIABILITY row 7) with the default
``confirmations = 1``: the daemon follows its confirmed transactions until final, so
the next tick finds the hedge gone and broadcasts the very same signed bytes again, or,
when the hedge's nonce went to another transaction meanwhile, takes the hedge as not
done and hedges the need anew. Either way the chain ends with one hedge for the need,
nothing queued, the journal agreeing. All checked on the chain, not in the agent's logs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.execution.journal import Journal
from agent.execution.records import TxRecord, TxStatus
from agent.intents import Outcome, OutcomeStatus
from agent.tick.report import TickReport
from agent.wiring import build_daemon
from sim.chain import DevChain
from tests.e2e.test_in_flight import (
    DRIFT_WETH,
    MovingClock,
    agent_transactions,
    drift,
    flat_book,
    rpc,
    ticker,
)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


@dataclass
class Hedged:
    """The daemon on a flat book after one confirmed Uniswap hedge of a drift."""

    chain: DevChain
    journal: Journal
    tick: Callable[[], Awaitable[TickReport]]
    agent: str
    router: str
    start: int  # the block before anything happened
    outcome: Outcome
    swap: TxRecord

    async def settle(self, status: OutcomeStatus) -> None:
        def settled() -> bool:
            record = self.journal.intent(self.outcome.intent_id)
            return record is not None and record.status is status

        await wait_until(settled, timeout_s=30, what=f"the hedge {status.value}")

    async def ending(self) -> tuple[list[dict[str, Any]], bool]:
        """The agent's mined swaps, and whether nothing of the agent's is queued."""
        latest = await rpc(self.chain, "eth_getTransactionCount", self.agent, "latest")
        pending = await rpc(self.chain, "eth_getTransactionCount", self.agent, "pending")
        mined = await agent_transactions(self.chain, self.agent, self.start)
        swaps = [tx for tx in mined if tx["to"] and tx["to"].lower() == self.router]
        return swaps, latest == pending


@pytest.fixture
async def hedged(tmp_path: Path) -> AsyncIterator[Hedged]:
    async with flat_book(tmp_path, "uniswap") as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        assert stack.config.chains["local"].confirmations == 1
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        journal = daemon.parts.executor.journal
        tick = ticker(daemon, clock)
        await daemon.start_up()
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        await drift(chain, manifest, DRIFT_WETH)
        [outcome] = [o for o in (await tick()).outcomes if o.venue == "uniswap"]
        assert outcome.status is OutcomeStatus.FILLED  # confirmed at depth 1
        swap = journal.transactions_of(outcome.intent_id)[-1]
        assert swap.status is TxStatus.CONFIRMED
        yield Hedged(
            chain, journal, tick, manifest.accounts["agent"],
            manifest.contract("uniswap.router").lower(), start, outcome, swap,
        )  # fmt: skip


async def test_a_hedge_reorganised_away_after_confirmation_lands_once(hedged: Hedged) -> None:
    chain, swap = hedged.chain, hedged.swap
    for _ in range(2):
        await chain.mine()  # three blocks hold the hedge's: the hedge's and two more
    await rpc(chain, "anvil_reorg", 3, [])  # ...and a reorganisation removes all three
    assert await rpc(chain, "eth_getTransactionReceipt", swap.hash) is None

    await hedged.tick()  # notices, and follows the hedge again
    await hedged.settle(OutcomeStatus.FILLED)
    again = await hedged.tick()
    assert [i for i in again.intents if i.venue == "uniswap"] == []
    swaps, nothing_queued = await hedged.ending()
    receipt = await rpc(chain, "eth_getTransactionReceipt", swap.hash)
    record = hedged.journal.transactions_of(hedged.outcome.intent_id)[-1]
    assert [tx["hash"] for tx in swaps] == [swap.hash]  # once, the same signed bytes
    assert nothing_queued
    assert record.status is TxStatus.CONFIRMED
    assert record.block_hash == receipt["blockHash"]  # the journal agrees with the chain


async def test_a_hedge_whose_nonce_went_elsewhere_after_a_reorg_is_hedged_anew(
    hedged: Hedged,
) -> None:
    chain, agent, swap = hedged.chain, hedged.agent, hedged.swap
    await rpc(chain, "anvil_reorg", 1, [])  # the hedge's block is gone...
    # ...and the operator's own transaction on the agent's key takes its nonce.
    operator = {"from": agent, "to": agent, "value": "0x0", "nonce": hex(swap.nonce)}
    await rpc(chain, "eth_sendTransaction", operator)

    await hedged.tick()  # notices: the hedge is gone and cannot come back
    await hedged.settle(OutcomeStatus.REJECTED)
    rehedged = await hedged.tick()
    assert [i.venue for i in rehedged.intents] == ["uniswap"]  # the need, hedged anew
    assert (await hedged.tick()).intents == ()
    swaps, nothing_queued = await hedged.ending()
    assert len(swaps) == 1, swaps  # exactly one hedge for the need
    assert swaps[0]["hash"] != swap.hash
    assert nothing_queued
