"""SIGKILL at the worst moments, then restart (RELIABILITY rows 1 and 17).

The executor runs in a process of its own (``exec_worker.py``) behind the fault proxy,
which tells the test the instant a send arrives, so the kill lands exactly between
journaling and broadcasting, after a lost reply, or in the middle of a fee bump. The
restarted process reconciles first; the chain then holds exactly one transaction per
intent, at contiguous nonces.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import Chain
from exec_support import AGENT, JOURNAL_PASSWORD, open_journal, our_transactions, rpc_call, stack

from agent.clock import SystemClock
from agent.control.killswitch import KillSwitch
from agent.execution.journal import Journal
from agent.execution.records import TxStatus
from agent.intents import KillState, OutcomeStatus
from tests.support.processes import child_process
from tests.support.rpc_fault_proxy import RpcFaultProxy

WORKER = Path(__file__).with_name("exec_worker.py")
ROOT = WORKER.parents[3]  # the worker imports tests.support as the test session does
COUNT = 4


@asynccontextmanager
async def worker(
    url: str, journal: Path | str, weth: str, created: str, *extra: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    async with child_process(
        sys.executable, str(WORKER), url, str(journal), weth, str(COUNT), created, *extra,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        cwd=WORKER.parent, env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as process:  # fmt: skip
        yield process


@pytest.fixture(params=["sqlite", "postgresql"])
def journal_target(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path | str:
    """The worker's journal: a SQLite file, or a book on the session's PostgreSQL (its
    password in the environment the worker inherits)."""
    if request.param == "sqlite":
        return tmp_path / "journal.sqlite"
    database = request.getfixturevalue("postgres_database")
    monkeypatch.setenv(JOURNAL_PASSWORD, database.password)
    return str(database.url)


async def sigkill(process: asyncio.subprocess.Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


async def finish(process: asyncio.subprocess.Process) -> list[dict[str, Any]]:
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()[-3000:]
    lines = stdout.decode().splitlines()  # structlog's lines go there too
    return [json.loads(line) for line in lines if line.startswith("{")]


def block_forever(arrived: asyncio.Event) -> Any:
    async def hook(_: list[Any]) -> None:
        arrived.set()
        await asyncio.Event().wait()  # this send never reaches the node

    return hook


def assert_one_per_intent(mined: list[dict[str, Any]], finals: list[dict[str, Any]]) -> None:
    assert [int(tx["nonce"], 16) for tx in mined] == list(range(COUNT))  # no gap, no extra
    assert [f["status"] for f in finals] == ["filled"] * COUNT
    assert sorted(tx["hash"] for tx in mined) == sorted(f["reference"] for f in finals)


async def test_sigkill_between_journaling_and_sending(
    chain: Chain, journal_target: Path | str
) -> None:
    """On both journals: what a SIGKILLed process committed is what its successor finds."""
    journal, created = journal_target, datetime.now(UTC).isoformat()
    async with RpcFaultProxy(chain.url) as proxy:
        arrived = asyncio.Event()
        proxy.on_call("eth_sendRawTransaction", 3, block_forever(arrived))
        async with worker(proxy.url, journal, chain.weth, created) as first:
            await asyncio.wait_for(arrived.wait(), timeout=60)
            await sigkill(first)  # the third transaction is journaled, signed, never sent
        with open_journal(journal) as j:
            [signed] = j.transactions_at(AGENT, 31337, 2)
            assert signed.status is TxStatus.SIGNED
        async with worker(proxy.url, journal, chain.weth, created) as second:
            lines = await finish(second)
    assert lines[0] == {"event": "started", "read_only": None}  # reconciled, agreed
    finals = [line for line in lines if line["event"] == "final"]
    mined = await our_transactions(chain.url)
    assert_one_per_intent(mined, finals)
    assert mined[2]["hash"] == signed.hash  # the same bytes, not a re-signed twin


async def test_sigkill_after_a_lost_reply(chain: Chain, tmp_path: Path) -> None:
    journal, created = tmp_path / "journal.sqlite", datetime.now(UTC).isoformat()
    async with RpcFaultProxy(chain.url) as proxy:
        proxy.on_call("eth_sendRawTransaction", 2, lambda _: proxy_drop(proxy))
        receipts = proxy.hold("eth_getTransactionReceipt")
        async with worker(proxy.url, journal, chain.weth, created) as first:
            await asyncio.wait_for(proxy.arrived["eth_getTransactionReceipt"].wait(), 60)
            while len(proxy.sends()) < 2:  # the second send reached the node, its reply did not
                await asyncio.wait_for(proxy.arrived["eth_getTransactionReceipt"].wait(), 60)
                proxy.arrived["eth_getTransactionReceipt"].clear()
            await sigkill(first)
        with Journal.open(journal) as j:
            [unknown] = j.transactions_at(AGENT, 31337, 1)
            assert unknown.status is TxStatus.BROADCAST  # sent, outcome never learned
        receipts.set()
        async with worker(proxy.url, journal, chain.weth, created) as second:
            finals = [line for line in await finish(second) if line["event"] == "final"]
    assert_one_per_intent(await our_transactions(chain.url), finals)


async def proxy_drop(proxy: RpcFaultProxy) -> None:
    proxy.drop_reply("eth_sendRawTransaction")


async def test_sigkill_during_a_fee_bump(chain: Chain, tmp_path: Path) -> None:
    journal, created = tmp_path / "journal.sqlite", datetime.now(UTC).isoformat()
    await rpc_call(chain.url, "evm_setAutomine", [False])
    async with RpcFaultProxy(chain.url) as proxy:
        arrived = asyncio.Event()
        proxy.on_call("eth_sendRawTransaction", 2, block_forever(arrived))  # the first bump
        async with worker(proxy.url, journal, chain.weth, created, "0.1") as first:
            await asyncio.wait_for(arrived.wait(), timeout=60)
            await sigkill(first)
        with Journal.open(journal) as j:
            versions = j.transactions_at(AGENT, 31337, 0)
        assert [v.status for v in versions] == [TxStatus.BROADCAST, TxStatus.SIGNED]
        await rpc_call(chain.url, "evm_setAutomine", [True])
        await rpc_call(chain.url, "evm_mine")
        async with worker(proxy.url, journal, chain.weth, created) as second:
            finals = [line for line in await finish(second) if line["event"] == "final"]
    mined = await our_transactions(chain.url)
    assert_one_per_intent(mined, finals)
    assert mined[0]["hash"] in {v.hash for v in versions}


async def test_a_transaction_never_sent_before_a_kill_and_a_crash_is_discarded(
    chain: Chain, tmp_path: Path
) -> None:
    """Journaled, killed, crashed: after the restart it must not reach the chain."""
    journal = tmp_path / "journal.sqlite"
    async with RpcFaultProxy(chain.url) as proxy:
        arrived = asyncio.Event()
        proxy.on_call("eth_sendRawTransaction", 1, block_forever(arrived))
        async with stack(proxy.url, journal, chain.weth, wait_timeout_s=0.05) as s:
            await s.hedge(0, chain.weth)
            await asyncio.wait_for(arrived.wait(), 10)
            s.killswitch.set_by_operator(KillState.HALTED, operator="alice", reason="drill")
        # leaving the stack cancels the send: the process "died" with the bytes journaled
    async with stack(chain.url, journal, chain.weth) as again:
        [record] = again.journal.transactions_at(AGENT, 31337, 0)
        intent = again.journal.intent(record.intent_id)
        assert again.executor.gate.read_only is False
    assert record.status is TxStatus.DISCARDED
    assert intent is not None
    assert intent.status is OutcomeStatus.REJECTED
    assert await our_transactions(chain.url) == []


async def test_five_sigkills_in_a_row_mid_hedge_never_send_an_intent_twice(
    chain: Chain, tmp_path: Path
) -> None:
    """A restart loop: each run is killed the instant it sends (the send never reaches
    the node), five times; the sixth run finishes. Kill switch state survives it all."""
    journal, created = tmp_path / "journal.sqlite", datetime.now(UTC).isoformat()
    with Journal.open(journal) as j:  # an operator paused it, then resumed: on record
        switch = KillSwitch(j, SystemClock())
        switch.set_by_operator(KillState.REDUCE_ONLY, operator="alice", reason="drill")
        switch.set_by_operator(KillState.ACTIVE, operator="alice", reason="drill over")
    async with RpcFaultProxy(chain.url) as proxy:
        for _ in range(5):
            arrived = asyncio.Event()
            proxy.on_call("eth_sendRawTransaction", 1, block_forever(arrived))
            async with worker(proxy.url, journal, chain.weth, created) as run:
                await asyncio.wait_for(arrived.wait(), timeout=60)
                await sigkill(run)
            with Journal.open(journal) as j:
                assert j.load_kill_state() is KillState.ACTIVE
                assert len(j.kill_history(10)) == 2  # nothing added by a crash
        async with worker(proxy.url, journal, chain.weth, created) as last:
            finals = [line for line in await finish(last) if line["event"] == "final"]
        signed = {tx.hash for n in range(COUNT) for tx in journaled_versions(journal, n)}
    mined = await our_transactions(chain.url)
    assert_one_per_intent(mined, finals)
    assert {tx["hash"] for tx in mined} <= signed


def journaled_versions(path: Path, nonce: int) -> list[Any]:
    with Journal.open(path) as j:
        return list(j.transactions_at(AGENT, 31337, nonce))
