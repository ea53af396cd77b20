"""The kill switch against work in flight, verified on chain (RELIABILITY row 16).

Twenty hedges race through a proxy that slows every send; ``kill`` arrives over the
admin socket after the fifth send reached the node. Nothing reaches the chain after
the trip time (+ the send already in flight), the state survives a restart, automatic
triggers cannot re-arm it, and only ``ballast resume`` does.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from conftest import Chain
from exec_support import AGENT, our_transactions, rpc_call, stack

from agent import cli
from agent.control.admin import AdminServer
from agent.control.client import AdminClient, AdminTarget
from agent.control.commands import Controls
from agent.control.status import JournalStatus
from agent.intents import KillState, OutcomeStatus
from tests.support.rpc_fault_proxy import RpcFaultProxy
from tests.support.waiting import wait_until


def admin_for(s: Any, socket: Path) -> AdminServer:
    status = JournalStatus(s.journal, s.executor.gate, s.clock)
    return AdminServer(Controls(s.killswitch, s.executor), status, socket_path=socket)


async def mined_count(url: str) -> int:
    return int(await rpc_call(url, "eth_getTransactionCount", [AGENT, "latest"]), 16)


async def test_kill_stops_work_in_flight_on_chain_within_a_second(
    chain: Chain, tmp_path: Path
) -> None:
    journal, socket = tmp_path / "journal.sqlite", tmp_path / "admin.sock"
    fifth = asyncio.Event()

    async def reached(_: list[Any]) -> None:
        fifth.set()

    async with RpcFaultProxy(chain.url) as proxy:
        proxy.faults.lag_s["eth_sendRawTransaction"] = 0.05
        proxy.on_call("eth_sendRawTransaction", 5, reached)
        async with stack(proxy.url, journal, chain.weth) as s, admin_for(s, socket):
            client = AdminClient(AdminTarget(socket_path=socket))
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(s.hedge(n, chain.weth)) for n in range(20)]
                await fifth.wait()
                tripped_at = time.monotonic()
                await client.command("kill", reason="drill", operator="test")
                answered_at = time.monotonic()
            outcomes = [task.result() for task in tasks]
            await asyncio.sleep(max(0.0, tripped_at + 1.0 - time.monotonic()))
            at_one_second = await mined_count(chain.url)
            late = [await s.hedge(n, chain.weth) for n in range(20, 23)]  # the policy insists
    await rpc_call(chain.url, "evm_mine")
    assert answered_at - tripped_at < 1.0
    sends = proxy.sends()
    assert all(send.at <= tripped_at + 1.0 for send in sends)
    assert sum(send.at > tripped_at for send in sends) <= 1  # only the one already in flight
    mined = await our_transactions(chain.url)
    assert len(mined) == at_one_second == len(sends) == await mined_count(chain.url)
    assert 5 <= len(mined) < 20
    assert await rpc_call(chain.url, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
    filled = [o for o in outcomes if o.status is OutcomeStatus.FILLED]
    refused = [o for o in outcomes + late if o.status is OutcomeStatus.REJECTED]
    assert sorted(o.reference for o in filled) == sorted(tx["hash"] for tx in mined)
    assert len(filled) + len(refused) == 23
    assert all("kill switch is halted" in o.detail for o in refused)

    # The state survives a restart; an automatic trigger cannot re-arm it; resume does.
    async with stack(chain.url, journal, chain.weth) as again, admin_for(again, socket):
        assert again.killswitch.state is KillState.HALTED
        assert (await again.hedge(100, chain.weth)).status is OutcomeStatus.REJECTED
        assert not again.killswitch.trip(KillState.ACTIVE, reason="inputs fresh again")
        resume = ["resume", "--socket", str(socket), "--reason", "drill over"]
        assert await asyncio.to_thread(cli.main, resume) == 0
        assert again.killswitch.state is KillState.ACTIVE
        assert (await again.hedge(101, chain.weth)).status is OutcomeStatus.FILLED
    assert await mined_count(chain.url) == len(mined) + 1


async def test_kill_can_replace_pending_transactions_with_self_transfers(
    chain: Chain, tmp_path: Path
) -> None:
    await rpc_call(chain.url, "evm_setAutomine", [False])
    async with stack(chain.url, tmp_path / "j.sqlite", chain.weth, wait_timeout_s=0.1) as s:
        outcome = await s.hedge(0, chain.weth)
        assert outcome.status is OutcomeStatus.PENDING
        result = await Controls(s.killswitch, s.executor).kill(
            "alice", "drill", cancel_transactions=True
        )
        assert s.killswitch.state is KillState.HALTED
        assert "replaced by version 2" in result.actions[0], result.actions
        await rpc_call(chain.url, "evm_mine")
        await wait_until(
            lambda: s.journal.intent(outcome.intent_id).status is not OutcomeStatus.PENDING,
            what="the outcome",
        )
        record = s.journal.intent(outcome.intent_id)
    assert record.status is OutcomeStatus.CANCELLED
    [mined] = await our_transactions(chain.url)
    assert (mined["to"].lower(), int(mined["value"], 16)) == (AGENT.lower(), 0)
    assert mined["hash"] == record.reference
