"""What the journal keeps: intents, signed transactions, client orders.

Times are Unix seconds (UTC); fees and values are wei (kept as decimal text in SQLite,
where integers stop at 2**63).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from agent.intents import OutcomeStatus

FINAL_OUTCOMES = frozenset(
    {
        OutcomeStatus.FILLED,
        OutcomeStatus.PARTIAL,
        OutcomeStatus.CANCELLED,
        OutcomeStatus.REJECTED,
        OutcomeStatus.FAILED,
    }
)


class TxStatus(enum.StrEnum):
    SIGNED = "signed"  # journaled; may or may not have left the process
    BROADCAST = "broadcast"  # handed to a node (accepted, or its reply was lost)
    MINED = "mined"  # a receipt was seen, confirmation depth not reached yet
    CONFIRMED = "confirmed"  # at confirmation depth: the intent is done; followed until final
    FINALIZED = "finalized"  # its block is final (agent.execution.finality)
    REPLACED = "replaced"  # another version at the same nonce was mined: final
    DISCARDED = "discarded"  # never broadcast, or refused by the node: nonce not used
    DROPPED = "dropped"  # the nonce was used by a transaction that is not ours: final


FINAL_TX = frozenset({TxStatus.FINALIZED, TxStatus.REPLACED, TxStatus.DISCARDED, TxStatus.DROPPED})
INCLUDED_TX = frozenset({TxStatus.MINED, TxStatus.CONFIRMED, TxStatus.FINALIZED})


class TxKind(enum.StrEnum):
    INTENT = "intent"  # carries out (part of) an intent
    CANCEL = "cancel"  # a 0-value self-transfer replacing a pending one (kill command)


@dataclass(frozen=True, slots=True)
class TxRecord:
    """One signed transaction, exactly as broadcast (or about to be).

    ``version`` counts replacements at the same nonce (1 = the original); ``emergency``
    says whether the emergency gas caps apply to its replacements (risk-reducing work).
    """

    hash: str
    intent_id: str
    account: str
    chain_id: int
    nonce: int
    version: int
    kind: TxKind
    raw: bytes
    to: str
    data: bytes
    value: int
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    function: str
    emergency: bool
    status: TxStatus
    created_at: float
    updated_at: float
    block_number: int | None = None
    block_hash: str | None = None
    receipt_status: int | None = None
    detail: str = ""


class OrderStatus(enum.StrEnum):
    JOURNALED = "journaled"  # written before placement; may or may not have reached the venue
    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # placement reply lost and the venue does not show it (yet)
    NOT_PLACED = "not_placed"  # refused before leaving, or never seen after the grace period


FINAL_ORDER = frozenset(
    {OrderStatus.CLOSED, OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.NOT_PLACED}
)


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One client order id and what is known of its order. Quantities in venue units."""

    client_order_id: str
    intent_id: str
    venue: str
    symbol: str
    side: str
    quantity: float
    limit_price: float | None
    reduce_only: bool
    time_in_force: str
    status: OrderStatus
    created_at: float
    updated_at: float
    venue_order_id: str | None = None
    filled_quantity: float = 0.0
    average_price: float | None = None
    fee_usd: float = 0.0
    detail: str = ""


@dataclass(frozen=True, slots=True)
class IntentRecord:
    """An intent as journaled, with its latest outcome. ``notional_usd`` is the guard's."""

    intent_id: str
    venue: str
    action: str
    asset: str
    quantity: float
    notional_usd: float
    risk_reducing: bool
    unwind: bool
    reason: str
    legs: int  # transactions (or orders) planned to carry it out
    status: OutcomeStatus
    detail: str
    reference: str | None
    journaled_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class IntentEntry:
    """What the executor journals with an intent: the guard's view and the plan."""

    notional_usd: float
    risk_reducing: bool
    unwind: bool
    legs: int
    status: OutcomeStatus = OutcomeStatus.PENDING
    detail: str = ""
