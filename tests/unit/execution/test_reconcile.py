"""Reconciliation of intents left marked in flight with nothing left in flight."""

from __future__ import annotations

from agent.execution.journal import Journal
from agent.execution.reconcile import ReadOnlyGate, reconcile
from agent.execution.records import IntentEntry, TxKind, TxRecord, TxStatus
from agent.intents import Action, Intent, OutcomeStatus
from tests.support.journals import journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: every test here runs on both backends

ACCOUNT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"


def intent(sequence: int) -> Intent:
    return Intent(venue="aave", action=Action.REPAY, asset="USDC", quantity=1.0, reason="t",
                  sequence=sequence)  # fmt: skip


def confirmed(intent_id: str, nonce: int, receipt_status: int) -> TxRecord:
    return TxRecord(
        hash=f"0x{nonce:064x}", intent_id=intent_id, account=ACCOUNT, chain_id=1, nonce=nonce,
        version=1, kind=TxKind.INTENT, raw=b"", to=ACCOUNT, data=b"", value=0, gas=21_000,
        max_fee_per_gas=1, max_priority_fee_per_gas=1, function="", emergency=False,
        status=TxStatus.CONFIRMED, created_at=0.0, updated_at=0.0, block_number=9,
        block_hash="0xb", receipt_status=receipt_status,
    )  # fmt: skip


async def test_stranded_intents_get_the_outcome_their_records_imply(journal: Journal) -> None:
    done, reverted, nothing, partial, busy = (intent(n) for n in range(5))
    for item, legs in ((done, 1), (reverted, 1), (nothing, 1), (partial, 2), (busy, 1)):
        journal.record_intent(item, IntentEntry(1.0, True, False, legs), at=0.0)
    journal.record_transaction(confirmed(done.intent_id, 0, 1))
    journal.record_transaction(confirmed(reverted.intent_id, 1, 0))
    journal.record_transaction(confirmed(partial.intent_id, 2, 1))
    gate = ReadOnlyGate()
    report = await reconcile(journal, [], None, gate, busy={busy.intent_id})
    for outcome in report.finished:
        journal.record_outcome(outcome, at=1.0)
    status = {
        i.intent_id: journal.intent(i.intent_id).status
        for i in (done, reverted, nothing, partial, busy)
    }
    assert status == {
        done.intent_id: OutcomeStatus.FILLED,
        reverted.intent_id: OutcomeStatus.FAILED,
        nothing.intent_id: OutcomeStatus.REJECTED,
        partial.intent_id: OutcomeStatus.PARTIAL,
        busy.intent_id: OutcomeStatus.PENDING,  # this process is still carrying it out
    }
    assert report.consistent
    assert not gate.read_only


def test_a_hold_on_the_gate_outlives_a_clean_reconciliation() -> None:
    """Reconciliation clears only its own reason; a holder's stays until released."""
    gate = ReadOnlyGate()
    gate.hold("external watch", "positions differ")
    gate.clear()  # a reconciliation that found nothing wrong
    assert gate.read_only
    assert gate.reason == "positions differ"
    gate.set("chain 1: gap")
    gate.release("external watch")
    assert gate.reason == "chain 1: gap"
    gate.clear()
    assert not gate.read_only
