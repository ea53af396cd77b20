"""What the agent wants done and what became of it: intents, outcomes, kill-switch states.

Quantities and prices follow ``agent.model``'s units. An intent's id is deterministic
(it seeds client order ids, so a retry after a lost reply is recognised).
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime

from agent.model import Instrument


class Action(enum.StrEnum):
    """What an intent asks a venue to do."""

    BUY = "buy"
    SELL = "sell"
    SUPPLY = "supply"
    WITHDRAW = "withdraw"
    BORROW = "borrow"
    REPAY = "repay"
    SWAP = "swap"
    REPAY_WITH_COLLATERAL = "repay_with_collateral"  # Aave repayWithATokens
    ENABLE_COLLATERAL = "enable_collateral"
    DISABLE_COLLATERAL = "disable_collateral"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class Intent:
    """One thing the policy wants done, before the guard and the executor see it.

    ``quantity`` is positive, in coin units of ``asset`` (the underlying for trades,
    the token for lending). Connectors read ``math.inf`` as "all of it" (withdraw all,
    repay all) for an operator's unwind; the guard admits only finite quantities, so
    policies size every intent.
    ``reference_price`` is the independent (oracle) price the decision was made at and
    ``limit_price`` the worst acceptable execution price, both USD per coin.
    ``risk_reducing`` is the policy's claim; the guard checks it independently where it
    can.
    """

    venue: str
    action: Action
    asset: str
    quantity: float
    reason: str
    instrument: Instrument | None = None
    limit_price: float | None = None
    reference_price: float | None = None
    notional_usd: float = 0.0
    risk_reducing: bool = False
    urgent: bool = False
    created_at: datetime | None = None
    sequence: int = 0

    @property
    def intent_id(self) -> str:
        """Deterministic id: the same decision at the same time gets the same id.

        It seeds client order ids, so a retry after a lost reply is recognised.
        """
        parts = (
            self.venue,
            self.action.value,
            self.asset,
            self.instrument.symbol if self.instrument else "",
            f"{self.quantity:.12g}",
            self.created_at.isoformat() if self.created_at else "",
            str(self.sequence),
        )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


class KillState(enum.StrEnum):
    """The kill switch, strictest last (DESIGN.md).

    ACTIVE acts normally; REDUCE_ONLY passes only risk-reducing intents; HALTED passes
    nothing new; FLATTEN (operator only) passes only the flatten procedure's unwind.
    """

    ACTIVE = "active"
    REDUCE_ONLY = "reduce_only"
    HALTED = "halted"
    FLATTEN = "flatten"

    @property
    def strictness(self) -> int:
        """0 for ACTIVE up to 3 for FLATTEN; automatic triggers may only raise it."""
        return _KILL_ORDER.index(self)


_KILL_ORDER = (KillState.ACTIVE, KillState.REDUCE_ONLY, KillState.HALTED, KillState.FLATTEN)


class OutcomeStatus(enum.StrEnum):
    PENDING = "pending"  # sent, not yet final
    FILLED = "filled"  # confirmed to the required depth / filled on the venue
    PARTIAL = "partial"
    CANCELLED = "cancelled"
    REJECTED = "rejected"  # refused before or by the venue; nothing happened
    FAILED = "failed"  # happened and reverted (gas spent)
    UNKNOWN = "unknown"  # must be reconciled before anything else


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of an intent."""

    intent_id: str
    status: OutcomeStatus
    venue: str
    reference: str | None = None  # transaction hash or client order id
    filled_quantity: float = 0.0
    average_price: float | None = None
    fee_usd: float = 0.0
    gas_usd: float = 0.0
    detail: str = ""
