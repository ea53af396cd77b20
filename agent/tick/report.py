"""What a tick produced: its ``Plan`` (up to the decision) and its ``TickReport`` (what
it saw and did), for logs, tests, the status API, metrics and reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from agent.in_flight import InFlightView
from agent.intents import Intent, KillState, Outcome
from agent.model import VenueSnapshot
from agent.pnl_live import PnlTotals
from agent.policy.alerts import Alert
from agent.policy.decide import Decision
from agent.policy.steering import Steering
from agent.tick.assessment import Assessment
from agent.tick.checks import InputReport
from agent.tick.phases import Phases
from agent.tick.reading import VenueRead


@dataclass(frozen=True)
class Plan:
    """A tick up to its decision: what was read, what the checks found, the risk, and
    the intents the policy wants (before the guard)."""

    reads: Mapping[str, VenueRead]
    inputs: InputReport
    snapshots: Mapping[str, VenueSnapshot]
    assessment: Assessment
    decision: Decision
    unwind: bool = False  # FLATTEN's unwind instead of the policy's decision
    phases: Phases = field(default_factory=Phases, compare=False)  # wall time per phase


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
    duration_s: float = 0.0  # wall time the tick took
    band_half_widths: Mapping[str, float] = field(default_factory=dict)  # coin, per underlying
    in_flight: InFlightView = field(default_factory=InFlightView)  # what the decision netted
    steering: tuple[Steering, ...] = ()  # per account: liquidation probability, trigger, target
    pnl: PnlTotals | None = None  # attributed P&L since start and per day
    acting: bool = True  # False: a standby's tick (read and assessed, nothing decided)
