"""Stuck transactions (RELIABILITY rows 4 and 5) on anvil with mining paused.

Fees are bumped (both fields, >= 12.5 % each time) up to the cap and no further; the
emergency cap applies only to risk-reducing work; when the original is mined instead
of its replacement, the intent is done - no second hedge - and a receipt timeout on
the way is not a failure.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import Chain
from exec_support import FAST, GWEI, limits, our_transactions, rpc_call, stack

from agent.execution.fees import minimum_bump
from agent.execution.limits import GasCaps
from agent.execution.records import TxRecord, TxStatus
from agent.intents import OutcomeStatus
from tests.support.rpc_fault_proxy import RpcFaultProxy
from tests.support.waiting import wait_until

NORMAL = GasCaps(max_fee_per_gas_wei=40 * GWEI, max_priority_fee_per_gas_wei=5 * GWEI)
EMERGENCY = GasCaps(max_fee_per_gas_wei=100 * GWEI, max_priority_fee_per_gas_wei=10 * GWEI)
SETTINGS = replace(FAST, replace_after_s=0.15)


def versions(s: Any) -> list[TxRecord]:
    return s.journal.transactions_at(s.manager.account, s.manager.chain_id, 0)


def at_cap(s: Any, caps: GasCaps) -> bool:
    live = [v for v in versions(s) if v.status is not TxStatus.DISCARDED]
    if not live or live[-1].status is not TxStatus.BROADCAST:
        return False
    return minimum_bump(live[-1].max_fee_per_gas) > caps.max_fee_per_gas_wei


async def stuck_hedge(chain: Chain, proxy: RpcFaultProxy, s: Any, *, risk_reducing: bool) -> Any:
    """Send one hedge with mining paused; the base fee jumps right after it is sent."""

    async def fee_spike(_: list[Any]) -> None:
        await rpc_call(chain.url, "anvil_setNextBlockBaseFeePerGas", [hex(10 * GWEI)])

    await rpc_call(chain.url, "evm_setAutomine", [False])
    proxy.on_call("eth_feeHistory", 2, fee_spike)  # the first replacement's fee quote
    return await s.hedge(0, chain.weth, risk_reducing=risk_reducing)


@pytest.mark.parametrize(("risk_reducing", "cap"), [(False, NORMAL), (True, EMERGENCY)])
async def test_a_stuck_transaction_is_bumped_up_to_its_cap(
    chain: Chain, tmp_path: Path, risk_reducing: bool, cap: GasCaps
) -> None:
    guard_limits = limits(chain.weth, gas=NORMAL, emergency=EMERGENCY)
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(
            proxy.url, tmp_path / "j.sqlite", chain.weth, settings=SETTINGS,
            guard_limits=guard_limits, wait_timeout_s=0.1,
        ) as s,
    ):  # fmt: skip
        outcome = await stuck_hedge(chain, proxy, s, risk_reducing=risk_reducing)
        assert outcome.status is OutcomeStatus.PENDING  # a wait that timed out is not a failure
        await wait_until(lambda: at_cap(s, cap), what="the fee cap")
        settled = len(versions(s))
        sends = len(proxy.sends())
        # Nothing must happen now, and there is no event for nothing: watch four more
        # replacement intervals pass.
        await asyncio.sleep(4 * SETTINGS.replace_after_s)
        assert len(versions(s)) == settled
        assert len(proxy.sends()) == sends
        live = [v for v in versions(s) if v.status is not TxStatus.DISCARDED]
    assert len(live) >= 5
    for older, newer in itertools.pairwise(live):
        assert newer.max_fee_per_gas * 8 >= older.max_fee_per_gas * 9
        assert newer.max_priority_fee_per_gas * 8 >= older.max_priority_fee_per_gas * 9
    assert live[-1].max_fee_per_gas <= cap.max_fee_per_gas_wei
    beyond_normal = live[-1].max_fee_per_gas > NORMAL.max_fee_per_gas_wei
    assert beyond_normal is risk_reducing  # the emergency cap only for risk-reducing work


async def test_the_original_mined_instead_of_its_replacement_is_not_hedged_again(
    chain: Chain, tmp_path: Path
) -> None:
    guard_limits = limits(chain.weth, gas=NORMAL)
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(
            proxy.url, tmp_path / "j.sqlite", chain.weth, settings=SETTINGS,
            guard_limits=guard_limits, wait_timeout_s=0.1,
        ) as s,
    ):  # fmt: skip
        outcome = await stuck_hedge(chain, proxy, s, risk_reducing=False)
        assert outcome.status is OutcomeStatus.PENDING
        await wait_until(lambda: len(versions(s)) >= 3, what="two replacements")
        # Behind the agent's back: the original gets mined, not a replacement. A replacement
        # the agent sent just before the pause may still be on its way to the node; only
        # once it is there can it be dropped (under load it would land after the drops).
        await proxy.paused()
        original = versions(s)[0]
        for version in versions(s):  # whichever replacement the node holds
            await rpc_call(chain.url, "anvil_dropTransaction", [version.hash])
        await rpc_call(chain.url, "anvil_setNextBlockBaseFeePerGas", [hex(GWEI)])
        await rpc_call(chain.url, "eth_sendRawTransaction", ["0x" + original.raw.hex()])
        await rpc_call(chain.url, "evm_mine")
        proxy.resume()
        intent_id = original.intent_id
        await wait_until(
            lambda: s.journal.intent(intent_id).status is not OutcomeStatus.PENDING,
            what="the outcome",
        )
        record = s.journal.intent(intent_id)
        await rpc_call(chain.url, "evm_setAutomine", [True])
        another = await s.hedge(1, chain.weth)  # the next intent takes the next nonce
        # Its wait is 0.1 s: under load it may still be PENDING, unsent or unconfirmed.
        await wait_until(
            lambda: s.journal.intent(another.intent_id).status is not OutcomeStatus.PENDING,
            what="the next intent's outcome",
        )
        next_one = s.journal.intent(another.intent_id)
        final = versions(s)
    assert record.status is OutcomeStatus.FILLED
    assert record.reference == original.hash
    assert final[0].status is TxStatus.CONFIRMED
    assert {v.status for v in final[1:]} <= {TxStatus.REPLACED, TxStatus.DISCARDED}
    mined = await our_transactions(chain.url)
    assert next_one.status is OutcomeStatus.FILLED
    assert [tx["hash"] for tx in mined] == [original.hash, next_one.reference]
    assert await rpc_call(chain.url, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
