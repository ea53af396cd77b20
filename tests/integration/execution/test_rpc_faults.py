"""RPC down, lagging or on the wrong chain (RELIABILITY row 6): the executor sends
through a provider that proved the chain and is current, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Chain
from exec_support import AGENT_KEY, FAST, SystemClock, limits, our_transactions, rpc_call, stack
from pydantic import SecretStr

from agent.control.killswitch import KillSwitch
from agent.errors import InvariantViolation
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.transactions import TxManager
from agent.intents import OutcomeStatus
from connectors.evm.jsonrpc import JsonRpcTransport
from connectors.evm.signer import LocalKeySigner
from tests.support.rpc_fault_proxy import RpcFaultProxy


async def test_a_provider_on_the_wrong_chain_is_never_used(chain: Chain, tmp_path: Path) -> None:
    async with RpcFaultProxy(chain.url) as wrong:
        wrong.faults.chain_id = 1
        async with stack([wrong.url, chain.url], tmp_path / "j.sqlite", chain.weth) as s:
            outcome = await s.hedge(0, chain.weth)
    assert outcome.status is OutcomeStatus.FILLED
    assert [f.method for f in wrong.forwarded if f.method != "eth_blockNumber"] == []
    assert len(await our_transactions(chain.url)) == 1


async def test_the_executor_refuses_a_node_on_another_chain(chain: Chain, tmp_path: Path) -> None:
    async with RpcFaultProxy(chain.url) as wrong, JsonRpcTransport(wrong.url) as rpc:
        wrong.faults.chain_id = 1
        clock = SystemClock()
        with Journal.open(tmp_path / "j.sqlite") as journal:
            manager = TxManager(
                rpc=rpc, signer=LocalKeySigner(SecretStr(AGENT_KEY), chain_id=31337),
                journal=journal, killswitch=KillSwitch(journal, clock),
                guard=Guard(limits(chain.weth)), clock=clock, settings=FAST,
            )  # fmt: skip
            try:
                with pytest.raises(InvariantViolation, match="chain 1, expected 31337"):
                    await manager.verify_chain()
            finally:
                manager.close()
    assert await our_transactions(chain.url) == []


async def test_a_lagging_provider_is_skipped(chain: Chain, tmp_path: Path) -> None:
    await rpc_call(chain.url, "anvil_mine", [hex(60)])
    async with RpcFaultProxy(chain.url) as lagging:
        lagging.faults.head_lag_blocks = 50
        urls = [lagging.url, chain.url]
        async with stack(urls, tmp_path / "j.sqlite", chain.weth, cooldown_s=30) as s:
            await s.rpc.refresh_heads()
            assert s.rpc.status()[0].lagging
            outcome = await s.hedge(0, chain.weth)
    assert outcome.status is OutcomeStatus.FILLED
    assert lagging.sends() == []


async def test_a_provider_that_stops_answering_is_failed_over(chain: Chain, tmp_path: Path) -> None:
    async with RpcFaultProxy(chain.url) as down:
        urls = [down.url, chain.url]
        async with stack(
            urls, tmp_path / "j.sqlite", chain.weth, rpc_timeout_s=0.5, cooldown_s=30
        ) as s:
            down.pause()  # a blackhole: requests hang until they time out
            outcome = await s.hedge(0, chain.weth)
            assert s.rpc.status()[0].down_reason is not None
    assert outcome.status is OutcomeStatus.FILLED
    assert down.sends() == []
    assert len(await our_transactions(chain.url)) == 1
