"""Two hosts, one book: SIGSTOP the leader past its lease, then SIGKILL the new leader,
each in the middle of a hedge (issue 19, drills 1 and 2).

Two ``ballast run`` processes share a PostgreSQL journal on the local world, Uniswap the
only ETH hedge route. Mining stops so each hedge waits in the mempool when its sender is
stopped or killed:

- alpha leads and hedges; SIGSTOP; beta takes the lease within the lease time plus a
  tick, reconciles and follows alpha's transaction; mining resumes. SIGCONT: alpha sends
  nothing more (its own RPC proxy's log), steps down and says so (log, status).
- beta hedges the next drift; SIGKILL; alpha, standing by, takes over within the lease
  time plus a tick and follows beta's transaction to the end.

Checked on the chain: one swap per need, every mined transaction of the agent's
journaled by exactly one intent, nonces contiguous. The drill's lease is short
(``tests.e2e.failover.DRILL_LEADERSHIP``: 3 s, renewed every 0.5 s).
"""

from __future__ import annotations

import asyncio
import signal
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.control.client import format_status
from sim.stack import LocalStack
from tests.e2e.failover import (
    TAKEOVER_LIMIT_S,
    Host,
    contiguous,
    hosts,
    rows,
    running,
    wait_leader,
    wait_role,
)
from tests.e2e.test_in_flight import DRIFT_WETH, agent_transactions, drift, flat_book, rpc
from tests.support.postgres import PostgresDatabase
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e


def alerted(receiver: WebhookReceiver, path: str) -> list[tuple[str, str]]:
    """The role notices (failover, lost lease) one host's webhook received: (severity,
    title)."""
    return [
        (body["severity"], body["title"])
        for body in receiver.at(path)
        if str(body.get("key", "")).startswith("role:")
    ]


async def hedge_in_mempool(stack: LocalStack, sender: Host) -> int:
    """Stop mining, drift the book past its band and wait for ``sender``'s hedge to
    leave it; the number of raw transactions it had sent before."""
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    before = len(sender.sent_raw())
    await rpc(chain, "evm_setAutomine", False)
    await drift(chain, manifest, DRIFT_WETH)
    await wait_until(
        lambda: len(sender.sent_raw()) > before, timeout_s=60, interval_s=0.1,
        what=f"{sender.name}'s hedge",
    )  # fmt: skip
    return before


async def wait_hedged(
    stack: LocalStack, database: PostgresDatabase, needs: int, start: int
) -> None:
    """Mining again, until the chain holds a swap per need and nothing is in flight (a
    hedge cut in two by a failover ends PARTIAL, and the new leader hedges the rest)."""
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    await rpc(chain, "evm_setAutomine", True)
    await chain.mine()
    router = manifest.contract("uniswap.router").lower()
    swaps: list[int] = []

    async def done() -> bool:
        mined = await agent_transactions(chain, manifest.accounts["agent"], start)
        swaps.append(sum(1 for tx in mined if (tx["to"] or "").lower() == router))
        flying = rows(database, "SELECT 1 FROM intents WHERE status IN ('pending','unknown')")
        return swaps[-1] >= needs and not flying

    deadline = time.monotonic() + 60
    while not await done():
        assert time.monotonic() < deadline, f"not hedged: {swaps[-1]} swaps of {needs}"
        await asyncio.sleep(0.5)


async def test_a_paused_leader_sends_nothing_and_a_killed_one_is_replaced_within_its_lease(
    tmp_path: Path, postgres_database: PostgresDatabase
) -> None:
    database = postgres_database
    async with (
        WebhookReceiver() as receiver,
        flat_book(tmp_path / "world", "uniswap") as stack,
        hosts(stack, tmp_path, database, hook=receiver) as (alpha, beta),
    ):
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        agent = manifest.accounts["agent"]
        start = int(await rpc(chain, "eth_blockNumber"), 16)
        async with AsyncExitStack() as processes:
            await processes.enter_async_context(running(alpha))
            await wait_leader(database, alpha)  # alpha starts first, so it leads
            await processes.enter_async_context(running(beta))
            await wait_role(beta, "standby")
            standby_view = format_status(await beta.status())

            # drill 2: SIGSTOP the leader past its lease, mid-hedge
            await hedge_in_mempool(stack, alpha)
            alpha.signal(signal.SIGSTOP)
            stopped = time.monotonic()
            taken = await wait_leader(database, beta, timeout_s=30)
            paused_takeover_s = time.monotonic() - stopped
            await wait_role(beta, "leader")
            await wait_hedged(stack, database, 1, start)
            sent_while_paused = len(alpha.sent_raw())
            alpha.signal(signal.SIGCONT)
            woke = await wait_role(alpha, "standby")
            await wait_until(lambda: alpha.events("stepped_down"), timeout_s=30, what="report")
            await wait_role(beta, "leader")  # two ticks of beta's after alpha woke
            sent_after_waking = len(alpha.sent_raw()) - sent_while_paused
            stepped_down = alpha.events("stepped_down")

            # drill 1: SIGKILL the (new) leader, mid-hedge
            await hedge_in_mempool(stack, beta)
            beta.signal(signal.SIGKILL)
            killed = time.monotonic()
            retaken = await wait_leader(database, alpha, timeout_s=30)
            killed_takeover_s = time.monotonic() - killed
            await wait_hedged(stack, database, 2, start)
            last = await wait_role(alpha, "leader")
            leader_view = format_status(last)
            external = alpha.events("external_event") + beta.events("external_event")
            await wait_until(
                lambda: len(alerted(receiver, "/alpha")) >= 3, timeout_s=30, what="alerts"
            )  # alpha: led, lost its lease, took over again (beta: took over, then killed)

        mined = await agent_transactions(chain, agent, start)
        journaled = dict(rows(database, "SELECT hash, intent_id FROM transactions"))
        legs = dict(rows(database, "SELECT intent_id, legs FROM intents"))

    router = manifest.contract("uniswap.router").lower()
    swaps = [tx for tx in mined if tx["to"] and tx["to"].lower() == router]
    assert "role: STANDBY" in standby_view
    assert "role: LEADER" in leader_view
    assert last["kill_switch"]["state"] == "active"
    assert external == []  # the failovers changed nothing behind the new leader's back
    alpha_alerts, beta_alerts = alerted(receiver, "/alpha"), alerted(receiver, "/beta")
    assert [severity for severity, _ in alpha_alerts] == ["info", "critical", "warning"]
    assert alpha_alerts[0][1].startswith("alpha#")  # "... leads book main": the first leader
    assert alpha_alerts[1][1].startswith("Lease lost: alpha#")
    assert alpha_alerts[2][1].startswith("Failover: alpha#")
    assert beta_alerts == [("warning", beta_alerts[0][1])]
    assert beta_alerts[0][1].startswith("Failover: beta#")
    assert taken.epoch == 2
    assert retaken.epoch == 3
    assert paused_takeover_s <= TAKEOVER_LIMIT_S, paused_takeover_s
    assert killed_takeover_s <= TAKEOVER_LIMIT_S, killed_takeover_s
    assert sent_after_waking == 0, "the paused leader sent a transaction after waking"
    assert "lease lost" in stepped_down[0]["reason"]
    assert "not acting" in format_status(woke) or woke["agent"]["leadership"]["role"] == "standby"
    assert len(swaps) == 2, mined  # one per need: neither hedge was sent twice
    assert all(tx["status"] == 1 for tx in swaps), swaps
    assert contiguous([int(tx["nonce"], 16) for tx in mined]), mined
    intents = [journaled.get(tx["hash"]) for tx in mined]
    assert None not in intents, "a mined transaction the journal does not know"
    for intent in set(intents):  # never more transactions than the intent has legs
        assert intents.count(intent) <= legs[intent], (intent, mined)
