"""What the guard refuses never reaches the chain: reverts found by simulation, calls off
the allowlist, fee spikes above the cap (the emergency cap only for risk-reducing work)."""

from __future__ import annotations

from pathlib import Path

from conftest import Chain
from eth_abi.abi import encode
from exec_support import AGENT, GWEI, intent, limits, our_transactions, rpc_call, stack

from agent.execution.limits import GasCaps, selector
from agent.execution.proposal import ReasonCode
from agent.intents import OutcomeStatus
from agent.ports import TxRequest
from tests.support.rpc_fault_proxy import RpcFaultProxy
from tests.support.waiting import wait_until

TRANSFER = "transfer(address,uint256)"


def call(weth: str, function: str, data: bytes) -> TxRequest:
    return TxRequest(chain_id=31337, to=weth, data=selector(function) + data, function=function)


async def test_a_transaction_that_would_revert_is_never_sent(chain: Chain, tmp_path: Path) -> None:
    too_much = call(chain.weth, TRANSFER, encode(["address", "uint256"], [AGENT, 10**24]))
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(proxy.url, tmp_path / "j.sqlite", chain.weth) as s,
    ):
        outcome = await s.executor.submit_transactions(intent(0), [too_much], s.context())
        assert s.guard.rejection_counts[ReasonCode.SIMULATION_REVERTED] == 1
        assert {"eth_estimateGas"} <= {f.method for f in proxy.forwarded}
        next_one = await s.hedge(1, chain.weth)
    assert outcome.status is OutcomeStatus.REJECTED
    assert "simulation_reverted" in outcome.detail
    assert len(proxy.sends()) == 1  # only the next intent's
    [mined] = await our_transactions(chain.url)
    assert (int(mined["nonce"], 16), mined["hash"]) == (0, next_one.reference)


async def test_a_call_off_the_allowlist_is_neither_simulated_nor_sent(
    chain: Chain, tmp_path: Path
) -> None:
    withdraw = call(chain.weth, "withdraw(uint256)", encode(["uint256"], [1]))
    async with (
        RpcFaultProxy(chain.url) as proxy,
        stack(proxy.url, tmp_path / "j.sqlite", chain.weth) as s,
    ):
        outcome = await s.executor.submit_transactions(intent(0), [withdraw], s.context())
    assert outcome.status is OutcomeStatus.REJECTED
    assert "not_allowlisted" in outcome.detail
    methods = {f.method for f in proxy.forwarded}
    assert not methods & {"eth_estimateGas", "eth_call", "eth_sendRawTransaction"}


async def test_a_fee_spike_blocks_risk_adding_work_but_not_risk_reducing(
    chain: Chain, tmp_path: Path
) -> None:
    normal = GasCaps(max_fee_per_gas_wei=40 * GWEI, max_priority_fee_per_gas_wei=2 * GWEI)
    emergency = GasCaps(max_fee_per_gas_wei=150 * GWEI, max_priority_fee_per_gas_wei=5 * GWEI)
    await rpc_call(chain.url, "anvil_setNextBlockBaseFeePerGas", [hex(60 * GWEI)])
    guard_limits = limits(chain.weth, gas=normal, emergency=emergency)
    async with stack(chain.url, tmp_path / "j.sqlite", chain.weth, guard_limits=guard_limits) as s:
        adding = await s.hedge(0, chain.weth, risk_reducing=False)
        reducing = await s.hedge(1, chain.weth, risk_reducing=True)
    assert adding.status is OutcomeStatus.REJECTED
    assert "gas_cap" in adding.detail
    assert reducing.status is OutcomeStatus.FILLED
    [mined] = await our_transactions(chain.url)
    assert mined["hash"] == reducing.reference
    assert int(mined["maxFeePerGas"], 16) <= emergency.max_fee_per_gas_wei


async def test_gas_covers_the_state_before_and_after_our_pending_transaction(
    chain: Chain, tmp_path: Path
) -> None:
    """A second transfer to a fresh address while our first one is unmined: writing its
    balance costs 22,100 gas on the latest block (zero to non-zero) and 5,000 after the
    pending transfer. anvil estimates on pending, the exact check runs on latest: a limit
    from one state alone fails the other (a false "simulation reverted: OutOfGas" here)."""
    fresh = "0x000000000000000000000000000000000000bEEF"
    transfer = call(chain.weth, TRANSFER, encode(["address", "uint256"], [fresh, 1]))
    async with stack(chain.url, tmp_path / "j.sqlite", chain.weth, wait_timeout_s=1.0) as s:
        assert (await s.hedge(0, chain.weth)).status is OutcomeStatus.FILLED  # WETH to send
        await rpc_call(chain.url, "evm_setAutomine", [False])
        try:
            first = await s.executor.submit_transactions(intent(1), [transfer], s.context())
            second = await s.executor.submit_transactions(intent(2), [transfer], s.context())
        finally:
            await rpc_call(chain.url, "evm_setAutomine", [True])
        await rpc_call(chain.url, "evm_mine")
        await wait_until(
            lambda: not s.journal.in_flight(), timeout_s=30, what="both transfers final"
        )
        outcomes = [s.journal.intent(o.intent_id) for o in (first, second)]
    assert [o.status if o else None for o in outcomes] == [OutcomeStatus.FILLED] * 2, outcomes
    weth_balance = await rpc_call(
        chain.url,
        "eth_call",
        [{"to": chain.weth, "data": "0x70a08231" + fresh[2:].rjust(64, "0")}, "latest"],
    )
    assert int(weth_balance, 16) == 2
