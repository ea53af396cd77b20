"""What the last tick adds to ``ballast status``: positions, Greeks, health, each
account's liquidation risk and each venue's failure row."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from agent.control.status import AgentStatus, PositionSummary
from agent.model import Health

if TYPE_CHECKING:  # the daemon imports this module
    from agent.daemon import TickReport


def tick_status(base: AgentStatus, report: TickReport) -> AgentStatus:
    """``base`` (the journal's part) with what ``report`` saw; it has an assessment."""
    assert report.assessment is not None
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
        steering=report.steering,
        venue_failure=report.assessment.venue_failures,
        pnl=report.pnl,
    )
