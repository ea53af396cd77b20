"""The executor: the one way an intent leaves the process.

For every intent: refuse it if its id is already journaled (a retry is never a second
execution) or while reconciliation has not agreed; ask the guard; journal the intent
with the guard's verdict; then carry it out in a task of the executor's TaskGroup -
transactions on the chain's ``TxManager`` (one per account), orders through the
``OrderExecutor``. The caller waits up to ``wait_timeout_s``; after that it gets a
PENDING outcome and the task goes on (a timeout is not a failure: the exposure stays
reserved in the journal until the outcome is known).

Use as an async context manager: leaving it cancels the trackers, whose state is in
the journal, and the next ``start_up`` resumes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any

import structlog

from agent.control.killswitch import KillSwitch
from agent.errors import BallastError, InvariantViolation, RejectedError, TransientError
from agent.execution.finality import follow_confirmed, nonce_gap
from agent.execution.guard import Guard
from agent.execution.in_flight_view import in_flight_ids, in_flight_view
from agent.execution.journal import Journal
from agent.execution.lease import LeaseLost
from agent.execution.orders import OrderExecutor, outcome_of
from agent.execution.proposal import GuardContext, Proposal, Rejection, Verdict
from agent.execution.reconcile import PendingNonce, ReadOnlyGate, ReconcileReport, reconcile
from agent.execution.records import IntentEntry, TxRecord
from agent.execution.tracking import cancel_pending, track
from agent.execution.transactions import TxManager
from agent.in_flight import InFlightView
from agent.intents import Intent, Outcome, OutcomeStatus
from agent.ports import Clock, TxRequest

log = structlog.get_logger(__name__)

HOUR_S = 3600.0


class Executor:
    """Guarded, journaled execution of intents on chains and exchanges."""

    def __init__(
        self,
        *,
        guard: Guard,
        journal: Journal,
        killswitch: KillSwitch,
        clock: Clock,
        chains: Sequence[TxManager] = (),
        orders: OrderExecutor | None = None,
        gate: ReadOnlyGate | None = None,
        wait_timeout_s: float = 120.0,
    ) -> None:
        self.guard = guard
        self.journal = journal
        self.killswitch = killswitch
        self.clock = clock
        self.chains = {manager.chain_id: manager for manager in chains}
        self.orders = orders
        self.gate = gate or ReadOnlyGate()
        self.wait_timeout_s = wait_timeout_s
        self._group: asyncio.TaskGroup | None = None
        self._tasks: set[asyncio.Task[Outcome]] = set()
        self._tracked: set[tuple[int, int]] = set()  # (chain id, nonce) with a live tracker
        self._running: set[str] = set()  # intents this process is carrying out
        self.on_lease_lost: Callable[[LeaseLost], None] | None = None  # agent.leadership

    async def __aenter__(self) -> Executor:
        group = asyncio.TaskGroup()
        await group.__aenter__()
        self._group = group
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            task.cancel()
        group, self._group = self._group, None
        if group is not None:
            await group.__aexit__(exc_type, exc, traceback)

    # --- start-up and the figures the daemon feeds back into the guard ---------------

    async def start_up(self) -> ReconcileReport:
        """Prove each chain, reconcile, and resume following what is still in flight."""
        for manager in self.chains.values():
            await manager.verify_chain()
        return await self.reconcile()

    async def reconcile(self) -> ReconcileReport:
        """Run reconciliation (again); the gate opens only when everything agrees."""
        report = await reconcile(
            self.journal, list(self.chains.values()), self.orders, self.gate, busy=self._running
        )
        for outcome in report.finished:
            self._record(outcome)
        for pending in report.pending:
            self._resume(pending)
        return report

    def notional_last_hour_usd(self) -> float:
        """USD committed in the rolling hour, for ``GuardContext.notional_last_hour_usd``."""
        return self.journal.notional_since(self.clock.now().timestamp() - HOUR_S)

    def reserved_by_venue(self) -> dict[str, float]:
        """USD of in-flight intents per venue, to add to the guard's venue exposures."""
        return self.journal.reserved_by_venue()

    def pending_transactions(self) -> list[TxRecord]:
        return self.journal.pending_transactions()

    def in_flight_ids(self) -> frozenset[str]:
        """The intents in flight now; take them before reading the venues."""
        return in_flight_ids(self.journal)

    def in_flight(
        self, blocks: Mapping[str, int | None], earlier: frozenset[str] = frozenset()
    ) -> InFlightView:
        """Work in flight (``agent.execution.in_flight_view``); ``blocks`` maps each venue to
        the block its latest snapshot was read at, ``earlier`` is ``in_flight_ids()`` from
        before that read."""
        return in_flight_view(self.journal, blocks, earlier)

    async def check_chains(self) -> list[str]:
        """Every tick: follow confirmed transactions until final (a reorganised one is
        followed again, ``agent.execution.finality``) and look for nonce gaps, which
        make the executor read-only until reconciliation agrees. Returns the problems."""
        problems = []
        for manager in self.chains.values():
            try:
                for reopened in await follow_confirmed(manager):
                    self._resume(PendingNonce(manager, reopened.intent_id, reopened.nonce))
                gap = await nonce_gap(manager)
            except BallastError as error:  # the next tick asks again
                log.warning("chain_check_failed", chain_id=manager.chain_id, error=str(error))
                continue
            if gap is not None:
                problems.append(gap)
        if problems:
            self.gate.set("; ".join(problems))
        return problems

    async def resolve_orders(self) -> list[Outcome]:
        """Look up once each unfinished order nobody in this process is following (an
        UNKNOWN one keeps its exposure reserved until this finds it, or its grace ends);
        record the outcomes that became known."""
        if self.orders is None:
            return []
        outcomes = []
        for record in self.journal.unfinished_orders():
            if record.intent_id in self._running:
                continue
            try:
                settled = await self.orders.settle(
                    self.orders.venue(record.venue), record, attempts=1
                )
            except BallastError as error:
                log.warning("order_resolve_failed", order=record.client_order_id, error=str(error))
                continue
            outcome = outcome_of(settled)
            if outcome.status is not OutcomeStatus.UNKNOWN:
                outcomes.append(self._record(outcome))
        return outcomes

    # --- intents ---------------------------------------------------------------------

    async def submit_transactions(
        self,
        intent: Intent,
        requests: Sequence[TxRequest],
        context: GuardContext,
        *,
        unwind: bool = False,
    ) -> Outcome:
        """Carry out ``intent`` with ``requests`` (in order, each confirmed before the next)."""
        if not requests:
            raise InvariantViolation(f"intent {intent.intent_id} has no transactions")
        proposal = Proposal(intent, tuple(requests), unwind)
        admitted = self._admit(proposal, context, legs=len(requests))
        if isinstance(admitted, Outcome):
            return admitted
        manager = self.chains.get(requests[0].chain_id)
        if manager is None:
            outcome = self._refuse(intent, f"no writer for chain {requests[0].chain_id}")
            return self._record(outcome)
        return await self._wait(intent, self._run_transactions(manager, intent, requests, admitted))

    async def submit_order(
        self, intent: Intent, context: GuardContext, *, unwind: bool = False
    ) -> Outcome:
        """Carry out ``intent`` with one exchange order."""
        admitted = self._admit(Proposal(intent, (), unwind), context, legs=1)
        if isinstance(admitted, Outcome):
            return admitted
        if self.orders is None:
            return self._record(self._refuse(intent, "no order venues are wired"))
        return await self._wait(intent, self._run_order(self.orders, intent, admitted))

    def _admit(self, proposal: Proposal, context: GuardContext, *, legs: int) -> Verdict | Outcome:
        intent = proposal.intent
        existing = self.journal.intent(intent.intent_id)
        if existing is not None:
            return Outcome(
                intent.intent_id,
                existing.status,
                intent.venue,
                reference=existing.reference,
                detail=f"already journaled ({existing.status.value}); not executed again",
            )
        if self.gate.read_only:
            return self._refuse(intent, f"read-only: {self.gate.reason}")
        verdict = self.guard.check(proposal, self._effective(context))
        status = OutcomeStatus.PENDING if verdict.approved else OutcomeStatus.REJECTED
        entry = IntentEntry(
            verdict.notional_usd, verdict.risk_reducing, proposal.unwind, legs, status,
            verdict.summary(),
        )  # fmt: skip
        self.journal.record_intent(intent, entry, at=self.clock.now().timestamp())
        if not verdict.approved:
            return self._refuse(intent, verdict.summary())
        return verdict

    def _effective(self, context: GuardContext) -> GuardContext:
        """The caller's context, never laxer than the kill switch and the journal (the
        rolling hour, the exposure reserved by intents in flight)."""
        return context.never_laxer(
            self.killswitch.state,
            self.journal.reserved_by_venue(),
            self.guard.limits.protocol_of_venue,
            self.notional_last_hour_usd(),
        )

    async def _run_transactions(
        self, manager: TxManager, intent: Intent, requests: Sequence[TxRequest], verdict: Verdict
    ) -> Outcome:
        outcome = self._refuse(intent, "nothing sent")
        for leg, request in enumerate(requests):
            outcome = await self._one_transaction(manager, intent, request, verdict)
            if outcome.status is not OutcomeStatus.FILLED:
                if leg:
                    outcome = replace(
                        outcome, detail=f"{outcome.detail} (leg {leg + 1} of {len(requests)})"
                    )
                break
        return self._record(replace(outcome, venue=intent.venue))

    async def _one_transaction(
        self, manager: TxManager, intent: Intent, request: TxRequest, verdict: Verdict
    ) -> Outcome:
        try:
            prepared = await manager.prepare(
                intent.intent_id, request, emergency=verdict.risk_reducing
            )
            if isinstance(prepared, Rejection):
                return self._refuse(intent, f"{prepared.code.value}: {prepared.message}")
            unsigned, fees = prepared
            record = await manager.send_new(unsigned, fees, unwind=verdict.unwind)
        except (RejectedError, TransientError) as error:  # includes Halted: nothing was sent
            return self._refuse(intent, f"not sent: {error}")
        key = (manager.chain_id, record.nonce)
        self._tracked.add(key)
        try:
            return await track(manager, intent.intent_id, record.nonce, unwind=verdict.unwind)
        finally:
            self._tracked.discard(key)

    async def _run_order(self, orders: OrderExecutor, intent: Intent, verdict: Verdict) -> Outcome:
        try:
            outcome = await orders.execute(
                intent, risk_reducing=verdict.risk_reducing, unwind=verdict.unwind
            )
        except (RejectedError, TransientError) as error:
            outcome = self._refuse(intent, f"not placed: {error}")
        return self._record(outcome)

    def _resume(self, pending: PendingNonce) -> None:
        key = (pending.manager.chain_id, pending.nonce)
        if key in self._tracked:
            return
        self._tracked.add(key)
        self._spawn(pending.intent_id, self._follow(pending, key))

    async def _follow(self, pending: PendingNonce, key: tuple[int, int]) -> Outcome:
        intent = self.journal.intent(pending.intent_id)
        unwind = intent.unwind if intent is not None else False
        try:
            outcome = await track(pending.manager, pending.intent_id, pending.nonce, unwind=unwind)
        finally:
            self._tracked.discard(key)
        legs_sent = len({tx.nonce for tx in self.journal.transactions_of(pending.intent_id)})
        if (
            intent is not None
            and outcome.status is OutcomeStatus.FILLED
            and legs_sent < intent.legs
        ):
            detail = f"{legs_sent} of {intent.legs} transactions; a restart interrupted the rest"
            outcome = replace(outcome, status=OutcomeStatus.PARTIAL, detail=detail)
        return self._record(replace(outcome, venue=intent.venue if intent else outcome.venue))

    # --- the kill switch's actions ----------------------------------------------------

    async def cancel_open_orders(self) -> list[str]:
        """Cancel every open order on every venue (HALTED)."""
        return [] if self.orders is None else await self.orders.cancel_open_orders()

    async def cancel_pending_transactions(self) -> list[str]:
        """Replace every pending transaction with a 0-value self-transfer (on command)."""
        results: list[str] = []
        for manager in self.chains.values():
            results.extend(
                f"chain {manager.chain_id} {line}" for line in await cancel_pending(manager)
            )
        return results

    def stand_down(self) -> None:
        """Stop carrying anything out (this process no longer leads): cancel every task
        but the caller's; the journal holds their state and the next leader resumes it."""
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        self.gate.set("standing by: the leader carries out the work")

    # --- plumbing ---------------------------------------------------------------------

    async def _fenced(self, intent_id: str, work: Coroutine[Any, Any, Outcome]) -> Outcome:
        """``work``, unless the journal refuses this process's epoch: then nothing more is
        written or sent from here (not even the outcome), and the leadership steps down."""
        try:
            return await work
        except LeaseLost as error:
            log.error("lease_lost_in_flight", intent_id=intent_id, error=str(error))
            if self.on_lease_lost is not None:
                self.on_lease_lost(error)
            detail = f"stopped: {error}; the new leader resumes it from the journal"
            return Outcome(intent_id, OutcomeStatus.UNKNOWN, "", detail=detail)

    def _spawn(self, intent_id: str, work: Coroutine[Any, Any, Outcome]) -> asyncio.Task[Outcome]:
        if self._group is None:
            work.close()
            raise InvariantViolation("the executor must be entered (async with) before use")
        task = self._group.create_task(self._fenced(intent_id, work))
        self._tasks.add(task)
        self._running.add(intent_id)

        def done(finished: asyncio.Task[Outcome]) -> None:
            self._tasks.discard(finished)
            if not any(t.get_name() == intent_id for t in self._tasks):
                self._running.discard(intent_id)

        task.set_name(intent_id)
        task.add_done_callback(done)
        return task

    async def _wait(self, intent: Intent, work: Coroutine[Any, Any, Outcome]) -> Outcome:
        task = self._spawn(intent.intent_id, work)
        done, _ = await asyncio.wait({task}, timeout=self.wait_timeout_s)
        if task in done and task.cancelled():  # stand_down: another process leads now
            detail = "stopped: this process stepped down; the new leader resumes it"
            return Outcome(intent.intent_id, OutcomeStatus.UNKNOWN, intent.venue, detail=detail)
        if task in done:
            return task.result()
        detail = f"still in flight after {self.wait_timeout_s:.0f} s; followed in the background"
        return Outcome(intent.intent_id, OutcomeStatus.PENDING, intent.venue, detail=detail)

    def _refuse(self, intent: Intent, detail: str) -> Outcome:
        return Outcome(intent.intent_id, OutcomeStatus.REJECTED, intent.venue, detail=detail)

    def _record(self, outcome: Outcome) -> Outcome:
        self.journal.record_outcome(outcome, at=self.clock.now().timestamp())
        log.info(
            "intent_outcome",
            intent_id=outcome.intent_id,
            status=outcome.status.value,
            reference=outcome.reference,
            detail=outcome.detail,
        )
        return outcome
