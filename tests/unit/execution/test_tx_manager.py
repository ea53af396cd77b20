"""The writer's edges that a real node rarely shows, against a scripted node."""

from __future__ import annotations

from typing import Any

import pytest
from exec_fakes import ManualClock
from guard_builders import limits
from pydantic import SecretStr

from agent.control.killswitch import KillSwitch
from agent.errors import RejectedError, TransientError
from agent.execution.fees import Fees
from agent.execution.guard import Guard
from agent.execution.inclusion import find_inclusion
from agent.execution.journal import Journal
from agent.execution.records import IntentEntry, TxKind, TxStatus
from agent.execution.tracking import track
from agent.execution.transactions import Halted, TxManager, TxSettings, Unsigned
from agent.intents import Action, Intent, KillState, OutcomeStatus
from agent.ports import SignedTransaction
from tests.support.journals import journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: every test here runs on both backends
from connectors.evm.signer import LocalKeySigner

KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
CHAIN = 31337
GWEI = 10**9


class ScriptedNode:
    """Answers the executor's JSON-RPC from dictionaries the test fills in."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.receipts: dict[str, dict[str, str]] = {}
        self.blocks: dict[int, str] = {}  # number -> canonical hash
        self.head = 0
        self.counts = {"latest": 0, "pending": 0}
        self.refusal: str | None = None
        self.failing: list[str] = []  # methods that fail once each, in this order
        self.receipt_lag = 0  # receipt lookups answered null before the receipt shows

    def _send(self, raw: str) -> str:
        if self.refusal is not None:
            raise RejectedError(f"eth_sendRawTransaction: {self.refusal}")
        self.sent.append(raw)
        return "0x"

    async def request(self, method: str, params: Any = ()) -> Any:
        if method in self.failing:
            self.failing.remove(method)
            raise TransientError(f"{method}: connection reset")
        answers = {
            "eth_chainId": lambda: hex(CHAIN),
            "eth_feeHistory": lambda: {"baseFeePerGas": [hex(GWEI), hex(GWEI)]},
            "eth_maxPriorityFeePerGas": lambda: hex(GWEI),
            "eth_getTransactionCount": lambda: hex(self.counts[params[1]]),
            "eth_sendRawTransaction": lambda: self._send(params[0]),
            "eth_getTransactionReceipt": lambda: self._receipt(params[0]),
            "eth_getBlockByNumber": lambda: self._block(int(params[0], 16)),
            "eth_blockNumber": lambda: hex(self.head),
        }
        return answers[method]()

    def _receipt(self, tx_hash: str) -> dict[str, str] | None:
        if self.receipt_lag > 0:
            self.receipt_lag -= 1
            return None
        return self.receipts.get(tx_hash)

    def _block(self, number: int) -> dict[str, str] | None:
        block_hash = self.blocks.get(number)
        return None if block_hash is None else {"hash": block_hash}


class TrippingSigner:
    """Signs, and an operator hits ``kill`` while it does (between the two checks)."""

    def __init__(self, switch: KillSwitch) -> None:
        self.inner = LocalKeySigner(SecretStr(KEY), chain_id=CHAIN)
        self.switch = switch

    @property
    def address(self) -> str:
        return self.inner.address

    async def sign_transaction(self, transaction: dict[str, object]) -> SignedTransaction:
        signed = await self.inner.sign_transaction(transaction)
        self.switch.set_by_operator(KillState.HALTED, operator="alice", reason="mid-signature")
        return signed


def manager_for(journal: Journal, node: ScriptedNode, signer: Any, switch: KillSwitch) -> TxManager:
    return TxManager(
        rpc=node, signer=signer, journal=journal, killswitch=switch, guard=Guard(limits()),
        clock=ManualClock(), settings=TxSettings(chain_id=CHAIN),
    )  # fmt: skip


def unsigned_for(journal: Journal) -> Unsigned:
    intent = Intent(venue="aave", action=Action.REPAY, asset="USDC", quantity=1.0, reason="t")
    journal.record_intent(intent, IntentEntry(1.0, True, False, 1), at=0.0)
    to = "0x" + "11" * 20
    return Unsigned(intent.intent_id, TxKind.INTENT, to, b"", 0, 21_000, "", emergency=False)


async def test_a_kill_during_signing_stops_the_broadcast_and_frees_the_nonce(
    journal: Journal,
) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, TrippingSigner(switch), switch)
    try:
        with pytest.raises(Halted, match="halted"):
            await manager.send_new(unsigned_for(journal), Fees(2 * GWEI, GWEI), unwind=False)
    finally:
        manager.close()
    [record] = journal.transactions_at(manager.account, CHAIN, 0)
    assert record.status is TxStatus.DISCARDED  # journaled, never sent
    assert node.sent == []
    assert journal.next_nonce(manager.account, CHAIN) == 0


async def test_one_writer_per_account(journal: Journal) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    signer = LocalKeySigner(SecretStr(KEY), chain_id=CHAIN)
    first = manager_for(journal, node, signer, switch)
    try:
        with pytest.raises(Exception, match="second writer"):
            manager_for(journal, node, signer, switch)
    finally:
        first.close()
    manager_for(journal, node, signer, switch).close()  # free again once closed


async def test_a_receipt_from_a_block_that_is_no_longer_canonical_is_not_an_inclusion(
    journal: Journal,
) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, LocalKeySigner(SecretStr(KEY), chain_id=CHAIN), switch)
    try:
        record = await manager.sign_and_journal(
            unsigned_for(journal), Fees(2 * GWEI, GWEI), 0, unwind=False
        )
    finally:
        manager.close()
    node.receipts[record.hash] = {"blockNumber": hex(5), "blockHash": "0xold", "status": "0x1"}
    node.head = 7
    node.blocks[5] = "0xnew"  # reorganised: another block at height 5
    assert await find_inclusion(node, [record]) is None
    node.blocks[5] = "0xold"
    inclusion = await find_inclusion(node, [record])
    assert inclusion is not None
    assert (inclusion.block_number, inclusion.confirmations, inclusion.succeeded) == (5, 3, True)


async def test_nonce_too_low_is_success_only_if_our_hash_is_mined(journal: Journal) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, LocalKeySigner(SecretStr(KEY), chain_id=CHAIN), switch)
    unsigned = unsigned_for(journal)
    try:
        earlier = await manager.sign_and_journal(unsigned, Fees(3 * GWEI, GWEI), 0, unwind=False)
        manager.mark(earlier, TxStatus.DISCARDED, "HTTP 502: taken for not sent")
        node.receipts[earlier.hash] = {"blockNumber": "0x1", "blockHash": "0xb1", "status": "0x1"}
        node.blocks[1], node.head = "0xb1", 1
        node.counts = {"latest": 1, "pending": 0}  # a lagging pending count: nonce 0 again
        node.refusal = "nonce too low"
        record = await manager.send_new(unsigned, Fees(2 * GWEI, GWEI), unwind=False)
        assert record.hash == earlier.hash  # the intent is done; nothing re-signed goes out
        assert node.sent == []
        node.receipts.clear()  # now nonce 0 is someone else's: resync, then give up
        with pytest.raises(RejectedError, match="nonce kept being taken"):
            await manager.send_new(unsigned, Fees(2 * GWEI, GWEI), unwind=False)
    finally:
        manager.close()


async def test_tracking_rides_out_a_flaky_node(journal: Journal) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, LocalKeySigner(SecretStr(KEY), chain_id=CHAIN), switch)
    try:
        record = await manager.send_new(unsigned_for(journal), Fees(2 * GWEI, GWEI), unwind=False)
        node.receipts[record.hash] = {"blockNumber": "0x1", "blockHash": "0xb1", "status": "0x1"}
        node.blocks[1], node.head = "0xb1", 1
        node.failing = ["eth_getTransactionReceipt", "eth_getBlockByNumber", "eth_blockNumber"]
        outcome = await track(manager, record.intent_id, record.nonce, unwind=False)
    finally:
        manager.close()
    assert outcome.status is OutcomeStatus.FILLED
    assert node.failing == []


async def test_a_nonce_counted_used_before_its_receipt_shows_is_ours(journal: Journal) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, LocalKeySigner(SecretStr(KEY), chain_id=CHAIN), switch)
    try:
        record = await manager.send_new(unsigned_for(journal), Fees(2 * GWEI, GWEI), unwind=False)
        node.receipts[record.hash] = {"blockNumber": "0x1", "blockHash": "0xb1", "status": "0x1"}
        node.blocks[1], node.head = "0xb1", 1
        node.counts = {"latest": 1, "pending": 1}
        node.receipt_lag = 2  # the count moved; the receipt is served a moment later
        outcome = await track(manager, record.intent_id, record.nonce, unwind=False)
    finally:
        manager.close()
    assert outcome.status is OutcomeStatus.FILLED
    assert outcome.reference == record.hash


async def test_a_nonce_still_unexplained_a_poll_later_is_someone_elses(journal: Journal) -> None:
    node, switch = ScriptedNode(), KillSwitch(journal, ManualClock())
    manager = manager_for(journal, node, LocalKeySigner(SecretStr(KEY), chain_id=CHAIN), switch)
    try:
        record = await manager.send_new(unsigned_for(journal), Fees(2 * GWEI, GWEI), unwind=False)
        node.counts = {"latest": 1, "pending": 1}  # used, and never by our transaction
        outcome = await track(manager, record.intent_id, record.nonce, unwind=False)
    finally:
        manager.close()
    assert outcome.status is OutcomeStatus.REJECTED
    assert "not ours" in outcome.detail
