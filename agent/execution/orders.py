"""Exchange orders: deterministic client ids, journaled first, looked up before any retry.

The client order id is derived from the intent id, so the same intent always names
the same order. A lost reply is answered by looking the order up, never by placing
it again; an order the venue does not show (yet) keeps its exposure reserved, and
only an order never seen for ``visibility_grace_s`` is taken as never placed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace

import structlog

from agent.control.killswitch import KillSwitch
from agent.errors import BallastError, OutcomeUnknown, RejectedError, TransientError, Withdrawn
from agent.execution.journal import Journal
from agent.execution.records import FINAL_ORDER, OrderRecord, OrderStatus
from agent.intents import Action, Intent, Outcome, OutcomeStatus
from agent.model import Side
from agent.ports import Clock, OrderRequest, OrderState, OrderVenue

log = structlog.get_logger(__name__)

_FILL_TOLERANCE = 1e-9  # relative: a fill this close to the quantity is complete


@dataclass(frozen=True, slots=True)
class OrderSettings:
    """Times in seconds; attempts are counts."""

    lookup_attempts: int = 5
    lookup_interval_s: float = 1.0
    final_wait_s: float = 10.0
    visibility_grace_s: float = 900.0
    place_attempts: int = 2


def client_order_id(intent_id: str, leg: int = 0) -> str:
    """A 128-bit hex id (``0x`` + 32 digits) derived from the intent id.

    Hex of this length is accepted as a client id by every venue we target
    (Hyperliquid requires exactly this form; Deribit takes any label up to 64 chars).
    """
    digest = hashlib.sha256(f"ballast|{intent_id}|{leg}".encode()).hexdigest()
    return "0x" + digest[:32]


def order_for(intent: Intent, *, unwind: bool = False) -> OrderRequest:
    """The IOC limit order that carries out a BUY or SELL intent.

    The quantity stays in coin: the venue's connector alone turns it into the venue's
    order amount (``connectors/cex/units.py``), so hedges, margin reductions and
    FLATTEN slices cannot disagree on units.
    """
    if intent.action not in (Action.BUY, Action.SELL) or intent.instrument is None:
        raise RejectedError(f"{intent.action.value} on {intent.venue} is not an exchange order")
    return OrderRequest(
        client_order_id=client_order_id(intent.intent_id),
        symbol=intent.instrument.symbol,
        side=Side.BUY if intent.action is Action.BUY else Side.SELL,
        quantity=intent.quantity,
        limit_price=intent.limit_price,
        reduce_only=unwind,
    )


def outcome_of(record: OrderRecord) -> Outcome:
    """The intent-level meaning of what is known about ``record``."""
    filled = record.filled_quantity
    complete = filled >= record.quantity * (1 - _FILL_TOLERANCE)
    status = {
        OrderStatus.OPEN: OutcomeStatus.PENDING,
        OrderStatus.REJECTED: OutcomeStatus.REJECTED,
        OrderStatus.NOT_PLACED: OutcomeStatus.REJECTED,
        OrderStatus.JOURNALED: OutcomeStatus.UNKNOWN,
        OrderStatus.UNKNOWN: OutcomeStatus.UNKNOWN,
    }.get(record.status)
    if status is None:  # closed or canceled
        status = OutcomeStatus.FILLED if complete else OutcomeStatus.CANCELLED
        if filled > 0 and not complete:
            status = OutcomeStatus.PARTIAL
    return Outcome(
        intent_id=record.intent_id,
        status=status,
        venue=record.venue,
        reference=record.client_order_id,
        filled_quantity=filled,
        average_price=record.average_price,
        fee_usd=record.fee_usd,
        detail=f"order {record.status.value}" + (f": {record.detail}" if record.detail else ""),
    )


class OrderExecutor:
    """Places, follows and cancels orders on exchange venues (one OrderVenue each)."""

    def __init__(
        self,
        venues: Mapping[str, OrderVenue],
        journal: Journal,
        killswitch: KillSwitch,
        clock: Clock,
        settings: OrderSettings | None = None,
    ) -> None:
        self.venues = dict(venues)
        self.journal = journal
        self.killswitch = killswitch
        self.clock = clock
        self.settings = settings or OrderSettings()

    def venue(self, name: str) -> OrderVenue:
        try:
            return self.venues[name]
        except KeyError:
            raise RejectedError(f"no order venue named {name!r}") from None

    async def execute(
        self, intent: Intent, *, risk_reducing: bool, unwind: bool = False
    ) -> Outcome:
        """Carry out ``intent`` with one order; journal first, look up before any retry."""
        order = order_for(intent, unwind=unwind)
        venue = self.venue(intent.venue)
        existing = self.journal.order(order.client_order_id)
        if existing is not None:  # the same intent again: find it, never place it twice
            if existing.status in FINAL_ORDER:
                return outcome_of(existing)
            return outcome_of(await self.settle(venue, existing))
        now = self._now()
        record = OrderRecord(
            client_order_id=order.client_order_id, intent_id=intent.intent_id,
            venue=intent.venue, symbol=order.symbol, side=order.side.value,
            quantity=order.quantity, limit_price=order.limit_price,
            reduce_only=order.reduce_only, time_in_force=order.time_in_force,
            status=OrderStatus.JOURNALED, created_at=now, updated_at=now,
        )  # fmt: skip
        self.journal.record_order(record)
        placed = await self._place(venue, record, order, risk_reducing=risk_reducing, unwind=unwind)
        return outcome_of(placed)

    async def _place(
        self,
        venue: OrderVenue,
        record: OrderRecord,
        order: OrderRequest,
        *,
        risk_reducing: bool,
        unwind: bool,
    ) -> OrderRecord:
        def last_look() -> str | None:
            """The kill switch, asked again right before the order leaves: the venue's
            own sizing call and retry waits come between here and the submission."""
            if self.killswitch.permits(risk_reducing=risk_reducing, unwind=unwind):
                return None
            return f"kill switch is {self.killswitch.state.value}"

        for _ in range(self.settings.place_attempts):
            if (refusal := last_look()) is not None:
                return self._mark(record, OrderStatus.NOT_PLACED, refusal)
            try:
                state = await venue.place_order(order, last_look=last_look)
            except OutcomeUnknown as error:
                log.warning(
                    "order_reply_lost", client_order_id=order.client_order_id, error=str(error)
                )
                return await self.settle(venue, record)
            except TransientError as error:
                found, conclusive = await self._lookup(venue, record)
                if found is not None or not conclusive:
                    return await self.settle(venue, record, found)
                log.info("order_retry", client_order_id=order.client_order_id, error=str(error))
                continue
            except Withdrawn as error:
                return self._mark(record, OrderStatus.NOT_PLACED, str(error))
            except RejectedError as error:
                return self._mark(record, OrderStatus.REJECTED, str(error))
            return await self._follow(venue, self._update(record, state))
        return self._mark(record, OrderStatus.NOT_PLACED, "venue unreachable; not found either")

    async def settle(
        self,
        venue: OrderVenue,
        record: OrderRecord,
        found: OrderState | None = None,
        *,
        attempts: int | None = None,
    ) -> OrderRecord:
        """Find out what became of a journaled order; never places anything.

        Not found: UNKNOWN (exposure stays reserved) until ``visibility_grace_s`` after
        it was journaled, then NOT_PLACED. ``attempts`` lookups (the settings' by default).
        """
        if found is None:
            found, _ = await self._lookup(venue, record, attempts)
        if found is not None:
            return await self._follow(venue, self._update(record, found))
        age = self._now() - record.created_at
        if age > self.settings.visibility_grace_s:
            return self._mark(record, OrderStatus.NOT_PLACED, f"never seen in {age:.0f} s")
        log.warning("order_not_found", client_order_id=record.client_order_id, age_s=age)
        return self._mark(record, OrderStatus.UNKNOWN, "not found yet; exposure kept reserved")

    async def _lookup(
        self, venue: OrderVenue, record: OrderRecord, attempts: int | None = None
    ) -> tuple[OrderState | None, bool]:
        """Look the order up by client id, a few times; (state, whether "absent" is sure).

        "Absent" is only sure when every attempt got an answer from the venue.
        """
        conclusive = True
        for attempt in range(attempts or self.settings.lookup_attempts):
            if attempt:
                await self.clock.sleep(self.settings.lookup_interval_s)
            try:
                found = await venue.find_order(record.client_order_id, record.symbol)
            except BallastError as error:
                conclusive = False
                log.warning(
                    "order_lookup_failed", client_order_id=record.client_order_id, error=str(error)
                )
                continue
            if found is not None:
                return found, True
        return None, conclusive

    async def _follow(self, venue: OrderVenue, record: OrderRecord) -> OrderRecord:
        """Poll an open order for up to ``final_wait_s`` until it is closed or canceled."""
        deadline = self.clock.monotonic() + self.settings.final_wait_s
        while record.status is OrderStatus.OPEN and self.clock.monotonic() < deadline:
            await self.clock.sleep(self.settings.lookup_interval_s)
            found, _ = await self._lookup(venue, record)
            if found is not None:
                record = self._update(record, found)
        return record

    async def cancel_open_orders(self) -> list[str]:
        """Cancel every open order on every venue (ours or not); one line per order."""
        results = []
        for name, venue in self.venues.items():
            try:
                open_orders = await venue.open_orders()
            except BallastError as error:
                results.append(f"{name}: cannot list open orders: {error}")
                continue
            for state in open_orders:
                results.append(
                    f"{name} {state.client_order_id}: {await self._cancel(venue, state)}"
                )
        return results

    async def _cancel(self, venue: OrderVenue, state: OrderState) -> str:
        if not state.client_order_id:
            return "FAILED: no client order id to cancel it by"
        error: BallastError | None = None
        for _ in range(self.settings.lookup_attempts):
            try:
                final = await venue.cancel_order(state.client_order_id, state.symbol)
            except (TransientError, OutcomeUnknown) as failure:
                error = failure
                await self.clock.sleep(self.settings.lookup_interval_s)
                continue
            except BallastError as failure:
                error = failure
                break
            record = self.journal.order(state.client_order_id)
            if record is not None:
                self._update(record, final)
            return final.status
        log.error("cancel_failed", client_order_id=state.client_order_id, error=str(error))
        return f"FAILED: {error}"

    def _update(self, record: OrderRecord, state: OrderState) -> OrderRecord:
        try:
            status = OrderStatus(state.status)
        except ValueError:
            status = OrderStatus.UNKNOWN
        updated = replace(
            record,
            status=status,
            venue_order_id=state.venue_order_id,
            filled_quantity=state.filled_quantity,
            average_price=state.average_price,
            fee_usd=state.fee_usd,
            updated_at=self._now(),
            detail="",
        )
        self.journal.update_order(updated)
        return updated

    def _mark(self, record: OrderRecord, status: OrderStatus, why: str) -> OrderRecord:
        log.info(
            "order_status", client_order_id=record.client_order_id, status=status.value, why=why
        )
        updated = replace(record, status=status, updated_at=self._now(), detail=why)
        self.journal.update_order(updated)
        return updated

    def _now(self) -> float:
        return self.clock.now().timestamp()
