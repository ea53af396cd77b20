"""The one writer of one account on one chain: nonces, signatures, the journal, sends.

Every transaction goes the same way, under the account's lock: the kill switch is
asked, the nonce is taken as max(the node's pending count, the journal's next), the
transaction is signed and journaled (raw bytes and hash on disk), the kill switch is
asked again, and only then are the bytes broadcast. A send that fails before
broadcast marks the journal row DISCARDED, which releases the nonce for the next
transaction; a lost reply keeps it (the bytes may be in a mempool). "Nonce too low"
on a fresh send means another tool used the key: the nonce is read again from the
chain and the transaction re-signed, never sent twice.

Following a transaction to the end (receipts, replacements, reorgs) is
``tracking.py``; recovery after a restart is ``reconcile.py``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import structlog

from agent.control.killswitch import KillSwitch
from agent.errors import InvariantViolation, RejectedError, TransientError
from agent.execution.broadcast import Sent, broadcast
from agent.execution.fees import Fees, initial_fees, quote_fees
from agent.execution.guard import Guard
from agent.execution.inclusion import find_inclusion, pending_count
from agent.execution.journal import Journal
from agent.execution.proposal import ReasonCode, Rejection
from agent.execution.records import TxKind, TxRecord, TxStatus
from agent.ports import Clock, Rpc, Signer, TxRequest

log = structlog.get_logger(__name__)

SELF_TRANSFER_GAS = 21_000
# The gas limit is the larger estimate on two states: the latest block, where the exact
# eth_call check runs, and the pending one, after our own transactions still unmined,
# where the transaction will run (it comes after them by nonce). They differ when a
# pending transaction of ours writes the same storage: a second approval while the
# first is unmined pays 22,100 gas for its cold SSTORE on latest (zero to non-zero) and
# 5,000 on pending (non-zero to non-zero; EIP-2929, https://eips.ethereum.org/EIPS/eip-2929).
# A node answers without a block for one of them: anvil 1.7 estimates on "pending"
# (measured here: 26,149 gas on pending, 43,249 on latest for such a write), geth on
# "latest"; the limit from the other state alone fails the check (OutOfGas) or the
# transaction on chain.
ESTIMATE_BLOCKS = ("latest", "pending")


class Halted(RejectedError):
    """The kill switch refused new work at the moment it was about to start."""


@dataclass(frozen=True, slots=True)
class TxSettings:
    """How one chain is written to. Times in seconds.

    ``confirmations`` is the depth at which a transaction is final (1 = mined);
    ``replace_after_s`` how long a transaction may sit unmined before it is replaced
    with higher fees; ``max_rebroadcast_age_s`` how old a journaled transaction that
    never reached a node may be and still be sent after a restart; ``finality_depth``
    when a confirmed transaction's block is final on a node without the ``finalized``
    tag (``agent.execution.finality``).
    """

    chain_id: int
    confirmations: int = 1
    poll_interval_s: float = 1.0
    replace_after_s: float = 30.0
    gas_limit_margin: float = 1.25
    max_send_attempts: int = 3
    max_rebroadcast_age_s: float = 300.0
    finality_depth: int | None = None  # blocks; None: the node's tag or the chain's default


@dataclass(frozen=True, slots=True)
class Unsigned:
    """The fields of a transaction that stay the same across its replacements."""

    intent_id: str
    kind: TxKind
    to: str
    data: bytes
    value: int
    gas: int
    function: str
    emergency: bool  # risk-reducing: emergency gas caps apply

    @classmethod
    def of(cls, record: TxRecord) -> Unsigned:
        return cls(
            record.intent_id,
            record.kind,
            record.to,
            record.data,
            record.value,
            record.gas,
            record.function,
            record.emergency,
        )


class TxManager:
    """Writes for ``signer``'s account on one chain; at most one per account per process."""

    _writers: ClassVar[set[tuple[int, str]]] = set()

    def __init__(
        self,
        *,
        rpc: Rpc,
        signer: Signer,
        journal: Journal,
        killswitch: KillSwitch,
        guard: Guard,
        clock: Clock,
        settings: TxSettings,
    ) -> None:
        self.rpc = rpc
        self.signer = signer
        self.journal = journal
        self.killswitch = killswitch
        self.guard = guard
        self.clock = clock
        self.settings = settings
        self.account = signer.address
        self._key = (settings.chain_id, self.account.lower())
        if self._key in TxManager._writers:
            raise InvariantViolation(f"a second writer for {self.account} on {self.chain_id}")
        TxManager._writers.add(self._key)
        self.lock = asyncio.Lock()
        self.last_sent: dict[int, float] = {}  # nonce -> monotonic time of its last send
        # nonce -> monotonic time the chain first counted it used with no receipt of ours
        self.used_unexplained: dict[int, float] = {}
        self.capped: set[str] = set()  # hashes the caps leave no room to replace
        # Called with the receipt of each of our transactions once it is final, so whoever
        # follows work the transaction started (a GMX order tracker) learns of it even when
        # that work is done before the next read.
        self.receipt_observers: list[Callable[[Mapping[str, Any]], object]] = []

    @property
    def chain_id(self) -> int:
        return self.settings.chain_id

    def close(self) -> None:
        """Release the account so another manager may write for it."""
        TxManager._writers.discard(self._key)

    async def verify_chain(self) -> None:
        """Refuse to run against a node on another chain."""
        actual = int(str(await self.rpc.request("eth_chainId")), 16)
        if actual != self.chain_id:
            raise InvariantViolation(f"RPC is on chain {actual}, expected {self.chain_id}")

    def now(self) -> float:
        return self.clock.now().timestamp()

    def permitted(self, record: Unsigned | TxRecord, unwind: bool) -> bool:
        return self.killswitch.permits(risk_reducing=record.emergency, unwind=unwind)

    # --- a new transaction ---------------------------------------------------------

    async def prepare(
        self, intent_id: str, request: TxRequest, *, emergency: bool
    ) -> tuple[Unsigned, Fees] | Rejection:
        """Price and simulate ``request`` exactly as it would be sent.

        Returns the transaction and its fees, or the guard's rejection (fee cap, or a
        revert in ``eth_estimateGas`` / ``eth_call``). TransientError if the node
        cannot be asked.
        """
        quote = await quote_fees(self.rpc)
        caps = self.guard.limits.gas_caps(emergency=emergency, chain_id=self.chain_id)
        fees = initial_fees(quote, caps)
        rejection = self.guard.check_fees(
            intent_id, quote, fees, emergency=emergency, chain_id=self.chain_id
        )
        if rejection is not None:
            return rejection
        call: dict[str, Any] = {
            "from": self.account,
            "to": request.to,
            "data": "0x" + request.data.hex(),
            "value": hex(request.value),
        }
        try:
            estimate = max([await self._estimate(call, block) for block in ESTIMATE_BLOCKS])
            gas = math.ceil(estimate * self.settings.gas_limit_margin)
            exact = call | {"gas": hex(gas), **_fee_fields(fees)}
            await self.rpc.request("eth_call", [exact, "latest"])
        except RejectedError as error:
            return self.guard.reject(intent_id, ReasonCode.SIMULATION_REVERTED, str(error))
        unsigned = Unsigned(
            intent_id, TxKind.INTENT, request.to, request.data, request.value, gas,
            request.function, emergency,
        )  # fmt: skip
        return unsigned, fees

    async def _estimate(self, call: Mapping[str, Any], block: str) -> int:
        return int(str(await self.rpc.request("eth_estimateGas", [call, block])), 16)

    async def send_new(self, unsigned: Unsigned, fees: Fees, *, unwind: bool) -> TxRecord:
        """Sign, journal and broadcast at a fresh nonce; return the journaled record.

        Raises Halted if the kill switch refuses, RejectedError / TransientError if the
        transaction could not be sent (its nonce is then free again).
        """
        async with self.lock:
            for _ in range(self.settings.max_send_attempts):
                nonce = max(
                    await pending_count(self.rpc, self.account),
                    self.journal.next_nonce(self.account, self.chain_id),
                )
                record = await self.sign_and_journal(unsigned, fees, nonce, unwind=unwind)
                sent, words = await self.broadcast_journaled(record, unwind=unwind)
                if sent in (Sent.ACCEPTED, Sent.UNKNOWN):
                    return record
                if sent is Sent.NOT_SENT:
                    raise TransientError(f"not sent: {words}")
                if sent is Sent.REFUSED:
                    raise RejectedError(f"refused by the node: {words}")
                if sent is Sent.BELOW_BASE_FEE:
                    fees = await self._repriced(unsigned)
                elif sent is Sent.NONCE_USED:
                    mined = await self._ours_mined_at(nonce)
                    if mined is not None and mined.intent_id == unsigned.intent_id:
                        return mined  # an earlier attempt of this intent got in after all
                log.warning("nonce_resync", account=self.account, nonce=nonce, reason=words)
        raise RejectedError(
            f"nonce kept being taken by another sender ({self.settings.max_send_attempts} tries)"
        )

    async def _ours_mined_at(self, nonce: int) -> TxRecord | None:
        """ "Nonce too low" is ours only if one of our journaled hashes there is mined.

        Such a record (a send we took for failed that reached a node after all) gets
        its status back; its intent's outcome is settled by the tracker or reconciler.
        """
        versions = self.journal.transactions_at(self.account, self.chain_id, nonce)
        inclusion = await find_inclusion(self.rpc, versions)
        if inclusion is None:
            return None
        log.warning("discarded_transaction_mined", tx_hash=inclusion.record.hash, nonce=nonce)
        return self.mark(inclusion.record, TxStatus.BROADCAST, "mined after all")

    async def _repriced(self, unsigned: Unsigned) -> Fees:
        quote = await quote_fees(self.rpc)
        caps = self.guard.limits.gas_caps(emergency=unsigned.emergency, chain_id=self.chain_id)
        fees = initial_fees(quote, caps)
        rejection = self.guard.check_fees(
            unsigned.intent_id, quote, fees, emergency=unsigned.emergency, chain_id=self.chain_id
        )
        if rejection is not None:
            raise RejectedError(rejection.message)
        return fees

    # --- primitives, called with the lock held --------------------------------------

    async def sign_and_journal(
        self, unsigned: Unsigned, fees: Fees, nonce: int, *, unwind: bool, checked: bool = True
    ) -> TxRecord:
        """Sign at ``nonce`` and write the record (SIGNED) before anything is sent.

        ``checked=False`` skips the kill switch: only for the operator's cancellation.
        """
        if checked and not self.permitted(unsigned, unwind):
            raise Halted(f"kill switch is {self.killswitch.state.value}")
        fields: dict[str, object] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": unsigned.to,
            "value": unsigned.value,
            "data": unsigned.data,
            "gas": unsigned.gas,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }
        signed = await self.signer.sign_transaction(fields)
        if signed.nonce != nonce or signed.chain_id != self.chain_id:
            raise InvariantViolation("the signer changed the nonce or the chain id")
        versions = self.journal.transactions_at(self.account, self.chain_id, nonce)
        now = self.now()
        record = TxRecord(
            hash=signed.hash, intent_id=unsigned.intent_id, account=self.account,
            chain_id=self.chain_id, nonce=nonce,
            version=1 + max((v.version for v in versions), default=0), kind=unsigned.kind,
            raw=signed.raw, to=unsigned.to, data=unsigned.data, value=unsigned.value,
            gas=unsigned.gas, max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas, function=unsigned.function,
            emergency=unsigned.emergency, status=TxStatus.SIGNED, created_at=now, updated_at=now,
        )  # fmt: skip
        self.journal.record_transaction(record)
        return record

    async def broadcast_journaled(
        self, record: TxRecord, *, unwind: bool, checked: bool = True
    ) -> tuple[Sent, str]:
        """Broadcast a journaled record and journal the result.

        The kill switch is asked once more right before the bytes leave; anything that
        did not reach a mempool marks the record DISCARDED (its nonce is free again).
        """
        if checked and not self.permitted(record, unwind):
            self.mark(record, TxStatus.DISCARDED, "kill switch tripped before broadcast")
            raise Halted(f"kill switch is {self.killswitch.state.value}")
        sent, words = await broadcast(self.rpc, record.raw, record.hash)
        if sent in (Sent.ACCEPTED, Sent.UNKNOWN):
            self.mark(record, TxStatus.BROADCAST, words)
            self.last_sent[record.nonce] = self.clock.monotonic()
        else:
            self.mark(record, TxStatus.DISCARDED, f"{sent.value}: {words}")
        return sent, words

    async def rebroadcast(self, record: TxRecord) -> Sent:
        """Send the same bytes again (idempotent); the record's status follows."""
        sent, words = await broadcast(self.rpc, record.raw, record.hash)
        if sent in (Sent.ACCEPTED, Sent.UNKNOWN) and record.status is not TxStatus.BROADCAST:
            self.mark(record, TxStatus.BROADCAST, words)
        return sent

    def mark(
        self,
        record: TxRecord,
        status: TxStatus,
        detail: str | None = None,
        block: tuple[int, str, int] | None = None,
    ) -> TxRecord:
        self.journal.set_tx_status(record, status, at=self.now(), detail=detail, block=block)
        return replace(record, status=status)

    def live_versions(self, nonce: int) -> list[TxRecord]:
        """Our transactions at ``nonce`` that reached (or may have reached) a node."""
        versions = self.journal.transactions_at(self.account, self.chain_id, nonce)
        return [v for v in versions if v.status is not TxStatus.DISCARDED]


def _fee_fields(fees: Fees) -> dict[str, str]:
    return {
        "maxFeePerGas": hex(fees.max_fee_per_gas),
        "maxPriorityFeePerGas": hex(fees.max_priority_fee_per_gas),
    }
