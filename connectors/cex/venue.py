"""One ccxt exchange account behind the ``Venue`` and ``OrderVenue`` ports.

Shared by every ccxt venue: lifecycle (an async context manager owning the HTTP session
and the exchange), error translation, central retry policies, and the order discipline
that keeps a lost reply from becoming a second order:

1. every order carries a deterministic client id (``OrderRequest.client_order_id``);
2. a submission that may have reached the venue (timeout, dropped connection,
   unreadable reply) is followed by a lookup by client id, never by a resend; if the
   order cannot be found yet, ``OutcomeUnknown`` is raised and the client id stays
   "unresolved";
3. placing a client id this process has already submitted only looks it up: it never
   places a second order, and raises ``OutcomeUnknown`` while the venue cannot show it.

Retries (``agent.retry``) wrap only idempotent steps: reads, lookups, cancels, and
submissions the venue definitely refused or never received. Venue specifics (requests,
JSON fields, client id encoding) live in ``deribit.py`` and ``hyperliquid.py``.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TypeVar

import aiohttp
import structlog

from agent.errors import OutcomeUnknown, RejectedError, TransientError
from agent.model import Instrument, VenueSnapshot
from agent.ports import LastLook, OrderRequest, OrderState, take_last_look
from agent.retry import ORDER, ORDER_LOOKUP, READ, RetryPolicy, call_with_retry
from connectors.cex.endpoint import Endpoint
from connectors.cex.errors import Fate, submission_fate, translate
from connectors.cex.markets import instrument_from_market
from connectors.cex.pause import Pause
from connectors.cex.submitted import Submitted
from connectors.cex.transport import noting_replies, open_session
from connectors.cex.units import OrderUnits
from connectors.concurrency import together as together  # the cex connectors' import

T = TypeVar("T")
_log = structlog.get_logger("ballast.cex")
_ORDER_STATUSES = {"open", "closed", "canceled", "rejected"}


def utc_now() -> datetime:
    return datetime.now(UTC)


class CcxtVenue(abc.ABC):
    """A venue account reached through an unchanged ccxt exchange (async_support)."""

    def __init__(
        self,
        *,
        name: str,
        endpoint: Endpoint,
        secrets: Sequence[str],
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._name = name
        self.endpoint = endpoint
        self._secrets = tuple(secrets)
        self._now = now
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._exchange: Any = None
        self._submitted = Submitted()  # client ids sent from here (connectors.cex.submitted)
        self._pause = Pause(name, now)  # what the venue asked us to stay away for
        self._instruments: dict[str, tuple[Any, Instrument]] = {}  # symbol -> (market, ours)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name!r}, mode={self.endpoint.mode!r})"

    @property
    def name(self) -> str:
        return self._name

    @property
    def exchange(self) -> Any:
        """The ccxt exchange (only while open)."""
        if self._exchange is None:
            raise RuntimeError(f"{self._name} is not open; use it as an async context manager")
        return self._exchange

    # --- lifecycle --------------------------------------------------------------------

    @abc.abstractmethod
    def _create_exchange(self, session: aiohttp.ClientSession) -> Any:
        """Build the ccxt exchange on ``session`` (credentials, options, timeouts)."""

    def _base_config(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        return {
            "session": session,
            "enableRateLimit": self.endpoint.rate_limit,
            "timeout": int(self.endpoint.timeout_s * 1000),
            "timeout_on_exit": 0,
        }

    async def open(self) -> None:
        """Create the exchange, point it at the endpoint, load its markets."""
        self._session = open_session()
        try:
            self._exchange = self._create_exchange(self._session)
            self.endpoint.apply(self._exchange)
            await self._read("load_markets", self._exchange.load_markets)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        if self._exchange is not None:
            await self._exchange.close()
            self._exchange = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> CcxtVenue:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    # --- calling ccxt -----------------------------------------------------------------

    async def _once(self, operation: str, function: Callable[[], Awaitable[T]]) -> T:
        """One call with ccxt errors translated (and Retry-After kept).

        A pause the venue asked for (Retry-After on a 429, or a ban: HTTP 418) is
        remembered across calls and ticks: until it ends nothing is sent, and each call
        fails at once with the time left.
        """
        self._pause.check(operation)
        with noting_replies() as notes:
            try:
                return await function()
            except Exception as error:
                problem = translate(
                    error,
                    venue=self._name,
                    operation=operation,
                    secrets=self._secrets,
                    retry_after_s=notes.retry_after_s,
                )
                if isinstance(problem, TransientError):
                    self._pause.remember(notes.status, notes.retry_after_s)
                if problem is error:
                    raise
                raise problem from error

    async def _read(
        self, operation: str, function: Callable[[], Awaitable[T]], policy: RetryPolicy = READ
    ) -> T:
        """An idempotent call, retried on TransientError under ``policy``."""
        return await call_with_retry(
            policy,
            f"{self._name}.{operation}",
            lambda: self._once(operation, function),
            sleep=self._sleep,
        )

    # --- Venue ------------------------------------------------------------------------

    def instrument(self, symbol: str) -> Instrument:
        """Our Instrument for a ccxt symbol of this venue (made once per ccxt market)."""
        market = self.exchange.market(symbol)
        known = self._instruments.get(symbol)
        if known is None or known[0] is not market:  # new, or ccxt reloaded its markets
            known = self._instruments[symbol] = (market, instrument_from_market(self._name, market))
        return known[1]

    @abc.abstractmethod
    def units(self, symbol: str) -> OrderUnits:
        """How ``symbol``'s order amount relates to coin (``connectors.cex.units``)."""

    def lot_size(self, symbol: str, price_usd: float | None = None) -> float | None:
        """The order size step of ``symbol`` in coin; for USD-sized instruments at
        ``price_usd`` (None without a price)."""
        if symbol not in (self.exchange.markets or {}):
            return None
        units = self.units(symbol)
        if units.needs_price and price_usd is None:
            return None
        return units.lot_coin(price_usd)

    async def snapshot(self) -> VenueSnapshot:
        """Positions, balances, health, marks, quotes and rates, read now."""
        return await self._read_snapshot()

    @abc.abstractmethod
    async def _read_snapshot(self) -> VenueSnapshot: ...

    # --- OrderVenue -------------------------------------------------------------------

    @abc.abstractmethod
    async def _submit(self, order: OrderRequest, amount: float) -> OrderState:
        """Send ``order`` once (no retry) for ``amount`` in the venue's unit, and read
        the venue's reply."""

    async def _sizing_price(self, symbol: str) -> float:
        """The USD price a coin quantity of ``symbol`` is converted at, for venues that
        size some instruments in USD (they override this)."""
        raise RejectedError(f"{self._name}: {symbol} is sized in USD and no price is known")

    async def order_amount(self, order: OrderRequest) -> tuple[float, float | None]:
        """``order.quantity`` (coin) as the venue's order amount, and the price used."""
        units = self.units(order.symbol)
        price = await self._sizing_price(order.symbol) if units.needs_price else None
        return units.amount(order.quantity, price), price

    def filled_coin(
        self, symbol: str, filled_amount: float, client_order_id: str, average: float | None
    ) -> float:
        """A fill in the venue's unit as coin: at the price the order was sized at (the
        position's own coin change), or after a restart at the fill's average price."""
        units = self.units(symbol)
        if not units.needs_price or filled_amount == 0:
            return filled_amount
        return units.coin(filled_amount, self._submitted.sizing_price(client_order_id) or average)

    @abc.abstractmethod
    async def _lookup(self, client_order_id: str, symbol: str) -> OrderState | None:
        """The order with this client id, None if the venue says it has none."""

    @abc.abstractmethod
    async def _cancel(self, state: OrderState) -> None:
        """Ask the venue to cancel the (open) order ``state``."""

    @abc.abstractmethod
    async def _list_open(self) -> list[OrderState]: ...

    def _validate_client_id(self, client_order_id: str) -> None:
        if not client_order_id or not client_order_id.isascii() or len(client_order_id) > 64:
            raise RejectedError(f"{self._name}: client order id must be 1-64 ASCII characters")

    async def place_order(
        self, order: OrderRequest, *, last_look: LastLook | None = None
    ) -> OrderState:
        """Place ``order`` at most once per client id; ``last_look`` is asked right
        before each submission (after sizing and any retry wait).

        Raises RejectedError when the venue refuses it, TransientError when it was
        definitely not placed and retries ran out, OutcomeUnknown when it may be live
        but cannot be seen yet (keep its exposure reserved and reconcile).
        """
        client_id = order.client_order_id
        self._validate_client_id(client_id)
        if client_id in self._submitted:
            return await self._recall(order)
        self._submitted.remember(client_id, None)  # before any await: a duplicate looks up
        try:
            return await call_with_retry(
                ORDER,
                f"{self._name}.place_order",
                lambda: self._place_once(order, last_look),
                sleep=self._sleep,
            )
        except (RejectedError, TransientError):
            self._submitted.forget(client_id)  # definitely not placed: may be tried again
            raise

    async def _place_once(self, order: OrderRequest, last_look: LastLook | None) -> OrderState:
        """One submission. Raises RejectedError or TransientError only when the order
        was definitely not placed; otherwise finds it, or raises OutcomeUnknown."""
        self._pause.check("place_order")
        amount, price = await self._once("order_amount", lambda: self.order_amount(order))
        self._submitted.remember(order.client_order_id, price)
        take_last_look(last_look, self._name, order.client_order_id)
        _log.info(
            "order_submitting",
            venue=self._name,
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side.value,
            quantity_coin=order.quantity,
            venue_amount=amount,
            limit_price=order.limit_price,
        )
        with noting_replies() as notes:
            try:
                return await self._submit(order, amount)
            except Exception as error:
                failure = error
        if submission_fate(failure) is Fate.UNKNOWN:
            return await self._recover_lost_reply(order, failure)
        problem = translate(
            failure,
            venue=self._name,
            operation="place_order",
            secrets=self._secrets,
            retry_after_s=notes.retry_after_s,
        )
        if isinstance(problem, TransientError):
            self._pause.remember(notes.status, notes.retry_after_s)
        if problem is failure:
            raise failure
        raise problem from failure

    async def _recover_lost_reply(self, order: OrderRequest, problem: Exception) -> OrderState:
        client_id = order.client_order_id
        self._submitted.lost(client_id)
        _log.warning(
            "order_reply_lost", venue=self._name, client_order_id=client_id, error=str(problem)
        )
        try:
            found = await self._read(
                "find_order", lambda: self._lookup(client_id, order.symbol), ORDER_LOOKUP
            )
        except TransientError as lookup_error:
            found = None
            problem = lookup_error
        if found is None:
            _log.error("order_outcome_unknown", venue=self._name, client_order_id=client_id)
            raise OutcomeUnknown(
                f"{self._name}: order {client_id} may be live but cannot be found yet; "
                "keep its exposure reserved and reconcile before acting"
            ) from problem
        self._submitted.seen(client_id)
        _log.info(
            "order_recovered", venue=self._name, client_order_id=client_id, status=found.status
        )
        return found

    async def _recall(self, order: OrderRequest) -> OrderState:
        try:
            found = await self.find_order(order.client_order_id, order.symbol)
        except TransientError as error:
            if not self._submitted.is_unresolved(order.client_order_id):
                raise
            raise OutcomeUnknown(
                f"{self._name}: order {order.client_order_id} is unresolved and the venue "
                "cannot be read; refusing to place it again"
            ) from error
        if found is None:
            raise OutcomeUnknown(
                f"{self._name}: client id {order.client_order_id} was already submitted and "
                "the venue cannot show it yet; refusing to place it again"
            )
        return found

    async def find_order(self, client_order_id: str, symbol: str) -> OrderState | None:
        """The order with this client id; None if the venue shows none."""
        found = await self._read("find_order", lambda: self._lookup(client_order_id, symbol))
        if found is not None:
            self._submitted.seen(client_order_id)
        return found

    async def cancel_order(self, client_order_id: str, symbol: str) -> OrderState:
        """Cancel by client id; returns the order's final state (it may have filled)."""
        state = await self.find_order(client_order_id, symbol)
        if state is None:
            raise RejectedError(f"{self._name}: no order with client id {client_order_id}")
        if state.status == "open":
            try:
                await call_with_retry(
                    ORDER,
                    f"{self._name}.cancel_order",
                    lambda: self._once("cancel_order", lambda: self._cancel(state)),
                    sleep=self._sleep,
                )
            except RejectedError:
                _log.warning("cancel_refused", venue=self._name, client_order_id=client_order_id)
        final = await self.find_order(client_order_id, symbol)
        if final is None:
            raise OutcomeUnknown(f"{self._name}: order {client_order_id} vanished during cancel")
        if final.status == "open":
            raise RejectedError(f"{self._name}: order {client_order_id} is still open")
        return final

    async def open_orders(self) -> Sequence[OrderState]:
        return await self._read("open_orders", self._list_open)

    @property
    def unresolved_client_ids(self) -> frozenset[str]:
        """Client ids whose orders may be live but have not been seen since submission."""
        return self._submitted.unresolved

    @staticmethod
    def status_of(raw: object) -> str:
        """A ccxt order status as OrderState's vocabulary."""
        status = str(raw or "open")
        if status == "expired":
            return "canceled"
        return status if status in _ORDER_STATUSES else "open"
