"""Keys kept the way operators keep them sign and send on a local chain with the world's
WETH9: an encrypted keystore and a remote signer, each built from config by the wiring,
behind the real guarded executor; the chain says who sent what, and the gas meter agrees
with the receipt. (The daemon with a remote signer on the whole world:
tests/e2e/test_ops_daemon.py.)"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from agent.clock import SystemClock
from agent.config.models import ChainSettings
from agent.control.killswitch import KillSwitch
from agent.execution.executor import Executor
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.reconcile import ReadOnlyGate
from agent.execution.transactions import TxManager
from agent.intents import OutcomeStatus
from agent.ops.gas import GasMeter
from agent.ports import Signer
from agent.wiring.execution import open_signer
from connectors.evm.rpc import ChainClient
from sim.anvil import DEFAULT_CHAIN_ID
from sim.remote_signer import LocalRemoteSigner
from tests.integration.execution.exec_support import DEPOSIT_WEI, FAST, limits
from tests.integration.execution.exec_support import Stack as ExecStack
from tests.integration.ops.conftest import Chain

pytestmark = pytest.mark.integration


def _chain(account: dict[str, Any], url: str) -> ChainSettings:
    return ChainSettings.model_validate(
        {
            "chain_id": DEFAULT_CHAIN_ID, "rpc_urls": [url], "account": account, "tokens": {},
            "gas": {"max_fee_gwei": 100, "max_priority_fee_gwei": 5,
                    "emergency_max_fee_gwei": 100, "emergency_max_priority_fee_gwei": 5},
        }
    )  # fmt: skip


@pytest.fixture
async def funded(chain: Chain) -> str:
    """A fresh key with 10 ETH."""
    key = "0x" + secrets.token_hex(32)
    await chain.dev.rpc.request(
        "anvil_setBalance", [Account.from_key(key).address, hex(10 * 10**18)]
    )
    return key


@asynccontextmanager
async def _executor(
    chain: Chain, signer: Signer, journal_path: Path
) -> AsyncIterator[tuple[ExecStack, GasMeter]]:
    clock = SystemClock()
    weth = chain.weth.address
    async with AsyncExitStack() as stack:
        journal = stack.enter_context(Journal.open(journal_path))
        killswitch = KillSwitch(journal, clock)
        guard = Guard(limits(weth))
        rpc = await stack.enter_async_context(
            ChainClient([chain.anvil.url], chain_id=DEFAULT_CHAIN_ID)
        )
        meter = GasMeter(rpc, account=signer.address, chain_id=DEFAULT_CHAIN_ID)
        manager = TxManager(
            rpc=meter, signer=signer, journal=journal, killswitch=killswitch, guard=guard,
            clock=clock, settings=FAST,
        )  # fmt: skip
        stack.callback(manager.close)
        executor = await stack.enter_async_context(
            Executor(
                guard=guard,
                journal=journal,
                killswitch=killswitch,
                clock=clock,
                chains=[manager],
                gate=ReadOnlyGate(),
            )
        )
        await executor.start_up()
        yield ExecStack(journal, killswitch, guard, manager, executor, rpc, clock), meter


async def _hedge_and_check(chain: Chain, signer: Signer, tmp_path: Path) -> dict[str, Any]:
    weth = chain.weth.address
    async with _executor(chain, signer, tmp_path / "journal.sqlite") as (stack, meter):
        outcome = await stack.hedge(1, weth)
        assert outcome.status is OutcomeStatus.FILLED, outcome
        assert outcome.reference is not None
        receipt = await stack.rpc.request("eth_getTransactionReceipt", [outcome.reference])
    assert receipt["from"].lower() == signer.address.lower()
    balance = await chain.weth.read_one("balanceOf", signer.address)
    assert balance == DEPOSIT_WEI
    paid = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert (meter.transactions, meter.spent_wei) == (1, paid)
    result: dict[str, Any] = receipt
    return result


async def test_a_keystore_account_signs_and_sends(
    chain: Chain, funded: str, tmp_path: Path
) -> None:
    password = "pw-" + secrets.token_hex(8)
    keystore = tmp_path / "agent-keystore.json"
    keystore.write_text(json.dumps(Account.encrypt(funded, password, iterations=2**10)))
    keystore.chmod(0o600)
    (tmp_path / "keystore-password").write_text(password)
    address = Account.from_key(funded).address
    account = {"address": address, "keystore": str(keystore),
               "keystore_password": f"file:{tmp_path / 'keystore-password'}"}  # fmt: skip
    async with AsyncExitStack() as stack:
        signer = await open_signer(_chain(account, chain.anvil.url), stack)
        await _hedge_and_check(chain, signer, tmp_path)


@pytest.mark.parametrize("api", ["eth_signTransaction", "account_signTransaction"])
async def test_a_remote_signer_account_signs_and_sends(
    chain: Chain, funded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    token = "bearer-" + secrets.token_hex(12)
    monkeypatch.setenv("SIGNER_TOKEN", token)
    address = Account.from_key(funded).address
    async with LocalRemoteSigner([funded], token=token) as service:
        account = {"address": address, "remote_signer": service.url, "remote_signer_api": api,
                   "remote_signer_token": "env:SIGNER_TOKEN"}  # fmt: skip
        async with AsyncExitStack() as stack:
            signer = await open_signer(_chain(account, chain.anvil.url), stack)
            receipt = await _hedge_and_check(chain, signer, tmp_path)
        signed = service.signatures()
    assert [request["method"] for request in signed] == [api]
    assert signed[0]["params"][0]["from"] == address
    assert receipt["transactionHash"] is not None
