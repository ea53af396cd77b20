"""The in-flight view, derived from the journal (see ``agent.in_flight``).

An intent still PENDING or UNKNOWN in the journal is in flight unless the venue's
snapshot already shows its effect:

- transactions: every planned leg mined at or below the block the venue was read at
  (MINED or CONFIRMED with that block number). Until then the whole intent is in
  flight, whatever its fee bumps: only a mined transaction, our own replacement at its
  nonce (CANCELLED) or a nonce taken by someone else (REJECTED) ends it, and those
  are final outcomes. A reorganised transaction goes back to BROADCAST, so it is in
  flight again.
- orders: an open order's unfilled rest; a journaled order without an answer, or one
  the venue cannot find (UNKNOWN), reserves its full size until a lookup resolves it.
- nothing sent yet (the executor is preparing it): the full size.

Work can finish between the read and this view (a tracker confirms a transaction, a
follower sees an order fill): the snapshot does not show it, so intents in flight
before the read (``earlier``) stay in the view with what they did: a transaction
mined above the read block, an order's fill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from agent.execution.journal import Journal
from agent.execution.records import INCLUDED_TX, IntentRecord, OrderStatus, TxRecord
from agent.in_flight import InFlight, InFlightKind, InFlightView
from agent.intents import Action, OutcomeStatus

_WAITING_ORDER = (OrderStatus.JOURNALED, OrderStatus.UNKNOWN)


def in_flight_ids(journal: Journal) -> frozenset[str]:
    """The intents in flight now (to pass as ``earlier`` once the venues are read)."""
    return frozenset(intent.intent_id for intent in journal.in_flight())


def in_flight_view(
    journal: Journal, blocks: Mapping[str, int | None], earlier: Iterable[str] = ()
) -> InFlightView:
    """Everything in flight; ``blocks`` maps a venue to the block its snapshot was read
    at (a transaction mined above it is not in that snapshot yet); ``earlier`` names
    intents that were in flight before that read (``in_flight_ids``)."""
    intents = {intent.intent_id: intent for intent in journal.in_flight()}
    finished = set()
    for intent_id in earlier:
        record = journal.intent(intent_id)
        if record is not None and intent_id not in intents:
            intents[intent_id] = record
            finished.add(intent_id)
    items = []
    for intent in intents.values():
        item = _item(journal, intent, blocks.get(intent.venue), intent.intent_id in finished)
        if item is not None:
            items.append(item)
    return InFlightView(tuple(items))


def _item(
    journal: Journal, intent: IntentRecord, block: int | None, finished: bool
) -> InFlight | None:
    orders = journal.orders_of(intent.intent_id)
    if orders:
        order = orders[-1]
        done = min(order.filled_quantity / order.quantity, 1.0) if order.quantity else 1.0
        if finished:  # it filled after the read, or before it: the hull covers both
            return _make(intent, intent.quantity * done, InFlightKind.ORDER, order.client_order_id)
        if order.status in _WAITING_ORDER:
            return _make(intent, intent.quantity, InFlightKind.UNKNOWN_ORDER, order.client_order_id)
        if order.status is OrderStatus.OPEN:
            rest = intent.quantity * (1.0 - done)
            return _make(intent, rest, InFlightKind.ORDER, order.client_order_id)
        return None  # final: its effect is on the venue
    if finished and intent.status not in (OutcomeStatus.FILLED, OutcomeStatus.PARTIAL):
        return None  # reverted, cancelled or never sent: nothing to add
    transactions = journal.transactions_of(intent.intent_id)
    if not transactions:
        return None if finished else _make(intent, intent.quantity, InFlightKind.NOT_STARTED, None)
    if _legs_mined(transactions, block) >= intent.legs:
        return None
    return _make(intent, intent.quantity, InFlightKind.TRANSACTION, transactions[-1].hash)


def _legs_mined(transactions: list[TxRecord], block: int | None) -> int:
    nonces = {
        tx.nonce
        for tx in transactions
        if tx.status in INCLUDED_TX
        and (block is None or (tx.block_number is not None and tx.block_number <= block))
    }
    return len(nonces)


def _make(
    intent: IntentRecord, quantity: float, kind: InFlightKind, reference: str | None
) -> InFlight:
    return InFlight(
        intent_id=intent.intent_id,
        venue=intent.venue,
        action=Action(intent.action),
        asset=intent.asset,
        quantity=quantity,
        notional_usd=intent.notional_usd,
        kind=kind,
        since=intent.journaled_at,
        reference=reference,
    )
