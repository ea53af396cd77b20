"""Nonces on a real anvil (RELIABILITY rows 2 and 3), checked on chain."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from conftest import Chain
from exec_support import AGENT, our_transactions, stack

from agent.execution.records import TxStatus
from agent.intents import Outcome, OutcomeStatus
from tests.support.rpc_fault_proxy import RpcFaultProxy

OUTSIDER_VALUE = 12_345  # wei: marks the other tool's transactions on chain


async def hedge_all(s: Any, weth: str, sequences: range) -> list[Outcome]:
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(s.hedge(n, weth)) for n in sequences]
    return [task.result() for task in tasks]


def assert_contiguous(txs: list[dict[str, Any]]) -> None:
    nonces = [int(tx["nonce"], 16) for tx in txs]
    assert nonces == list(range(len(nonces))), nonces


async def test_twenty_concurrent_intents_get_contiguous_nonces(
    chain: Chain, tmp_path: Path
) -> None:
    async with stack(chain.url, tmp_path / "journal.sqlite", chain.weth) as s:
        outcomes = await hedge_all(s, chain.weth, range(20))
    assert [o.status for o in outcomes] == [OutcomeStatus.FILLED] * 20
    mined = await our_transactions(chain.url)
    assert_contiguous(mined)
    assert sorted(tx["hash"] for tx in mined) == sorted(o.reference for o in outcomes)


async def test_another_tool_using_the_key_causes_a_resync_not_a_duplicate(
    chain: Chain, tmp_path: Path
) -> None:
    async def other_tool(_: list[Any]) -> None:
        # Same key, from outside the agent: takes the nonce our 5th send was signed with.
        await chain.dev.send(AGENT, AGENT, b"", value=OUTSIDER_VALUE)

    async with RpcFaultProxy(chain.url) as proxy:
        proxy.on_call("eth_sendRawTransaction", 5, other_tool)
        async with stack(proxy.url, tmp_path / "journal.sqlite", chain.weth) as s:
            first = await hedge_all(s, chain.weth, range(10))
            await chain.dev.send(AGENT, AGENT, b"", value=OUTSIDER_VALUE)  # between two batches
            second = await hedge_all(s, chain.weth, range(10, 20))
            discarded = [
                tx
                for n in range(25)
                for tx in s.journal.transactions_at(AGENT, s.manager.chain_id, n)
                if tx.status is TxStatus.DISCARDED
            ]
    outcomes = first + second
    assert [o.status for o in outcomes] == [OutcomeStatus.FILLED] * 20
    mined = await our_transactions(chain.url)
    assert_contiguous(mined)  # no gap
    ours = [tx for tx in mined if int(tx["value"], 16) != OUTSIDER_VALUE]
    assert len(ours) == 20  # no duplicate
    assert sorted(tx["hash"] for tx in ours) == sorted(o.reference for o in outcomes)
    assert len(mined) == 22
    assert len(discarded) == 1
    assert "nonce_used" in discarded[0].detail


async def test_a_send_refused_before_broadcast_does_not_burn_the_nonce(
    chain: Chain, tmp_path: Path
) -> None:
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(proxy.url, tmp_path / "journal.sqlite", chain.weth) as s,
    ):
        assert (await s.hedge(0, chain.weth)).status is OutcomeStatus.FILLED
        proxy.reject("eth_sendRawTransaction", "insufficient funds for gas * price + value")
        refused = await s.hedge(1, chain.weth)
        proxy.http_error("eth_sendRawTransaction", status=503)
        unreachable = await s.hedge(2, chain.weth)
        after = await s.hedge(3, chain.weth)
    assert refused.status is OutcomeStatus.REJECTED
    assert "insufficient funds" in refused.detail
    assert unreachable.status is OutcomeStatus.REJECTED
    assert after.status is OutcomeStatus.FILLED
    mined = await our_transactions(chain.url)
    assert [int(tx["nonce"], 16) for tx in mined] == [0, 1]  # the next intent reused nonce 1
    assert mined[1]["hash"] == after.reference
