"""What a tick report becomes for people: log lines, and the admin API's status."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import structlog

from agent.control.status import AgentStatus, PositionSummary
from agent.model import Health

if TYPE_CHECKING:
    from agent.tick.report import TickReport

log = structlog.get_logger("agent.daemon")


def log_report(report: TickReport, tick: int) -> None:
    """One line per alert and per action, then the tick's summary."""
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
            tick=tick,
            kill_state=report.kill_state.value,
            delta={u: round(g.delta, 4) for u, g in report.assessment.net.items()},
            problems=[f"{p.venue}:{p.code}" for p in report.inputs.problems],
        )


def status_of(base: AgentStatus, report: TickReport | None) -> AgentStatus:
    """``base`` (the journal's part) with what the last tick saw."""
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
    settings = {
        r.snapshot.venue: dict(r.snapshot.settings)
        for r in report.reads.values()
        if r.snapshot is not None and r.snapshot.settings
    }
    return replace(
        base,
        positions=positions,
        greeks=report.assessment.net,
        health=health,
        problems=(*base.problems, *problems),
        in_flight=report.in_flight.items,
        steering=report.steering,
        venue_failure=report.assessment.venue_failures,
        pnl=report.pnl,
        account_settings=settings,
    )
