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
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import structlog

from agent.config.models import Config
from agent.control.commands import Controls
from agent.control.status import AgentStatus, StatusProvider
from agent.errors import BallastError
from agent.execution.executor import Executor
from agent.execution.journal_db import JournalUnavailable, JournalUnrecorded
from agent.execution.lease import LeaseLost
from agent.in_flight import InFlightView
from agent.intents import Intent, KillState, Outcome, OutcomeStatus
from agent.leadership import Leadership
from agent.model import VenueSnapshot
from agent.pnl_live import LiveAttribution
from agent.policy.alerts import Alert
from agent.policy.decide import Decision, decide
from agent.policy.inputs import PolicyInput, PolicyState
from agent.policy.oracle_doubt import market_spots
from agent.policy.settings import PolicySettings
from agent.policy.unwind import unwind_intents
from agent.ports import Clock, EvmActions
from agent.profiles import VenueProfile
from agent.realized import RealizedVols
from agent.reporting import log_report, status_of
from agent.tick.acting import execute
from agent.tick.assessment import Assessment, assess
from agent.tick.book_builder import build_book
from agent.tick.checks import InputReport, check_inputs
from agent.tick.decision_inputs import (
    SnapshotBlocks,
    hedge_snapshots,
    policy_input,
    usable_snapshots,
)
from agent.tick.exposures import gross_exposure_usd
from agent.tick.pacing import run_paced
from agent.tick.phases import ASSESSMENT, BOOK, CHECKS, DECISION, POLICY_INPUT, READING, Phases
from agent.tick.reading import VenueRead, VenueReader
from agent.tick.report import Plan, TickReport
from agent.tick.warm_up import settle_heap, warm_up
from agent.watch import ExternalWatch

log = structlog.get_logger(__name__)

Hook = Callable[[], Awaitable[None]]
Background = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass
class DaemonParts:
    """Everything the daemon drives, built by ``agent.wiring``.

    ``actions`` maps each EVM venue to the connector that turns intents into
    transactions; ``order_venues`` names the exchanges that take orders;
    ``maintenance`` runs after each read (e.g. resolving GMX orders from logs),
    ``before_read`` before it (comparing RPC providers' heads, so a lagging one is out
    of this tick's reads and sends);
    ``gas_price_gwei`` returns each chain's current gas price (chain id -> gwei) for cost
    estimates; ``head`` the first chain's latest block number, for ticking on new blocks.
    ``venue_chains`` is each EVM venue's chain id: its actions are priced at that chain's
    gas price, and the guard admits its transactions only for that chain (``chain_id``
    when a venue is not listed).
    ``observers`` see every tick's report (metrics, alerts; one that raises is logged,
    never the tick's problem); ``background`` tasks run beside the loop in its TaskGroup
    until ``stop`` (alert delivery) and must not raise. ``leadership``: on a shared
    journal, whether this process leads (decides and acts) or stands by (reads and
    assesses only; ``agent.leadership``).
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
    venue_chains: Mapping[str, int] = field(default_factory=dict)
    gas_price_gwei: Callable[[], Awaitable[Mapping[int, float]]] | None = None
    head: Callable[[], Awaitable[int]] | None = None
    maintenance: Sequence[Hook] = ()
    before_read: Sequence[Hook] = ()  # e.g. comparing RPC providers' heads
    journal_status: StatusProvider | None = None
    observers: Sequence[Callable[[TickReport], None]] = ()
    background: Sequence[Background] = ()
    watch: ExternalWatch | None = None
    leadership: Leadership | None = None  # a shared journal: leader or standby


class Daemon:
    """Keeps the book inside its limits, tick after tick."""

    def __init__(self, parts: DaemonParts) -> None:
        self.parts = parts
        self.policy_settings = PolicySettings.from_config(parts.config)
        self.policy_state = PolicyState()
        self.last: TickReport | None = None
        self.outcomes: collections.deque[Outcome] = collections.deque(maxlen=50)
        self.ticks = 0
        self.in_flight = InFlightView()  # as the last plan netted it
        self._gas_gwei: dict[int, float] = {}  # chain id -> last known gas price
        self.realized = RealizedVols(parts.config.health.realized_vol_half_life_s)
        self.pnl = LiveAttribution()

    # --- the loop ---------------------------------------------------------------------

    async def start_up(self) -> None:
        """Reconcile before acting (crash-only start)."""
        report = await self.parts.executor.start_up()
        log.info("start_up", consistent=report.consistent, problems=list(report.problems))
        warm_up()  # the tick's first-time paths run now, not in the first tick
        settle_heap()

    async def run(
        self, stop: asyncio.Event, *, on_tick: Callable[[TickReport], None] | None = None
    ) -> None:
        """Tick until ``stop`` is set, paced by ``agent.tick.pacing`` (interval, new blocks);
        the parts' background tasks run beside the loop in one TaskGroup."""
        settings = self.parts.config.agent
        async with asyncio.TaskGroup() as group:
            for task in self.parts.background:
                group.create_task(task(stop))
            await run_paced(
                self.tick, stop, settings, self.parts.clock, self.parts.head, on_tick=on_tick
            )

    async def tick(self) -> TickReport:
        """One full tick; never raises for a venue's or a decision's failure."""
        self.ticks += 1
        now = self.parts.clock.now()
        started = self.parts.clock.monotonic()
        leadership = self.parts.leadership
        try:
            report = await (self._tick(now) if await self._may_act() else self._observe(now))
        except LeaseLost as error:  # a fenced write refused this process's epoch
            if leadership is not None:
                leadership.lost(error)
            report = await self._failed_tick(now, error)
        except BallastError as error:
            report = await self._failed_tick(now, error)
        except Exception as error:  # a bug must not kill the loop, nor pass silently
            log.exception("tick_crashed", tick=self.ticks)
            report = await self._failed_tick(now, error)
        report = replace(report, duration_s=self.parts.clock.monotonic() - started)
        if report.assessment is not None:
            snapshots = {n: r.snapshot for n, r in report.reads.items() if r.snapshot is not None}
            pnl = self.pnl.observe(
                now, report.assessment.book, snapshots, report.intents, report.outcomes
            )
            report = replace(report, pnl=pnl)
        self.last = report
        if leadership is not None:
            leadership.end_tick(f"tick {self.ticks} " + ("failed" if report.error else "ok"))
        self._log(report)
        self._notify(report)
        return report

    def _notify(self, report: TickReport) -> None:
        for observer in self.parts.observers:
            try:
                observer(report)
            except Exception:  # reporting must never stop the hedging
                log.exception("tick_observer_failed", observer=repr(observer))

    async def _may_act(self) -> bool:
        """Without leadership always; with it, only while this process leads (a standby
        that takes the lease runs the crash-only start-up first)."""
        leadership = self.parts.leadership
        if leadership is None:
            return True
        return await leadership.begin_tick(self.start_up, self.parts.controls.follow_recorded)

    async def _failed_tick(self, now: datetime, error: Exception) -> TickReport:
        detail = f"{type(error).__name__}: {error}"
        leadership = self.parts.leadership
        if leadership is not None and isinstance(error, JournalUnavailable | JournalUnrecorded):
            leadership.journal_failed(error)  # the ceiling holds REDUCE_ONLY until it answers
        if leadership is None or (leadership.leads and leadership.journal_reachable):
            try:  # a standby's failure, or a journal out of reach, is not the book's
                await self.parts.controls.trip(KillState.REDUCE_ONLY, f"tick failed: {detail}")
            except Exception:
                log.exception("trip_failed", detail=detail)
        empty = InputReport((), frozenset())
        state = self.parts.controls.killswitch.state
        return TickReport(
            at=now, reads={}, inputs=empty, assessment=None, kill_state=state, error=detail
        )

    async def plan(self, now: datetime) -> Plan:
        """Read, check, measure and decide (no execution): the tick up to intents ready."""
        parts = self.parts
        phases = Phases()
        reads, inputs, snapshots, assessment = await self._assess(now, phases, acting=True)
        usable = usable_snapshots(snapshots, inputs.usable)
        policy_input = self._policy_input(now, assessment, usable, snapshots, inputs)
        phases.lap(POLICY_INPUT)
        if parts.controls.killswitch.state is KillState.FLATTEN:
            flatten = Decision(intents=unwind_intents(policy_input, self.policy_settings))
            phases.lap(DECISION)
            return Plan(reads, inputs, snapshots, assessment, flatten, unwind=True, phases=phases)
        decision = decide(policy_input, self.policy_settings)
        phases.lap(DECISION)
        return Plan(reads, inputs, snapshots, assessment, decision, phases=phases)

    async def _observe(self, now: datetime) -> TickReport:
        """A standby's tick: read and assess, never decide, send or write."""
        reads, inputs, _, assessment = await self._assess(now, Phases(), acting=False)
        state = self.parts.controls.killswitch.recorded_state  # the book's, not the ceiling
        return TickReport(
            now, reads, inputs, assessment, kill_state=state, in_flight=self.in_flight,
            acting=False,
        )  # fmt: skip

    async def _assess(
        self, now: datetime, phases: Phases, *, acting: bool
    ) -> tuple[Mapping[str, VenueRead], InputReport, dict[str, VenueSnapshot], Assessment]:
        """Read, check and measure (each phase timed in ``phases``); the work in flight
        netted into ``self.in_flight``. Only an ``acting`` process follows its chains and
        orders and runs the hooks after the read (they may write, e.g. arm a venue's
        scheduled cancel)."""
        parts = self.parts
        for hook in parts.before_read:
            await hook()
        if acting:
            await parts.executor.check_chains()
            await parts.executor.resolve_orders()
        earlier = parts.executor.in_flight_ids()  # before the read: see in_flight_view
        reads = await parts.reader.read_all()
        for hook in parts.maintenance if acting else ():
            await hook()
        await self._refresh_gas_price()
        phases.lap(READING)
        inputs = check_inputs(
            reads,
            now=now,
            limits=parts.config.limits,
            triggers=parts.config.kill_switch,
            oracle_venue=parts.oracle_venue,
        )
        phases.lap(CHECKS)
        snapshots = {name: r.snapshot for name, r in reads.items() if r.snapshot is not None}
        book = build_book(snapshots, parts.profiles, now=now, oracle_venue=parts.oracle_venue)
        phases.lap(BOOK)
        assessment = assess(book)
        phases.lap(ASSESSMENT)
        flying = parts.executor.in_flight(SnapshotBlocks(snapshots), earlier)
        self.in_flight = flying.with_venue_orders(snapshots)
        return reads, inputs, snapshots, assessment

    async def _tick(self, now: datetime) -> TickReport:
        parts = self.parts
        plan = await self.plan(now)
        await self._tighten(plan.inputs)
        external = await self._watch(plan, now)
        state = parts.controls.killswitch.state
        if parts.executor.gate.read_only:
            await parts.executor.reconcile()
            return TickReport(
                now, plan.reads, plan.inputs, plan.assessment, alerts=external,
                kill_state=state, in_flight=self.in_flight,
            )  # fmt: skip
        decision = plan.decision
        outcomes = await execute(
            parts, now, decision.intents, plan.assessment, plan.snapshots, unwind=plan.unwind,
            market={d.underlying: d.market_usd for d in plan.inputs.doubts},
        )  # fmt: skip
        self.outcomes.extend(outcomes)
        self._remember_hedges(now, decision.hedged, decision.intents, outcomes)
        return TickReport(
            now,
            plan.reads,
            plan.inputs,
            plan.assessment,
            decision.intents,
            outcomes,
            (*external, *decision.alerts),
            parts.controls.killswitch.state,
            band_half_widths=decision.band_half_widths,
            in_flight=self.in_flight,
            steering=decision.steering,
        )

    async def _watch(self, plan: Plan, now: datetime) -> tuple[Alert, ...]:
        """External events (``agent.watch``) on the venues read afresh this tick."""
        if self.parts.watch is None:
            return ()
        fresh = {n: r.snapshot for n, r in plan.reads.items() if r.fresh and r.snapshot}
        return tuple(await self.parts.watch.check(fresh, self.in_flight, now))

    async def _tighten(self, inputs: InputReport) -> None:
        strictest = inputs.strictest
        if strictest is None or strictest is KillState.ACTIVE:
            return
        reasons = "; ".join(
            f"{p.venue}: {p.message}" for p in inputs.problems if p.tighten_to is strictest
        )
        await self.parts.controls.trip(strictest, reasons)

    def _policy_input(
        self,
        now: datetime,
        assessment: Assessment,
        usable: Mapping[str, VenueSnapshot],
        snapshots: Mapping[str, VenueSnapshot],
        inputs: InputReport,
    ) -> PolicyInput:
        prices = {u: float(s.spot) for u, s in assessment.book.market.items()}
        spots = {r.underlying: r.spot_usd for r in assessment.underlyings}
        self.realized.observe(now, market_spots(spots, inputs.doubts))
        found = policy_input(
            now=now,
            assessment=assessment,
            snapshots=usable,
            profiles=self.parts.profiles,
            config=self.parts.config,
            exposure_usd=gross_exposure_usd(hedge_snapshots(snapshots, self.parts.config), prices),
            gas_price_gwei=self.venue_gas_gwei(),
            state=self.policy_state,
            in_flight=self.in_flight,
            repairable={name: snapshots[name] for name in inputs.repairable},
            doubts=inputs.doubts,
        )
        vols = tuple(
            replace(r, vol=self.realized.combined(r.underlying, r.vol)) for r in found.underlyings
        )
        return replace(found, underlyings=vols)

    def venue_gas_gwei(self) -> dict[str, float]:
        """Each EVM venue's gas price: its own chain's, last read."""
        return {
            venue: self._gas_gwei.get(chain, 0.0)
            for venue, chain in self.parts.venue_chains.items()
        }

    async def _refresh_gas_price(self) -> None:
        """Re-read the gas price every tenth tick (or until known); an unreachable RPC
        keeps the last price rather than failing a tick whose other venues may act."""
        if self.parts.gas_price_gwei is None or (self.ticks % 10 != 1 and self._gas_gwei):
            return
        try:
            self._gas_gwei = dict(await self.parts.gas_price_gwei())
        except BallastError as error:
            log.warning("gas_price_unavailable", error=str(error), last_gwei=self._gas_gwei)

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
        log_report(report, self.ticks)

    async def status(self) -> AgentStatus:
        """The ``StatusProvider`` of the admin API: the last tick, never a fresh read."""
        base = AgentStatus()
        if self.parts.journal_status is not None:
            try:
                base = await self.parts.journal_status.status()
            except BallastError as error:  # a shared journal out of reach: say so
                base = AgentStatus(problems=(f"journal: {error}",))
        leadership = self.parts.leadership
        if leadership is not None:
            base = replace(base, leadership=leadership.status())
        return status_of(base, self.last)
