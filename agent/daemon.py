"""The daemon: one tick after another, read -> check -> measure -> decide -> guard ->
execute -> report (DESIGN.md, "Data flow of one tick").

Start-up is the recovery path: the executor reconciles journal, chains and venues and
stays read-only until they agree. A slow or dead venue degrades a tick, never stops
the loop; anything unexpected inside a tick is logged with its traceback, reported,
and tightens the kill switch, and the next tick starts on time.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import structlog

from agent.assessment import Assessment, assess
from agent.book_builder import build_book
from agent.checks import InputReport, check_inputs
from agent.config.models import Config
from agent.control.commands import Controls
from agent.control.status import AgentStatus, PositionSummary, StatusProvider
from agent.decision_inputs import policy_input
from agent.errors import BallastError
from agent.execution.executor import Executor
from agent.execution.proposal import GuardContext
from agent.exposures import gross_exposure_usd, guard_context
from agent.model import Health, Intent, KillState, Outcome, OutcomeStatus, VenueSnapshot
from agent.policy.alerts import Alert
from agent.policy.decide import decide
from agent.policy.inputs import PolicyInput, PolicyState
from agent.policy.settings import PolicySettings
from agent.ports import Clock, EvmActions
from agent.profiles import VenueProfile
from agent.reading import VenueRead, VenueReader

log = structlog.get_logger(__name__)

Hook = Callable[[], Awaitable[None]]


@dataclass
class DaemonParts:
    """Everything the daemon drives, built by ``agent.wiring``.

    ``actions`` maps each EVM venue to the connector that turns intents into
    transactions; ``order_venues`` names the exchanges that take orders;
    ``maintenance`` runs after each read (e.g. resolving GMX orders from logs);
    ``gas_price_gwei`` returns the current gas price for cost estimates; ``head`` the
    chain's latest block number, for ticking on new blocks.
    """

    config: Config
    clock: Clock
    reader: VenueReader
    profiles: Mapping[str, VenueProfile]
    executor: Executor
    controls: Controls
    actions: Mapping[str, EvmActions] = field(default_factory=dict)
    order_venues: frozenset[str] = frozenset()
    tokens: Mapping[str, str] = field(default_factory=dict)
    oracle_venue: str | None = None
    chain_id: int | None = None
    gas_price_gwei: Callable[[], Awaitable[float]] | None = None
    head: Callable[[], Awaitable[int]] | None = None
    maintenance: Sequence[Hook] = ()
    journal_status: StatusProvider | None = None


@dataclass(frozen=True)
class TickReport:
    """What one tick saw and did, for logs, tests, the status API and reports."""

    at: datetime
    reads: Mapping[str, VenueRead]
    inputs: InputReport
    assessment: Assessment | None
    intents: tuple[Intent, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    alerts: tuple[Alert, ...] = ()
    kill_state: KillState = KillState.ACTIVE
    error: str | None = None
    band_half_widths: Mapping[str, float] = field(default_factory=dict)  # coin, per underlying


class Daemon:
    """Keeps the book inside its limits, tick after tick."""

    def __init__(self, parts: DaemonParts) -> None:
        self.parts = parts
        self.policy_settings = PolicySettings.from_config(parts.config)
        self.policy_state = PolicyState()
        self.last: TickReport | None = None
        self.outcomes: collections.deque[Outcome] = collections.deque(maxlen=50)
        self.ticks = 0
        self._gas_gwei = 0.0

    # --- the loop ---------------------------------------------------------------------

    async def start_up(self) -> None:
        """Reconcile before acting (crash-only start)."""
        report = await self.parts.executor.start_up()
        log.info("start_up", consistent=report.consistent, problems=list(report.problems))

    async def run(
        self, stop: asyncio.Event, *, on_tick: Callable[[TickReport], None] | None = None
    ) -> None:
        """Tick every ``tick_interval_s``, and on each new block (no more often than
        ``min_tick_interval_s``) when ``tick_on_new_blocks``, until ``stop`` is set."""
        settings = self.parts.config.agent
        new_block = asyncio.Event()
        async with asyncio.TaskGroup() as group:
            watcher = None
            if settings.tick_on_new_blocks and self.parts.head is not None:
                watcher = group.create_task(self._watch_heads(stop, new_block))
            while not stop.is_set():
                started = self.parts.clock.monotonic()
                new_block.clear()
                report = await self.tick()
                if on_tick is not None:
                    on_tick(report)
                await self._wait_next(stop, new_block, started)
            if watcher is not None:
                watcher.cancel()

    async def _wait_next(
        self, stop: asyncio.Event, new_block: asyncio.Event, started: float
    ) -> None:
        settings = self.parts.config.agent
        clock = self.parts.clock
        floor = started + settings.min_tick_interval_s
        deadline = started + settings.tick_interval_s
        while not stop.is_set() and clock.monotonic() < deadline:
            if new_block.is_set() and clock.monotonic() >= floor:
                return
            wake = min(deadline, floor) if new_block.is_set() else deadline
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(new_block.wait())]
            try:
                await asyncio.wait(
                    waits,
                    timeout=max(wake - clock.monotonic(), 0.0),
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                for waiter in waits:
                    waiter.cancel()

    async def _watch_heads(self, stop: asyncio.Event, new_block: asyncio.Event) -> None:
        """Poll the chain head; a new block wakes the loop (RPC errors only delay it)."""
        assert self.parts.head is not None
        last = -1
        while not stop.is_set():
            try:
                head = await self.parts.head()
            except BallastError as error:
                log.warning("head_poll_failed", error=str(error))
            else:
                if head > last:
                    last = head
                    new_block.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.parts.config.agent.block_poll_s)

    async def tick(self) -> TickReport:
        """One full tick; never raises for a venue's or a decision's failure."""
        self.ticks += 1
        now = self.parts.clock.now()
        try:
            report = await self._tick(now)
        except BallastError as error:
            report = await self._failed_tick(now, error)
        except Exception as error:  # a bug must not kill the loop, nor pass silently
            log.exception("tick_crashed", tick=self.ticks)
            report = await self._failed_tick(now, error)
        self.last = report
        self._log(report)
        return report

    async def _failed_tick(self, now: datetime, error: Exception) -> TickReport:
        detail = f"{type(error).__name__}: {error}"
        await self.parts.controls.trip(KillState.REDUCE_ONLY, f"tick failed: {detail}")
        empty = InputReport((), frozenset())
        state = self.parts.controls.killswitch.state
        return TickReport(
            at=now, reads={}, inputs=empty, assessment=None, kill_state=state, error=detail
        )

    async def _tick(self, now: datetime) -> TickReport:
        parts = self.parts
        reads = await parts.reader.read_all()
        for hook in parts.maintenance:
            await hook()
        config = parts.config
        inputs = check_inputs(
            reads,
            now=now,
            limits=config.limits,
            triggers=config.kill_switch,
            oracle_venue=parts.oracle_venue,
        )
        await self._tighten(inputs)
        snapshots = {name: r.snapshot for name, r in reads.items() if r.snapshot is not None}
        book = build_book(snapshots, parts.profiles, now=now, oracle_venue=parts.oracle_venue)
        assessment = assess(book)
        state = parts.controls.killswitch.state
        if parts.executor.gate.read_only:
            await parts.executor.reconcile()
            return TickReport(now, reads, inputs, assessment, kill_state=state)
        usable = {name: snapshots[name] for name in inputs.usable}
        decision = decide(
            await self._policy_input(now, assessment, usable, snapshots), self.policy_settings
        )
        outcomes = await self._execute(now, decision.intents, assessment, snapshots)
        self._remember_hedges(now, decision.hedged, decision.intents, outcomes)
        return TickReport(
            now,
            reads,
            inputs,
            assessment,
            decision.intents,
            outcomes,
            decision.alerts,
            parts.controls.killswitch.state,
            band_half_widths=decision.band_half_widths,
        )

    async def _tighten(self, inputs: InputReport) -> None:
        strictest = inputs.strictest
        if strictest is None or strictest is KillState.ACTIVE:
            return
        reasons = "; ".join(
            f"{p.venue}: {p.message}" for p in inputs.problems if p.tighten_to is strictest
        )
        await self.parts.controls.trip(strictest, reasons)

    async def _policy_input(
        self,
        now: datetime,
        assessment: Assessment,
        usable: Mapping[str, VenueSnapshot],
        snapshots: Mapping[str, VenueSnapshot],
    ) -> PolicyInput:
        prices = {u: float(s.spot) for u, s in assessment.book.market.items()}
        await self._refresh_gas_price()
        return policy_input(
            now=now,
            assessment=assessment,
            snapshots=usable,
            profiles=self.parts.profiles,
            config=self.parts.config,
            exposure_usd=gross_exposure_usd(snapshots, prices),
            gas_price_gwei=self._gas_gwei,
            state=self.policy_state,
        )

    async def _refresh_gas_price(self) -> None:
        """Re-read the gas price every tenth tick (or until known); an unreachable RPC
        keeps the last price rather than failing a tick whose other venues may act."""
        if self.parts.gas_price_gwei is None or (self.ticks % 10 != 1 and self._gas_gwei):
            return
        try:
            self._gas_gwei = await self.parts.gas_price_gwei()
        except BallastError as error:
            log.warning("gas_price_unavailable", error=str(error), last_gwei=self._gas_gwei)

    # --- acting -----------------------------------------------------------------------

    async def _execute(
        self,
        now: datetime,
        intents: Sequence[Intent],
        assessment: Assessment,
        snapshots: Mapping[str, VenueSnapshot],
    ) -> tuple[Outcome, ...]:
        outcomes = []
        for intent in intents:
            context = guard_context(
                now=now,
                kill_state=self.parts.controls.killswitch.state,
                assessment=assessment,
                snapshots=snapshots,
                profiles=self.parts.profiles,
                tokens=self.parts.tokens,
                notional_last_hour_usd=self.parts.executor.notional_last_hour_usd(),
                chain_id=self.parts.chain_id,
                inputs_from=self._inputs_of(intent),
            )
            outcome = await self._submit(intent, context)
            outcomes.append(outcome)
            self.outcomes.append(outcome)
        return tuple(outcomes)

    def _inputs_of(self, intent: Intent) -> frozenset[str] | None:
        """A risk-reducing intent rests on its own venue and the oracle; anything that
        adds risk rests on the whole book, so every input must be fresh."""
        if not intent.risk_reducing:
            return None
        return frozenset(n for n in (intent.venue, self.parts.oracle_venue) if n is not None)

    async def _submit(self, intent: Intent, context: GuardContext) -> Outcome:
        executor = self.parts.executor
        try:
            if intent.venue in self.parts.actions:
                requests = self.parts.actions[intent.venue].build(intent)
                return await executor.submit_transactions(intent, requests, context)
            if intent.venue in self.parts.order_venues:
                return await executor.submit_order(intent, context)
        except BallastError as error:
            log.warning(
                "intent_not_built", intent=intent.intent_id, venue=intent.venue, error=str(error)
            )
            return Outcome(
                intent.intent_id, OutcomeStatus.REJECTED, intent.venue, detail=str(error)
            )
        return Outcome(
            intent.intent_id, OutcomeStatus.REJECTED, intent.venue, detail="venue cannot act"
        )

    def _remember_hedges(
        self,
        now: datetime,
        hedged: Sequence[str],
        intents: Sequence[Intent],
        outcomes: Sequence[Outcome],
    ) -> None:
        done = {
            o.intent_id
            for o in outcomes
            if o.status in (OutcomeStatus.FILLED, OutcomeStatus.PENDING)
        }
        acted = {i.asset for i in intents if i.intent_id in done}
        updated = {u: now for u in hedged if u in acted}
        if updated:
            last = {**self.policy_state.last_rebalance_at, **updated}
            self.policy_state = replace(self.policy_state, last_rebalance_at=last)

    # --- reporting --------------------------------------------------------------------

    def _log(self, report: TickReport) -> None:
        for alert in report.alerts:
            log.warning("alert", code=str(alert.code), message=alert.message)
        for intent, outcome in zip(report.intents, report.outcomes, strict=False):
            log.info(
                "action",
                venue=intent.venue,
                action=intent.action.value,
                asset=intent.asset,
                quantity=round(intent.quantity, 8),
                reason=intent.reason,
                status=outcome.status.value,
                reference=outcome.reference,
                detail=outcome.detail,
            )
        if report.assessment is not None:
            log.info(
                "tick",
                tick=self.ticks,
                kill_state=report.kill_state.value,
                delta={u: round(g.delta, 4) for u, g in report.assessment.net.items()},
                problems=[f"{p.venue}:{p.code}" for p in report.inputs.problems],
            )

    async def status(self) -> AgentStatus:
        """The ``StatusProvider`` of the admin API: the last tick, never a fresh read."""
        base = AgentStatus()
        if self.parts.journal_status is not None:
            base = await self.parts.journal_status.status()
        report = self.last
        if report is None or report.assessment is None:
            failure = [report.error] if report and report.error else []
            return replace(base, problems=(*base.problems, *failure))
        positions = [
            PositionSummary(
                p.instrument.venue,
                p.instrument.symbol,
                p.quantity,
                abs(p.quantity) * (p.mark_price or 0.0),
            )
            for r in report.reads.values()
            if r.snapshot is not None
            for p in r.snapshot.positions
        ]
        health: list[Health] = [
            h for r in report.reads.values() if r.snapshot for h in r.snapshot.health
        ]
        problems = [f"{p.venue}: {p.code}: {p.message}" for p in report.inputs.problems]
        return replace(
            base,
            positions=positions,
            greeks=report.assessment.net,
            health=health,
            problems=(*base.problems, *problems),
        )
