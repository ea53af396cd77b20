"""Following one nonce to the end: receipts, depth, reorgs, replacements.

The question asked each poll is not "is my latest hash mined?" but "which of our
transactions at this nonce is in the canonical chain?": an original can be mined
after its replacement was sent, and that is the intent done, not a reason to hedge
again. A receipt whose block is no longer canonical puts the transaction back to
pending and the same bytes are broadcast again. Waiting is never a failure: only a
mined transaction (ours: filled or reverted; someone else's: nonce lost) ends it.
"""

from __future__ import annotations

import structlog

from agent.errors import BallastError, RejectedError, TransientError
from agent.execution.broadcast import Sent
from agent.execution.fees import Fees, quote_fees, replacement_fees
from agent.execution.inclusion import Inclusion, find_inclusion, mined_count, node_knows
from agent.execution.records import TxKind, TxRecord, TxStatus
from agent.execution.transactions import SELF_TRANSFER_GAS, TxManager, Unsigned
from agent.intents import Outcome, OutcomeStatus

log = structlog.get_logger(__name__)


async def track(manager: TxManager, intent_id: str, nonce: int, *, unwind: bool) -> Outcome:
    """Follow ``nonce`` until one of our transactions there is final (or it is lost).

    Returns the outcome for ``intent_id``: FILLED, FAILED (reverted), CANCELLED (our
    0-value replacement was mined) or REJECTED (another transaction took the nonce).
    """
    manager.last_sent.setdefault(nonce, manager.clock.monotonic())
    while True:
        try:
            outcome = await _step(manager, intent_id, nonce, unwind)
        except TransientError as error:  # reads and re-sends are idempotent: next poll
            log.warning("tracking_retry", nonce=nonce, error=str(error))
            outcome = None
        if outcome is not None:
            manager.last_sent.pop(nonce, None)
            manager.used_unexplained.pop(nonce, None)
            return outcome
        await manager.clock.sleep(manager.settings.poll_interval_s)


async def _step(manager: TxManager, intent_id: str, nonce: int, unwind: bool) -> Outcome | None:
    live = manager.live_versions(nonce)
    if not live:
        return Outcome(intent_id, OutcomeStatus.REJECTED, "", detail="nothing was sent")
    inclusion = await find_inclusion(manager.rpc, live)
    if inclusion is not None:
        return _included(manager, intent_id, inclusion, live)
    _note_reorgs(manager, live)
    if await mined_count(manager.rpc, manager.account) > nonce:
        return await _nonce_used(manager, intent_id, nonce)
    await _keep_moving(manager, live[-1], unwind)
    return None


def _included(
    manager: TxManager, intent_id: str, inclusion: Inclusion, live: list[TxRecord]
) -> Outcome | None:
    record = inclusion.record
    block = (inclusion.block_number, inclusion.block_hash, int(inclusion.succeeded))
    if inclusion.confirmations < manager.settings.confirmations:
        if record.status is not TxStatus.MINED or record.block_hash != inclusion.block_hash:
            manager.mark(record, TxStatus.MINED, block=block)
        return None
    manager.mark(record, TxStatus.CONFIRMED, block=block)
    _tell_observers(manager, record, inclusion)
    for other in live:
        if other.hash != record.hash:
            manager.mark(other, TxStatus.REPLACED, f"{record.hash} was mined at this nonce")
    if record.version < max(v.version for v in live):
        log.warning("earlier_version_mined", nonce=record.nonce, tx_hash=record.hash)
    outcome = outcome_of(record, inclusion.succeeded, inclusion.block_number)
    if record.intent_id == intent_id:
        return outcome
    manager.journal.record_outcome(outcome, at=manager.now())  # ours, for another intent
    return Outcome(
        intent_id,
        OutcomeStatus.REJECTED,
        "",
        detail=f"nonce {record.nonce} was used by our transaction for {record.intent_id}",
    )


def _tell_observers(manager: TxManager, record: TxRecord, inclusion: Inclusion) -> None:
    """Hand the final receipt to the manager's observers; one failing does not stop the rest."""
    for observe in manager.receipt_observers:
        try:
            observe(inclusion.receipt)
        except Exception:  # a bug in an observer must not lose the outcome; it is reported
            log.exception("receipt_observer_failed", tx_hash=record.hash)


def outcome_of(record: TxRecord, succeeded: bool, block_number: int) -> Outcome:
    """The intent-level meaning of ``record`` being final in ``block_number``."""
    where = f"nonce {record.nonce}, block {block_number}"
    if record.kind is TxKind.CANCEL:
        status, detail = OutcomeStatus.CANCELLED, f"replaced by a 0-value self-transfer ({where})"
    elif succeeded:
        status, detail = OutcomeStatus.FILLED, f"confirmed ({where})"
    else:
        status, detail = OutcomeStatus.FAILED, f"reverted ({where})"
    return Outcome(record.intent_id, status, "", reference=record.hash, detail=detail)


def _note_reorgs(manager: TxManager, live: list[TxRecord]) -> None:
    for record in live:
        if record.status is TxStatus.MINED:
            log.warning("reorg_detected", tx_hash=record.hash, block=record.block_number)
            manager.mark(record, TxStatus.BROADCAST, f"block {record.block_number} reorganised")


async def _nonce_used(manager: TxManager, intent_id: str, nonce: int) -> Outcome | None:
    everything = manager.journal.transactions_at(manager.account, manager.chain_id, nonce)
    inclusion = await find_inclusion(manager.rpc, everything)  # a race, or a discarded one
    if inclusion is not None:
        return _included(manager, intent_id, inclusion, manager.live_versions(nonce))
    # A node can count a nonce used before it serves the receipt of the block that used
    # it (mid-block, or providers behind one URL): only a nonce still unexplained a poll
    # interval later is someone else's.
    now = manager.clock.monotonic()
    first = manager.used_unexplained.setdefault(nonce, now)
    if now - first < manager.settings.poll_interval_s:
        return None
    detail = f"nonce {nonce} was used by a transaction that is not ours; not executed"
    for record in manager.live_versions(nonce):
        manager.mark(record, TxStatus.DROPPED, detail)
    log.error("nonce_taken", account=manager.account, nonce=nonce, intent_id=intent_id)
    return Outcome(intent_id, OutcomeStatus.REJECTED, "", detail=detail)


async def _keep_moving(manager: TxManager, latest: TxRecord, unwind: bool) -> None:
    """Replace a transaction that waited too long; re-send one the node forgot.

    Under a kill switch that refuses this work, nothing is re-sent or replaced: a
    pending transaction is left to finish on its own.
    """
    if not manager.permitted(latest, unwind):
        return
    waited = manager.clock.monotonic() - manager.last_sent.get(latest.nonce, 0.0)
    try:
        if waited >= manager.settings.replace_after_s:
            await replace_with(manager, latest, Unsigned.of(latest), unwind=unwind)
        elif not await node_knows(manager.rpc, latest.hash):
            log.info("rebroadcast", tx_hash=latest.hash, nonce=latest.nonce)
            await manager.rebroadcast(latest)
    except RejectedError as error:  # Halted between the check and the lock
        log.info("replacement_stopped", nonce=latest.nonce, reason=str(error))


async def replace_with(
    manager: TxManager, latest: TxRecord, unsigned: Unsigned, *, unwind: bool, checked: bool = True
) -> str:
    """Sign ``unsigned`` at ``latest``'s nonce with both fees bumped >= 12.5 %, and send.

    Stays within the caps (the emergency caps for risk-reducing work); when they leave
    no room, nothing is sent. Returns what happened, in words.
    """
    caps = manager.guard.limits.gas_caps(emergency=unsigned.emergency, chain_id=manager.chain_id)
    quote = await quote_fees(manager.rpc)
    manager.last_sent[latest.nonce] = manager.clock.monotonic()  # next try after an interval
    previous = Fees(latest.max_fee_per_gas, latest.max_priority_fee_per_gas)
    fees = replacement_fees(previous, quote, caps)
    if quote.base_fee_wei > caps.max_fee_per_gas_wei or fees is None:
        if latest.hash not in manager.capped:  # once per version, not every interval
            manager.capped.add(latest.hash)
            log.warning(
                "replacement_at_cap", nonce=latest.nonce, fees=str(previous), caps=str(caps)
            )
        return f"not replaced: the fee cap leaves no room above {previous}"
    async with manager.lock:
        record = await manager.sign_and_journal(
            unsigned, fees, latest.nonce, unwind=unwind, checked=checked
        )
        sent, words = await manager.broadcast_journaled(record, unwind=unwind, checked=checked)
    log.info(
        "transaction_replaced",
        nonce=latest.nonce,
        version=record.version,
        kind=unsigned.kind.value,
        fees=str(fees),
        result=sent.value,
    )
    if sent in (Sent.ACCEPTED, Sent.UNKNOWN):
        return f"replaced by version {record.version} ({fees})"
    return f"replacement refused: {words}"


async def cancel_pending(manager: TxManager) -> list[str]:
    """Replace every pending transaction with a 0-value self-transfer at its nonce.

    An explicit operator command, so the kill switch does not stop it; fees are bumped
    within the emergency caps. Returns one line per nonce.
    """
    results = []
    for nonce in manager.journal.unfinished_nonces(manager.account, manager.chain_id):
        live = manager.live_versions(nonce)
        if not live:
            continue
        latest = live[-1]
        cancel = Unsigned(
            latest.intent_id, TxKind.CANCEL, manager.account, b"", 0, SELF_TRANSFER_GAS, "",
            emergency=True,
        )  # fmt: skip
        try:
            result = await replace_with(manager, latest, cancel, unwind=False, checked=False)
        except BallastError as error:  # reported to the operator, who may try again
            log.error("cancel_replacement_failed", nonce=nonce, error=str(error))
            result = f"FAILED: {error}"
        results.append(f"nonce {nonce}: {result}")
    return results
