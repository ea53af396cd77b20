"""Carrying out one tick's intents: each through the guard and the executor, in order.

Split from ``agent.daemon``: the daemon decides, this hands each intent to the executor
with the guard's context (kill state, exposures, the stress baseline as the earlier
intents of the tick leave it) and collects the outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import structlog

from agent.errors import BallastError
from agent.execution.lease import LeaseLost
from agent.execution.proposal import GuardContext
from agent.execution.stress_gate import StressLimits, applied, tick_baseline
from agent.intents import Intent, Outcome, OutcomeStatus
from agent.model import VenueSnapshot
from agent.tick.assessment import Assessment
from agent.tick.exposures import guard_context

if TYPE_CHECKING:
    from agent.daemon import DaemonParts

log = structlog.get_logger(__name__)


async def execute(
    parts: DaemonParts,
    now: datetime,
    intents: Sequence[Intent],
    assessment: Assessment,
    snapshots: Mapping[str, VenueSnapshot],
    *,
    unwind: bool = False,
    market: Mapping[str, float] | None = None,
) -> tuple[Outcome, ...]:
    """Submit ``intents`` in order; a rejected one leaves the stress baseline as it was.
    ``market``: the venues' consensus for each underlying whose oracle is in doubt, the
    guard's independent price for it instead of the doubted one."""
    outcomes = []
    limits = StressLimits.of(parts.config.limits)
    baseline = tick_baseline(assessment.book, assessment.stress, intents, limits)
    for intent in intents:
        context = guard_context(
            now=now,
            kill_state=parts.controls.killswitch.state,
            assessment=assessment,
            snapshots=snapshots,
            profiles=parts.profiles,
            tokens=parts.tokens,
            notional_last_hour_usd=parts.executor.notional_last_hour_usd(),
            chain_id=parts.venue_chains.get(intent.venue, parts.chain_id),
            inputs_from=_inputs_of(parts, intent),
            stress=baseline,
            market=market,
        )
        outcome = await _submit(parts, intent, context, unwind=unwind)
        outcomes.append(outcome)
        if baseline is not None and outcome.status is not OutcomeStatus.REJECTED:
            baseline = applied(baseline, intent)
    return tuple(outcomes)


def _inputs_of(parts: DaemonParts, intent: Intent) -> frozenset[str] | None:
    """A risk-reducing intent rests on its own venue and the oracle; anything that
    adds risk rests on the whole book, so every input must be fresh."""
    if not intent.risk_reducing:
        return None
    return frozenset(n for n in (intent.venue, parts.oracle_venue) if n is not None)


async def _submit(
    parts: DaemonParts, intent: Intent, context: GuardContext, *, unwind: bool
) -> Outcome:
    executor = parts.executor
    try:
        if intent.venue in parts.actions:
            # Live from the journal, not the tick's netted view: work this tick submitted
            # before ``intent`` counts too. No block: a mined leg is done.
            unmined = executor.in_flight({}).items
            requests = parts.actions[intent.venue].build(intent, unmined)
            return await executor.submit_transactions(intent, requests, context, unwind=unwind)
        if intent.venue in parts.order_venues:
            return await executor.submit_order(intent, context, unwind=unwind)
    except LeaseLost:  # another process leads: the tick stops here (agent.leadership)
        raise
    except BallastError as error:
        log.warning(
            "intent_not_built", intent=intent.intent_id, venue=intent.venue, error=str(error)
        )
        return Outcome(intent.intent_id, OutcomeStatus.REJECTED, intent.venue, detail=str(error))
    return Outcome(
        intent.intent_id, OutcomeStatus.REJECTED, intent.venue, detail="venue cannot act"
    )
