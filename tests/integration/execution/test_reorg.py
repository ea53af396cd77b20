"""A reorganisation removes a mined hedge (RELIABILITY row 7): confirmations are counted
by block hash, the same signed bytes go out again, and the hedge lands exactly once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from conftest import Chain
from exec_support import FAST, our_transactions, rpc_call, stack

from agent.execution.records import TxRecord, TxStatus
from agent.intents import OutcomeStatus
from tests.support.waiting import wait_until


async def test_a_reorg_puts_the_hedge_back_to_pending_and_it_lands_once(
    chain: Chain, tmp_path: Path
) -> None:
    settings = replace(FAST, confirmations=4)
    async with stack(
        chain.url, tmp_path / "j.sqlite", chain.weth, settings=settings, wait_timeout_s=0.1
    ) as s:
        outcome = await s.hedge(0, chain.weth)
        assert outcome.status is OutcomeStatus.PENDING  # mined, not yet 4 deep

        def tx() -> TxRecord:
            [record] = s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)
            return record

        await wait_until(lambda: tx().status is TxStatus.MINED, what="the first inclusion")
        first_block = tx().block_hash
        await rpc_call(chain.url, "evm_mine")  # 2 confirmations of 4
        await rpc_call(chain.url, "anvil_reorg", [3, []])  # the hedge's block is gone
        await wait_until(
            lambda: tx().status is TxStatus.MINED and tx().block_hash != first_block,
            what="the same bytes mined again",
        )
        for _ in range(3):
            await rpc_call(chain.url, "evm_mine")
        await wait_until(lambda: tx().status is TxStatus.CONFIRMED, what="confirmation depth")
        record = s.journal.intent(tx().intent_id)
        assert record is not None
        assert record.status is OutcomeStatus.FILLED
        assert record.reference == tx().hash
        hedge = tx().hash
    mined = await our_transactions(chain.url)
    assert [t["hash"] for t in mined] == [hedge]  # once, the very same signed transaction
