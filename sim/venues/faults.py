"""Misbehaviour a venue simulator can be told to show, at runtime, by tests.

Every fault is something real venues do to real bots: rate limits with Retry-After,
slow replies, an accepted order whose reply never arrives (the connection is closed
after the order is applied), and "order not found" for an order that is in fact live.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

ANY_ORDER = "*"  # ``hide_order``'s client id for every order


@dataclass(slots=True)
class HiddenOrder:
    """An order the venue pretends not to know, for ``lookups`` lookups or until a deadline.

    ``as_http_404`` answers with a bare HTTP 404 instead of the venue's own "not found".
    """

    lookups: int | None
    until_s: float | None
    as_http_404: bool


class FaultPlan:
    """The faults a simulator applies to its next requests.

    All counters are consumed as requests arrive, so a test states what should go wrong
    and then observes how the client copes.
    """

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self.clear()

    def clear(self) -> None:
        """Behave normally again."""
        self._rate_limited = 0
        self._retry_after_s = 0
        self.rate_limit_status = 429
        self._slow_requests: int | None = 0
        self._delay_s = 0.0
        self._drops = 0
        self._hidden: dict[str, HiddenOrder] = {}

    # --- what tests ask for -------------------------------------------------------

    def rate_limit(self, *, requests: int, retry_after_s: int = 5, status: int = 429) -> None:
        """Answer the next ``requests`` requests with 429 and ``Retry-After`` seconds
        (``status=418``: a ban, as exchanges answer clients that ignored their 429s)."""
        self._rate_limited = requests
        self._retry_after_s = retry_after_s
        self.rate_limit_status = status

    def slow_replies(self, *, delay_s: float, requests: int | None = None) -> None:
        """Hold each reply ``delay_s`` after doing the work; ``requests=None`` means all."""
        self._delay_s = delay_s
        self._slow_requests = requests

    def drop_order_replies(self, count: int = 1) -> None:
        """Apply the next ``count`` accepted orders, then close the connection unanswered."""
        self._drops = count

    def hide_order(
        self,
        client_id: str,
        *,
        lookups: int | None = None,
        seconds: float | None = None,
        as_http_404: bool = False,
    ) -> None:
        """Answer "order not found" for a live order (``ANY_ORDER``: every order).

        For ``lookups`` lookups, for ``seconds`` of wall time, or (both None) until
        ``release_order``.
        """
        until = None if seconds is None else self._monotonic() + seconds
        self._hidden[client_id] = HiddenOrder(lookups, until, as_http_404)

    def release_order(self, client_id: str) -> None:
        """Stop hiding ``client_id``."""
        self._hidden.pop(client_id, None)

    # --- what simulators consume --------------------------------------------------

    def take_rate_limit(self) -> int | None:
        """Retry-After seconds if this request must be refused with 429, else None."""
        if self._rate_limited <= 0:
            return None
        self._rate_limited -= 1
        return self._retry_after_s

    def take_delay(self) -> float:
        """Seconds to hold this reply."""
        if self._delay_s <= 0 or self._slow_requests == 0:
            return 0.0
        if self._slow_requests is not None:
            self._slow_requests -= 1
        return self._delay_s

    def take_drop(self) -> bool:
        """Whether the reply to this accepted order must be dropped."""
        if self._drops <= 0:
            return False
        self._drops -= 1
        return True

    def _rule(self, client_id: str | None) -> tuple[str, HiddenOrder] | None:
        for key in (client_id, ANY_ORDER):
            if key and key in self._hidden:
                return key, self._hidden[key]
        return None

    def peek_hidden(self, client_id: str | None) -> bool:
        """Whether ``client_id`` is hidden now, without consuming a lookup (for listings)."""
        found = self._rule(client_id) if client_id else None
        rule = found[1] if found else None
        if rule is None:
            return False
        expired = rule.until_s is not None and self._monotonic() >= rule.until_s
        return not expired and (rule.lookups is None or rule.lookups > 0)

    def hidden(self, client_id: str | None) -> HiddenOrder | None:
        """The hiding rule for one lookup of ``client_id`` (consumes a lookup), if any."""
        found = self._rule(client_id) if client_id else None
        if found is None:
            return None
        key, rule = found
        if rule.until_s is not None and self._monotonic() >= rule.until_s:
            self.release_order(key)
            return None
        if rule.lookups is not None:
            if rule.lookups <= 0:
                self.release_order(key)
                return None
            rule.lookups -= 1
        return rule
