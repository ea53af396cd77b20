"""What the guard is asked, what it knows, and what it answers."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from agent.intents import Intent, KillState
from agent.ports import TxRequest

if TYPE_CHECKING:  # the gate's module imports this one
    from agent.execution.stress_gate import StressBaseline


class ReasonCode(enum.StrEnum):
    """Why the guard refused an intent; one metric label per code."""

    INVALID_INTENT = "invalid_intent"
    KILL_SWITCH = "kill_switch"
    RISK_CLAIM_MISMATCH = "risk_claim_mismatch"
    MISSING_TIMESTAMP = "missing_timestamp"
    STALE_INTENT = "stale_intent"
    STALE_INPUTS = "stale_inputs"
    MISSING_REFERENCE_PRICE = "missing_reference_price"
    NOTIONAL_PER_ACTION = "notional_per_action"
    NOTIONAL_PER_HOUR = "notional_per_hour"
    UNKNOWN_VENUE = "unknown_venue"
    VENUE_EXPOSURE = "venue_exposure"
    PROTOCOL_EXPOSURE = "protocol_exposure"
    NO_PRICE_BOUND = "no_price_bound"
    SLIPPAGE = "slippage"
    REFERENCE_DEVIATION = "reference_deviation"
    WRONG_CHAIN = "wrong_chain"
    NOT_ALLOWLISTED = "not_allowlisted"
    SELECTOR_MISMATCH = "selector_mismatch"
    GAS_CAP = "gas_cap"
    SIMULATION_REVERTED = "simulation_reverted"
    STRESS_LOSS = "stress_loss"
    LIQUIDATION_MOVE = "liquidation_move"
    VENUE_FAILURE_LOSS = "venue_failure_loss"
    STRESS_UNMODELLED = "stress_unmodelled"


@dataclass(frozen=True, slots=True)
class Rejection:
    code: ReasonCode
    message: str


@dataclass(frozen=True, slots=True)
class Proposal:
    """An intent and, for EVM venues, the exact transactions that would carry it out.

    ``unwind`` marks the flatten procedure's own intents: the only ones FLATTEN passes.
    """

    intent: Intent
    transactions: tuple[TxRequest, ...] = ()
    unwind: bool = False


@dataclass(frozen=True, slots=True)
class GuardContext:
    """The state the guard judges against, assembled by the daemon each tick.

    ``reference_prices`` are independent prices (oracles, not the venue that would
    fill), USD per coin, keyed by asset. ``venue_exposure_usd`` and
    ``protocol_exposure_usd`` are gross exposures including intents still in flight.
    ``positions`` holds each venue's signed position in coin units keyed by
    ``(venue, asset)`` (absent means flat); ``net_delta`` the book's delta in coin
    per underlying (absent means unknown). ``notional_last_hour_usd`` is what was
    already committed in the rolling hour (the journal knows). ``inputs_observed_at``
    is the time of the oldest input the decision used. ``chain_id`` is the chain the
    executor's RPC proved, None when no EVM chain is wired. ``stress`` is the book's
    stress grid this tick for the stress gate (None: the gate has nothing to judge).
    """

    now: datetime
    kill_state: KillState
    book_value_usd: float
    inputs_observed_at: datetime | None
    reference_prices: Mapping[str, float] = field(default_factory=dict)
    venue_exposure_usd: Mapping[str, float] = field(default_factory=dict)
    protocol_exposure_usd: Mapping[str, float] = field(default_factory=dict)
    positions: Mapping[tuple[str, str], float] = field(default_factory=dict)
    net_delta: Mapping[str, float] = field(default_factory=dict)
    notional_last_hour_usd: float = 0.0
    chain_id: int | None = None
    stress: StressBaseline | None = None

    def never_laxer(
        self,
        live: KillState,
        reserved_usd: Mapping[str, float],
        protocol_of_venue: Mapping[str, str],
        notional_last_hour_usd: float,
    ) -> GuardContext:
        """This context, never laxer than what the executor itself knows: the stricter
        kill state of this one and ``live``; at least ``notional_last_hour_usd`` in the
        rolling hour; the exposure ``reserved_usd`` per venue by intents still in flight
        added to their venue's and protocol's (conservative: a fill already visible on the
        venue while its transaction confirms is counted twice, never zero times)."""
        kill_state = max(self.kill_state, live, key=lambda state: state.strictness)
        venues = dict(self.venue_exposure_usd)
        protocols = dict(self.protocol_exposure_usd)
        for venue, usd in reserved_usd.items():
            venues[venue] = venues.get(venue, 0.0) + usd
            protocol = protocol_of_venue.get(venue)
            if protocol is not None:
                protocols[protocol] = protocols.get(protocol, 0.0) + usd
        return replace(
            self,
            kill_state=kill_state,
            notional_last_hour_usd=max(self.notional_last_hour_usd, notional_last_hour_usd),
            venue_exposure_usd=venues,
            protocol_exposure_usd=protocols,
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer. ``notional_usd`` is the guard's own figure (never less than
    the policy's); ``risk_reducing`` is the policy's claim unless contradicted.
    """

    intent_id: str
    rejections: tuple[Rejection, ...]
    notional_usd: float
    risk_reducing: bool
    unwind: bool = False

    @property
    def approved(self) -> bool:
        return not self.rejections

    def summary(self) -> str:
        """One line naming every rejection, for outcomes and logs."""
        return "; ".join(f"{r.code.value}: {r.message}" for r in self.rejections)
