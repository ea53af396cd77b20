"""What is worth telling an operator, from each tick and from the kill switch.

``NoticeRules`` is a tick observer: it turns a ``TickReport`` into notices (health
under its trigger and back, streaks of failed ticks, venue reads or intents, policy
alerts, actions taken). ``watch_kill_switch`` is a background task that reports every
kill-switch transition the moment it happens, operator commands included, not at the
next tick. Each notice has a ``key``: the same condition keeps the same key, so
delivery can suppress repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import structlog

from agent.config.models import Config
from agent.control.killswitch import KillSwitch, KillTransition
from agent.intents import KillState, OutcomeStatus
from agent.leadership import Role, RoleChange
from agent.model import HealthKind
from agent.policy.alerts import Severity
from agent.tick.report import TickReport

log = structlog.get_logger(__name__)

_FAILED = (OutcomeStatus.FAILED, OutcomeStatus.UNKNOWN, OutcomeStatus.REJECTED)
_ACTED = (OutcomeStatus.FILLED, OutcomeStatus.PARTIAL, OutcomeStatus.PENDING)


@dataclass(frozen=True, slots=True)
class Notice:
    """One message for operators. ``fields`` are short name/value pairs for the formats."""

    key: str
    severity: Severity
    title: str
    text: str
    at: datetime
    fields: Mapping[str, str] = field(default_factory=dict)


def kill_notice(transition: KillTransition) -> Notice:
    """A kill-switch transition: critical when trading stops, warning otherwise."""
    stops = transition.state in (KillState.HALTED, KillState.FLATTEN)
    how = "automatically" if transition.automatic else f"by {transition.actor}"
    return Notice(
        key=f"kill:{transition.at.isoformat()}:{transition.state.value}",
        severity=Severity.CRITICAL if stops else Severity.WARNING,
        title=f"Kill switch {transition.previous.value} -> {transition.state.value}",
        text=f"Set {how}: {transition.reason}",
        at=transition.at,
        fields={"state": transition.state.value, "previous": transition.previous.value},
    )


def role_notice(change: RoleChange) -> Notice:
    """A change of role on a shared journal: a failover (a standby took over) is a
    warning, a lost lease critical (the book's leader changed under this process)."""
    fields = {"book": change.book, "holder": change.holder, "epoch": str(change.epoch)}
    if change.role is Role.LEADER:
        title = f"Failover: {change.holder} leads book {change.book}"
        if not change.took_over:
            title = f"{change.holder} leads book {change.book}"
        severity = Severity.WARNING if change.took_over else Severity.INFO
    else:
        what = "Lease lost" if change.lost else "Stepped down"
        title = f"{what}: {change.holder} stands by on book {change.book}"
        severity = Severity.CRITICAL if change.lost else Severity.INFO
    key = f"role:{change.book}:{change.holder}:{change.role.value}:{change.epoch}"
    return Notice(key, severity, title, change.reason, change.at, fields)


async def watch_kill_switch(
    killswitch: KillSwitch, notify: Callable[[Notice], None], stop: asyncio.Event
) -> None:
    """Until ``stop``: a notice for every transition, oldest first (background task)."""
    generation = killswitch.generation
    while not stop.is_set():
        changed = asyncio.ensure_future(killswitch.wait_changed(generation))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait([changed, stopped], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in (changed, stopped):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
        missed = killswitch.generation - generation
        generation = killswitch.generation
        try:
            for transition in reversed(killswitch.history(missed) if missed > 0 else ()):
                notify(kill_notice(transition))
        except Exception:  # shares the daemon's TaskGroup: must never stop the loop
            log.exception("kill_switch_watch_failed")


class NoticeRules:
    """A tick observer that sends each tick's notices to ``notify``."""

    def __init__(self, config: Config, notify: Callable[[Notice], None]) -> None:
        self.config = config
        self.notify = notify
        self.streak_length = config.alerts.delivery.failure_streak
        self.streaks: dict[str, int] = defaultdict(int)
        self.under_trigger: set[str] = set()

    def __call__(self, report: TickReport) -> None:
        for notice in self.notices(report):
            self.notify(notice)

    def notices(self, report: TickReport) -> Iterator[Notice]:
        """Everything worth telling about ``report``, given the ticks before it."""
        yield from self._streak("tick", report.error is not None, report, "Ticks are failing",
                                report.error or "")  # fmt: skip
        for name, read in sorted(report.reads.items()):
            yield from self._streak(
                f"venue:{name}", read.error is not None, report, f"{name} cannot be read",
                read.error or "",
            )  # fmt: skip
        if not report.acting:  # a standby: the book's news come from its leader, once
            return
        for outcome in report.outcomes:
            failed = outcome.status in _FAILED
            yield from self._streak(
                "intents", failed, report, "Intents keep failing",
                f"{outcome.venue}: {outcome.status.value}: {outcome.detail}",
            )  # fmt: skip
        yield from self._health(report)
        yield from self._policy(report)
        yield from self._actions(report)

    def _streak(
        self, name: str, failed: bool, report: TickReport, title: str, detail: str
    ) -> Iterator[Notice]:
        """A warning while ``name`` has failed ``streak_length`` times in a row; an info
        notice when it recovers after such a streak."""
        if not failed:
            if self.streaks.pop(name, 0) >= self.streak_length:
                yield Notice(f"streak:{name}:recovered", Severity.INFO, f"{title}: recovered",
                             "Working again.", report.at)  # fmt: skip
            return
        self.streaks[name] += 1
        count = self.streaks[name]
        if count >= self.streak_length:
            text = f"{count} failures in a row. Latest: {detail}"
            yield Notice(f"streak:{name}", Severity.WARNING, title, text, report.at,
                         {"failures": str(count)})  # fmt: skip

    def _health(self, report: TickReport) -> Iterator[Notice]:
        settings = self.config.health
        for read in report.reads.values():
            for health in read.snapshot.health if read.snapshot else ():
                lending = health.kind is HealthKind.LENDING
                trigger = settings.lending_trigger if lending else settings.margin_trigger
                subject = f"{health.venue}" + (f" ({health.account})" if health.account else "")
                key = f"health:{subject}"
                if health.ratio < trigger:
                    self.under_trigger.add(key)
                    severity = Severity.CRITICAL if health.ratio < 1.1 else Severity.WARNING
                    yield Notice(
                        key, severity, f"Health under trigger on {subject}",
                        f"Health {health.ratio:.3f} is under its trigger {trigger:g}.",
                        report.at, {"health": f"{health.ratio:.3f}", "trigger": f"{trigger:g}"},
                    )  # fmt: skip
                elif key in self.under_trigger:
                    self.under_trigger.discard(key)
                    yield Notice(f"{key}:restored", Severity.INFO, f"Health restored on {subject}",
                                 f"Health {health.ratio:.3f} is back above {trigger:g}.",
                                 report.at)  # fmt: skip

    def _policy(self, report: TickReport) -> Iterator[Notice]:
        for alert in report.alerts:
            yield Notice(
                f"policy:{alert.code}:{alert.subject}", alert.severity,
                f"{alert.code.value.replace('_', ' ').capitalize()}: {alert.subject}",
                alert.message, report.at,
            )  # fmt: skip

    def _actions(self, report: TickReport) -> Iterator[Notice]:
        for intent, outcome in zip(report.intents, report.outcomes, strict=False):
            if outcome.status not in _ACTED:
                continue
            yield Notice(
                f"action:{intent.intent_id}:{outcome.status.value}", Severity.INFO,
                f"{intent.action.value.capitalize()} {intent.quantity:.6g} {intent.asset} "
                f"on {intent.venue}",
                f"{intent.reason} ({outcome.status.value})", report.at,
                {"reference": outcome.reference or ""},
            )  # fmt: skip
