"""Building blocks for the execution tests on a real anvil."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.clock import SystemClock
from agent.control.killswitch import KillSwitch
from agent.execution.executor import Executor
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.limits import ExposureCap, GasCaps, GuardLimits, selector
from agent.execution.proposal import GuardContext
from agent.execution.reconcile import ReadOnlyGate
from agent.execution.transactions import TxManager, TxSettings
from agent.intents import Action, Intent
from agent.ports import TxRequest
from connectors.evm.jsonrpc import JsonRpcTransport
from connectors.evm.rpc import ChainClient
from connectors.evm.signer import LocalKeySigner
from sim.anvil import DEFAULT_CHAIN_ID

# anvil's published development account 1 (the local world's "agent" role).
AGENT_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
AGENT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
VENUE = "weth-local"
ETH_PRICE = 3000.0
GWEI = 10**9
DEPOSIT_WEI = 10**16  # 0.01 ETH per intent: 30 USD


def limits(
    weth: str,
    *,
    gas: GasCaps | None = None,
    emergency: GasCaps | None = None,
) -> GuardLimits:
    gas = gas or GasCaps(max_fee_per_gas_wei=100 * GWEI, max_priority_fee_per_gas_wei=5 * GWEI)
    return GuardLimits(
        max_notional_per_action_usd=10_000,
        max_notional_per_hour_usd=1_000_000,
        venue_caps={VENUE: ExposureCap(max_usd=1_000_000, max_fraction_of_book=1.0)},
        max_slippage=0.01,
        max_reference_deviation=0.02,
        gas=gas,
        emergency_gas=emergency or gas,
        allowlist={weth: frozenset({"deposit()", "transfer(address,uint256)"})},
        max_input_age_s=60,
        max_intent_age_s=60,
    )


def deposit(weth: str, wei: int = DEPOSIT_WEI) -> TxRequest:
    return TxRequest(
        chain_id=DEFAULT_CHAIN_ID,
        to=weth,
        data=selector("deposit()"),
        function="deposit()",
        value=wei,
    )


def intent(
    sequence: int, *, risk_reducing: bool = False, created_at: datetime | None = None
) -> Intent:
    return Intent(
        venue=VENUE,
        action=Action.SUPPLY,
        asset="WETH",
        quantity=DEPOSIT_WEI / 10**18,
        reason=f"test hedge {sequence}",
        notional_usd=DEPOSIT_WEI / 10**18 * ETH_PRICE,
        risk_reducing=risk_reducing,
        created_at=created_at or datetime.now(UTC),
        sequence=sequence,
    )


@dataclass
class Stack:
    """Everything the executor needs, wired as the daemon will wire it."""

    journal: Journal
    killswitch: KillSwitch
    guard: Guard
    manager: TxManager
    executor: Executor
    rpc: ChainClient
    clock: SystemClock

    def context(self) -> GuardContext:
        now = self.clock.now()
        return GuardContext(
            now=now,
            kill_state=self.killswitch.state,
            book_value_usd=1_000_000,
            inputs_observed_at=now,
            reference_prices={"ETH": ETH_PRICE, "WETH": ETH_PRICE},
            notional_last_hour_usd=self.executor.notional_last_hour_usd(),
            chain_id=DEFAULT_CHAIN_ID,
        )

    async def hedge(self, sequence: int, weth: str, **kwargs: Any) -> Any:
        return await self.executor.submit_transactions(
            intent(sequence, **kwargs), [deposit(weth)], self.context()
        )


# The PostgreSQL journal's password, for a worker process (the crash drills on both
# journals); never needed for SQLite.
JOURNAL_PASSWORD = "BALLAST_TEST_JOURNAL_PASSWORD"


def open_journal(target: Path | str) -> Journal:
    """The journal at ``target``: a SQLite file, or a PostgreSQL URL whose password is in
    the environment (``JOURNAL_PASSWORD``)."""
    return Journal.open(target, password=os.environ.get(JOURNAL_PASSWORD))


FAST = TxSettings(chain_id=DEFAULT_CHAIN_ID, poll_interval_s=0.02, replace_after_s=60.0)


@asynccontextmanager
async def stack(
    url: str | list[str],
    journal_path: Path | str,
    weth: str,
    *,
    settings: TxSettings = FAST,
    guard_limits: GuardLimits | None = None,
    wait_timeout_s: float = 30.0,
    rpc_timeout_s: float = 10.0,
    cooldown_s: float = 0.0,
) -> AsyncIterator[Stack]:
    """The executor wired to ``url`` (several: failover in order), started up."""
    clock = SystemClock()
    journal = open_journal(journal_path)
    killswitch = KillSwitch(journal, clock)
    guard = Guard(guard_limits or limits(weth))
    signer = LocalKeySigner(SecretStr(AGENT_KEY), chain_id=DEFAULT_CHAIN_ID)
    urls = [url] if isinstance(url, str) else url
    rpc = ChainClient(
        urls, chain_id=DEFAULT_CHAIN_ID, timeout_s=rpc_timeout_s, cooldown_s=cooldown_s
    )
    manager = TxManager(
        rpc=rpc, signer=signer, journal=journal, killswitch=killswitch, guard=guard,
        clock=clock, settings=settings,
    )  # fmt: skip
    try:
        async with rpc:
            executor = Executor(
                guard=guard, journal=journal, killswitch=killswitch, clock=clock,
                chains=[manager], gate=ReadOnlyGate(), wait_timeout_s=wait_timeout_s,
            )  # fmt: skip
            async with executor:
                await executor.start_up()
                yield Stack(journal, killswitch, guard, manager, executor, rpc, clock)
    finally:
        manager.close()
        journal.close()


async def our_transactions(url: str, account: str = AGENT) -> list[dict[str, Any]]:
    """Every mined transaction sent from ``account``, in chain order (read on chain)."""
    async with JsonRpcTransport(url) as rpc:
        head = int(await rpc.request("eth_blockNumber"), 16)
        found = []
        for number in range(head + 1):
            block = await rpc.request("eth_getBlockByNumber", [hex(number), True])
            for tx in block["transactions"]:
                if tx["from"].lower() == account.lower():
                    found.append(tx)
        return found


async def rpc_call(url: str, method: str, params: list[Any] | None = None) -> Any:
    async with JsonRpcTransport(url) as rpc:
        return await rpc.request(method, params or [])
