"""Start-up is the recovery path: make journal, chains and venues agree before acting.

- Journaled transactions that are not final: a canonical inclusion is followed to its
  depth; the same signed bytes are broadcast again when the node does not know them
  (never re-signed); a transaction that never reached a node is discarded instead
  when the kill switch refuses its kind of work or it is older than
  ``max_rebroadcast_age_s``.
- Journaled client orders that are not final are looked up on their venue; open
  orders a venue shows that the journal does not know are reported.
- Intents still marked in flight with nothing left in flight (a crash between the last
  write about a transaction or order and the intent's outcome) get their outcome from
  what the journal holds; one journaled with nothing sent at all is refused.
- Anything that does not agree is a problem; the executor stays read-only (the
  ``ReadOnlyGate``, which the daemon also checks) until a run finds none.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

import structlog

from agent.errors import BallastError
from agent.execution.broadcast import Sent
from agent.execution.inclusion import find_inclusion, mined_count, node_knows
from agent.execution.journal import Journal
from agent.execution.orders import OrderExecutor, outcome_of
from agent.execution.records import FINAL_ORDER, OrderStatus, TxRecord, TxStatus
from agent.execution.tracking import outcome_of as tx_outcome_of
from agent.execution.transactions import TxManager
from agent.intents import Outcome, OutcomeStatus

log = structlog.get_logger(__name__)


class ReadOnlyGate:
    """Set while journal, chains and venues disagree: no new work may start.

    Two sources: reconciliation (``set``/``clear``, cleared by the run that finds no
    problem) and named holds (``hold``/``release``) that only their holder releases,
    e.g. the external watch's hold on positions changed while the agent was down."""

    def __init__(self, reason: str | None = "start-up reconciliation has not run yet") -> None:
        self._reconcile = reason
        self._holds: dict[str, str] = {}

    @property
    def reason(self) -> str | None:
        reasons = [r for r in (self._reconcile, *self._holds.values()) if r is not None]
        return "; ".join(reasons) if reasons else None

    @property
    def read_only(self) -> bool:
        return self.reason is not None

    def set(self, reason: str) -> None:
        if self._reconcile != reason:
            log.warning("read_only", reason=reason)
        self._reconcile = reason

    def clear(self) -> None:
        if self._reconcile is not None:
            log.info("read_write", previous_reason=self._reconcile)
        self._reconcile = None

    def hold(self, holder: str, reason: str) -> None:
        if self._holds.get(holder) != reason:
            log.warning("read_only", holder=holder, reason=reason)
        self._holds[holder] = reason

    def release(self, holder: str) -> None:
        previous = self._holds.pop(holder, None)
        if previous is not None:
            log.info("read_write", holder=holder, previous_reason=previous)


@dataclass(frozen=True, slots=True)
class PendingNonce:
    """A transaction still in flight after reconciliation: to be followed by a tracker."""

    manager: TxManager
    intent_id: str
    nonce: int


@dataclass
class ReconcileReport:
    finished: list[Outcome] = field(default_factory=list)  # intents whose end is now known
    pending: list[PendingNonce] = field(default_factory=list)
    rebroadcast: list[str] = field(default_factory=list)  # hashes sent again, same bytes
    problems: list[str] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.problems


async def reconcile(
    journal: Journal,
    managers: Sequence[TxManager],
    orders: OrderExecutor | None,
    gate: ReadOnlyGate,
    *,
    busy: AbstractSet[str] = frozenset(),
) -> ReconcileReport:
    """Reconcile every chain and venue; clear ``gate`` only if everything agrees.

    ``busy`` names intents this process is carrying out right now: left alone.
    """
    report = ReconcileReport()
    for manager in managers:
        try:
            await _reconcile_chain(manager, report)
        except BallastError as error:
            report.problems.append(f"chain {manager.chain_id}: cannot reconcile: {error}")
    if orders is not None:
        await _reconcile_orders(orders, report)
    _settle_stranded(journal, report, busy)
    if report.consistent:
        gate.clear()
    else:
        gate.set("; ".join(report.problems))
    log.info(
        "reconciled",
        finished=len(report.finished),
        pending=len(report.pending),
        rebroadcast=len(report.rebroadcast),
        problems=report.problems,
    )
    return report


async def _reconcile_chain(manager: TxManager, report: ReconcileReport) -> None:
    for nonce in manager.journal.unfinished_nonces(manager.account, manager.chain_id):
        live = manager.live_versions(nonce)
        latest = live[-1]
        if await _needs_no_action(manager, live, nonce):
            report.pending.append(PendingNonce(manager, latest.intent_id, nonce))
        elif _may_resend(manager, latest):
            await _resend(manager, latest, report)
        elif latest.status is TxStatus.SIGNED and len(live) == 1:
            _discard(manager, latest, report)
        else:  # halted: a broadcast transaction is left to finish, never resent
            report.pending.append(PendingNonce(manager, latest.intent_id, nonce))
    await _check_gap(manager, report)


async def _needs_no_action(manager: TxManager, live: list[TxRecord], nonce: int) -> bool:
    """Mined (the tracker follows it), nonce used (the tracker concludes), or known."""
    if await find_inclusion(manager.rpc, live) is not None:
        return True
    if await mined_count(manager.rpc, manager.account) > nonce:
        return True
    return await node_knows(manager.rpc, live[-1].hash)


def _unwind(manager: TxManager, record: TxRecord) -> bool:
    intent = manager.journal.intent(record.intent_id)
    return intent is not None and intent.unwind


def _may_resend(manager: TxManager, record: TxRecord) -> bool:
    if not manager.permitted(record, _unwind(manager, record)):
        return False
    age = manager.now() - record.created_at
    return record.status is not TxStatus.SIGNED or age <= manager.settings.max_rebroadcast_age_s


async def _resend(manager: TxManager, record: TxRecord, report: ReconcileReport) -> None:
    sent = await manager.rebroadcast(record)
    log.info("reconcile_rebroadcast", tx_hash=record.hash, nonce=record.nonce, result=sent.value)
    report.rebroadcast.append(record.hash)
    if sent in (Sent.NOT_SENT, Sent.REFUSED):
        report.problems.append(f"nonce {record.nonce}: {record.hash} refused on re-broadcast")
    report.pending.append(PendingNonce(manager, record.intent_id, record.nonce))


def _discard(manager: TxManager, record: TxRecord, report: ReconcileReport) -> None:
    why = "signed before the restart but never reached a node; not sent (kill switch or age)"
    manager.mark(record, TxStatus.DISCARDED, why)
    report.finished.append(Outcome(record.intent_id, OutcomeStatus.REJECTED, "", detail=why))


async def _check_gap(manager: TxManager, report: ReconcileReport) -> None:
    """A pending nonce above the chain's count with nothing of ours below it never mines."""
    ours = sorted(p.nonce for p in report.pending if p.manager is manager)
    if not ours:
        return
    mined = await mined_count(manager.rpc, manager.account)
    waiting = [n for n in ours if n >= mined]
    if waiting and waiting[0] > mined:
        report.problems.append(
            f"chain {manager.chain_id}: nonce gap, chain at {mined} but our lowest pending is "
            f"{waiting[0]}"
        )


def _settle_stranded(journal: Journal, report: ReconcileReport, busy: AbstractSet[str]) -> None:
    moving = set(busy) | {p.intent_id for p in report.pending}
    moving |= {o.intent_id for o in journal.unfinished_orders()}
    moving |= {o.intent_id for o in report.finished}
    for intent in journal.in_flight():
        if intent.intent_id not in moving:
            report.finished.append(_settled(journal, intent.intent_id, intent.legs))


def _settled(journal: Journal, intent_id: str, legs: int) -> Outcome:
    """The outcome the journal's final records imply for a stranded intent."""
    placed = journal.orders_of(intent_id)
    if placed:
        return outcome_of(placed[-1])
    done = (TxStatus.CONFIRMED, TxStatus.FINALIZED)
    confirmed = [t for t in journal.transactions_of(intent_id) if t.status in done]
    if not confirmed:
        return Outcome(intent_id, OutcomeStatus.REJECTED, "", detail="nothing reached a chain")
    last = confirmed[-1]
    outcome = tx_outcome_of(last, last.receipt_status == 1, last.block_number or 0)
    if outcome.status is OutcomeStatus.FILLED and len(confirmed) < legs:
        detail = f"{len(confirmed)} of {legs} transactions; a restart interrupted the rest"
        return replace(outcome, status=OutcomeStatus.PARTIAL, detail=detail)
    return outcome


async def _reconcile_orders(orders: OrderExecutor, report: ReconcileReport) -> None:
    for record in orders.journal.unfinished_orders():
        try:
            settled = await orders.settle(orders.venue(record.venue), record)
        except BallastError as error:
            report.problems.append(f"order {record.client_order_id}: {error}")
            continue
        if settled.status is OrderStatus.UNKNOWN:
            report.problems.append(
                f"order {record.client_order_id} on {record.venue}: not found; exposure reserved"
            )
        elif settled.status in FINAL_ORDER or settled.status is OrderStatus.OPEN:
            report.finished.append(outcome_of(settled))
    for name, venue in orders.venues.items():
        try:
            open_orders = await venue.open_orders()
        except BallastError as error:
            report.problems.append(f"{name}: cannot list open orders: {error}")
            continue
        known = orders.journal.known_client_order_ids(name)
        report.problems.extend(
            f"{name}: open order {state.client_order_id or state.venue_order_id} "
            f"({state.symbol}) is not in the journal"
            for state in open_orders
            if state.client_order_id not in known
        )
