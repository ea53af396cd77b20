"""Each tick, what happened to the book that the agent did not do (``agent.external``).

Positions are compared with the last look (kept in the journal by the ``PositionLedger``,
so a restart compares with what was there before it). Each change our work does not
explain is classified where the venue can say what it was (``Evidence`` hooks, asked
about the span since the last look: Aave's ``LiquidationCall`` logs and GMX's
PositionDecrease records of Liquidation orders for our account, Hyperliquid's fills and
Deribit's trades marked as liquidations), journaled, alerted with its evidence, and the
book is rebuilt from the venues as every tick does. A change nobody explains tightens
the kill switch to REDUCE_ONLY, and keeps it there, until an operator acknowledges it
(``ballast ack``).

At start-up (the first look of a process) such a change is worse: the journal's last
known positions disagree with the venues and nothing the agent did explains it (a crash,
then someone else's hand). The executor's read-only gate is held then, so nothing at
all is acted on, until the positions agree with the journal again or an operator
acknowledges what was found.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

import structlog

from agent.control.commands import Controls
from agent.errors import BallastError
from agent.execution.ledger import PositionLedger
from agent.execution.reconcile import ReadOnlyGate
from agent.external import (
    ExternalChange,
    Key,
    as_own,
    external_changes,
    holdings,
    maybe_changes,
    own_changes,
)
from agent.in_flight import InFlightKind, InFlightView
from agent.intents import KillState
from agent.model import VenueSnapshot
from agent.policy.alerts import Alert, AlertCode, Severity

log = structlog.get_logger(__name__)

UNEXPLAINED = "unexplained"
HOLDER = "external watch"


@dataclass(frozen=True, slots=True)
class Span:
    """Since the last look at a venue: its blocks (chains; None for exchanges, or before
    any look) and the agent's clock times, unix ms (exchanges stamp fills and trades)."""

    first_block: int | None
    last_block: int | None
    since_ms: int
    until_ms: int


# What the venue says happened to our account in a span: evidence of liquidations.
Evidence = Callable[[Span], Awaitable[list[str]]]


class ExternalWatch:
    def __init__(
        self,
        ledger: PositionLedger,
        controls: Controls,
        evidence: Mapping[str, Evidence],
        deferred: frozenset[str] = frozenset(),
        gate: ReadOnlyGate | None = None,
        untracked: frozenset[str] = frozenset(),
    ) -> None:
        """``deferred`` names venues where a completed intent only places an order that
        the venue executes or cancels later (GMX's keeper): what such an intent did is
        known from the position, so it explains anything between nothing and all.
        ``untracked`` names venues whose trades change nothing the watch tracks (a spot
        swap moves wallet balances, ``agent.external``): their intents explain nothing,
        and must not be expected to show as a hedge that never existed."""
        self.ledger = ledger
        self.controls = controls
        self.evidence = dict(evidence)
        self.deferred = deferred
        self.gate = gate
        self.untracked = untracked
        self._unlooked: set[str] | None = None  # journaled venues not yet read afresh
        self._held: list[ExternalChange] = []  # found at start-up, not yet resolved

    async def check(
        self, snapshots: Mapping[str, VenueSnapshot], in_flight: InFlightView, now: datetime
    ) -> list[Alert]:
        """Compare ``snapshots`` (the venues read afresh this tick) with the last look."""
        before, seen = self.ledger.positions()
        every, straddling = self.ledger.done()
        done = [(i, change) for i, change in every if change.venue not in self.untracked]
        # A venue still holding our orders (GMX's keeper) shows their effect later.
        holding = {i.venue for i in in_flight.items if i.kind is InFlightKind.VENUE_ORDER}
        later = {
            i
            for i, change in done
            if i in straddling or change.venue in holding or change.venue in self.deferred
        }
        certain = [change for i, change in done if i not in later]
        flying = [(i, c) for i, c in as_own(in_flight) if c.venue not in self.untracked]
        maybe = [change for i, change in done if i in later] + [c for _, c in flying]
        compared = {name for name in snapshots if name in seen}
        changes = external_changes(
            before, holdings(snapshots), own_changes(certain), maybe_changes(maybe), compared
        )
        looked = self.ledger.looked_at()
        changes = [await self._classify(c, seen, looked, snapshots, now) for c in changes]
        self.ledger.record(changes, now.timestamp())
        blocks = {name: s.block_number for name, s in snapshots.items()}
        self.ledger.save(snapshots, holdings(snapshots), blocks, now.timestamp())
        # Counted once a look shows it done for sure: at once, or (a deferred venue) at
        # the first look after one that saw it done, with nothing pending there.
        counted = [
            i
            for i, c in every
            if c.venue in self.untracked
            or (
                c.venue in snapshots
                and c.venue not in holding
                and (c.venue not in self.deferred or i in straddling)
            )
        ]
        waiting = [i for i, _ in every if i not in counted] + [i for i, _ in flying if i]
        self.ledger.mark(counted, waiting)
        self._hold_read_only(changes, holdings(snapshots), seen, compared)
        await self._hold()
        return [_alert(change) for change in changes]

    async def _classify(
        self,
        change: ExternalChange,
        seen: Mapping[str, int | None],
        looked: Mapping[str, float],
        snapshots: Mapping[str, VenueSnapshot],
        now: datetime,
    ) -> ExternalChange:
        hook = self.evidence.get(change.venue)
        since = looked.get(change.venue)
        if hook is None or since is None:
            return change
        start, end = seen.get(change.venue), snapshots[change.venue].block_number
        span = Span(
            None if start is None else start + 1,
            end,
            int(since * 1000),
            int(now.timestamp() * 1000),
        )
        try:
            found = await hook(span)
        except BallastError as error:
            log.warning("external_evidence_unavailable", venue=change.venue, error=str(error))
            return change
        if not found:
            return change
        return replace(change, cause="liquidation", evidence=tuple(found))

    def _hold_read_only(
        self,
        changes: list[ExternalChange],
        held: Mapping[Key, float],
        seen: Mapping[str, int | None],
        compared: set[str],
    ) -> None:
        """Read-only from a start-up that found unexplained changes until the positions
        agree with the journal again or the operator acknowledges them. Start-up lasts,
        per venue, until its first fresh read in this process."""
        if self._unlooked is None:
            self._unlooked = set(seen)
        found = [c for c in changes if c.cause == UNEXPLAINED and c.venue in self._unlooked]
        self._held.extend(found)
        self._unlooked -= compared
        if not self._held or self.gate is None:
            return
        acknowledged = not any(r.change.cause == UNEXPLAINED for r in self.ledger.unacknowledged())
        back = {(c.venue, c.asset, c.kind): c.before + c.explained for c in self._held}
        venues = {venue for venue, _, _ in back}
        now_held = {k: held.get(k, 0.0) for k in back}  # judged only on fresh reads
        agree = venues <= compared and not external_changes(back, now_held, {}, {}, venues)
        if acknowledged or agree:
            self._held = []
            self.gate.release(HOLDER)
            return
        what = "; ".join(c.describe() for c in self._held)
        self.gate.hold(
            HOLDER,
            f"positions differ from the journal at start-up, `ballast ack` when understood: {what}",
        )

    async def _hold(self) -> None:
        """REDUCE_ONLY while an unexplained change waits for an operator."""
        waiting = [r for r in self.ledger.unacknowledged() if r.change.cause == UNEXPLAINED]
        if waiting:
            reasons = "; ".join(r.change.describe() for r in waiting)
            await self.controls.trip(
                KillState.REDUCE_ONLY, f"external change, `ballast ack` when understood: {reasons}"
            )


def _alert(change: ExternalChange) -> Alert:
    severity = Severity.CRITICAL if change.cause != "liquidation" else Severity.WARNING
    log.error("external_event", change=change.describe())
    return Alert(
        AlertCode.EXTERNAL_EVENT,
        severity,
        change.subject,
        change.describe(),
        {"before": change.before, "after": change.after, "explained": change.explained},
    )
