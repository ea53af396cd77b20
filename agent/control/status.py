"""What ``ballast status`` shows, and where it comes from.

The daemon implements ``StatusProvider`` (positions, Greeks and health come from its
latest book); ``JournalStatus`` supplies the parts the journal knows (last actions,
pending transactions, read-only state) and is what a daemon without a book yet shows.
Everything here is plain data that ``to_json`` turns into the admin API's JSON.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from agent.execution.journal import Journal
from agent.execution.reconcile import ReadOnlyGate
from agent.in_flight import InFlight
from agent.leadership import LeadershipStatus
from agent.model import Greeks, Health
from agent.pnl_live import PnlTotals
from agent.policy.steering import Steering
from agent.ports import Clock
from agent.risk.venue_failure import VenueFailure


@dataclass(frozen=True, slots=True)
class PositionSummary:
    """One position: quantity in coin units, notional in USD."""

    venue: str
    symbol: str
    quantity: float
    notional_usd: float


@dataclass(frozen=True, slots=True)
class ActionSummary:
    at: datetime
    intent_id: str
    venue: str
    action: str
    asset: str
    quantity: float
    status: str
    detail: str
    reference: str | None


@dataclass(frozen=True, slots=True)
class PendingTransaction:
    """A transaction not yet final; fees in gwei, age in seconds."""

    chain_id: int
    nonce: int
    hash: str
    intent_id: str
    version: int
    status: str
    max_fee_gwei: float
    priority_fee_gwei: float
    age_s: float


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """Everything but the kill switch (the admin server adds that itself).

    ``greeks`` is keyed by underlying; ``problems`` lists what currently stops or
    degrades acting (stale inputs, reconciliation, RPC health); ``account_settings``
    holds each venue's margin model and per-asset leverage as the venue reports them.
    ``steering`` is each account's probability of liquidation within the horizon, its
    projected health (after the adverse ``projection_sigmas`` move), the health it acts
    at and restores to, and which rule acts; ``venue_failure`` what the book loses if each
    venue fails; ``pnl`` the P&L attributed since start and per day; ``leadership`` this
    process's role on a shared journal, its lease and the other processes' heartbeats.
    """

    positions: Sequence[PositionSummary] = ()
    greeks: Mapping[str, Greeks] = field(default_factory=dict)
    health: Sequence[Health] = ()
    last_actions: Sequence[ActionSummary] = ()
    pending_transactions: Sequence[PendingTransaction] = ()
    read_only_reason: str | None = None
    problems: Sequence[str] = ()
    steering: Sequence[Steering] = ()
    venue_failure: Sequence[VenueFailure] = ()
    pnl: PnlTotals | None = None
    account_settings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    in_flight: Sequence[InFlight] = ()  # work the last decision netted (agent.in_flight)
    leadership: LeadershipStatus | None = None  # on a shared journal: role, lease, peers


class StatusProvider(Protocol):
    async def status(self) -> AgentStatus:
        """The agent's state now; must not block on venues (report the last tick)."""
        ...


class JournalStatus:
    """A ``StatusProvider`` from the journal alone (no positions, Greeks or health)."""

    def __init__(
        self, journal: Journal, gate: ReadOnlyGate, clock: Clock, *, actions: int = 20
    ) -> None:
        self.journal = journal
        self.gate = gate
        self.clock = clock
        self.actions = actions

    async def status(self) -> AgentStatus:
        now = self.clock.now().timestamp()
        actions = [
            ActionSummary(
                at=datetime.fromtimestamp(i.updated_at, UTC), intent_id=i.intent_id,
                venue=i.venue, action=i.action, asset=i.asset, quantity=i.quantity,
                status=i.status.value, detail=i.detail, reference=i.reference,
            )
            for i in self.journal.recent_intents(self.actions)
        ]  # fmt: skip
        pending = [
            PendingTransaction(
                chain_id=t.chain_id, nonce=t.nonce, hash=t.hash, intent_id=t.intent_id,
                version=t.version, status=t.status.value,
                max_fee_gwei=t.max_fee_per_gas / 1e9,
                priority_fee_gwei=t.max_priority_fee_per_gas / 1e9,
                age_s=now - t.created_at,
            )
            for t in self.journal.pending_transactions()
        ]  # fmt: skip
        return AgentStatus(
            last_actions=actions, pending_transactions=pending, read_only_reason=self.gate.reason
        )


def to_json(value: object) -> object:
    """Plain JSON types: dataclasses as objects, times as ISO 8601, inf as a string."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    return value
