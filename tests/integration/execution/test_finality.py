"""Confirmed transactions are followed until final; nonce gaps are found every tick.

Against a real anvil, which serves the ``finalized`` tag at head - 64 and the same
depth rule configured for nodes without it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Chain
from exec_support import FAST, rpc_call, stack

from agent.execution.finality import finalized_block, follow_confirmed, nonce_gap
from agent.execution.records import TxStatus
from agent.intents import OutcomeStatus
from tests.support.rpc_fault_proxy import RpcFaultProxy


async def test_a_confirmed_transaction_becomes_final_at_the_finalized_block(
    chain: Chain, tmp_path: Path
) -> None:
    async with stack(chain.url, tmp_path / "j.sqlite", chain.weth) as s:
        outcome = await s.hedge(0, chain.weth)
        assert outcome.status is OutcomeStatus.FILLED
        [record] = s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)
        assert record.status is TxStatus.CONFIRMED
        assert record.block_number is not None
        head = int(await rpc_call(chain.url, "eth_blockNumber"), 16)
        # anvil serves the tag: head - 64, floored at 0
        assert await finalized_block(s.manager) == max(head - 64, 0)
        await rpc_call(chain.url, "anvil_mine", [hex(record.block_number + 63 - head)])
        assert await follow_confirmed(s.manager) == []
        [record] = s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)
        assert record.status is TxStatus.CONFIRMED  # one block short of final
        await rpc_call(chain.url, "anvil_mine", [hex(1)])
        assert await follow_confirmed(s.manager) == []
        [final] = s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)
    assert final.status is TxStatus.FINALIZED
    assert (final.block_number, final.block_hash) == (record.block_number, record.block_hash)


@pytest.mark.parametrize("depth", [None, 10])
async def test_without_the_tag_the_configured_depth_decides_and_nothing_is_guessed(
    chain: Chain, tmp_path: Path, depth: int | None
) -> None:
    settings = replace(FAST, finality_depth=depth)
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(proxy.url, tmp_path / "j.sqlite", chain.weth, settings=settings) as s,
    ):
        head = int(await rpc_call(chain.url, "eth_blockNumber"), 16)
        proxy.reject("eth_getBlockByNumber", "invalid block tag: finalized", code=-32602)
        final = await finalized_block(s.manager)
    # 31337 has no default depth: without the tag and a configured depth, nothing is final
    assert final == (None if depth is None else head - depth)


async def test_a_nonce_gap_is_reported_and_makes_the_executor_read_only(
    chain: Chain, tmp_path: Path
) -> None:
    async with stack(chain.url, tmp_path / "j.sqlite", chain.weth) as s:
        outcome = await s.hedge(0, chain.weth)
        assert outcome.status is OutcomeStatus.FILLED
        assert await nonce_gap(s.manager) is None
        # The journal holds nonce 0 final and a transaction waiting at nonce 1, but the
        # chain lost nonce 0 (a reorganisation deeper than anything followed it).
        [record] = s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)
        s.journal.set_tx_status(record, TxStatus.FINALIZED, at=0.0)
        waiting = replace(record, hash="0x" + "11" * 32, nonce=1, status=TxStatus.BROADCAST)
        s.journal.record_transaction(waiting)
        await rpc_call(chain.url, "anvil_reorg", [1, []])
        problems = await s.executor.check_chains()
        read_only = s.executor.gate.reason
    assert len(problems) == 1
    assert "nonce gap: the chain is at nonce 0" in problems[0]
    assert "waiting transaction is at 1" in problems[0]
    assert read_only is not None
    assert "nonce gap" in read_only
