"""What one venue account has submitted from this process, by client order id.

The order discipline of ``connectors.cex.venue`` rests on it: a client id once submitted
is only looked up, never placed again, while it is remembered (the newest
``REMEMBERED`` ids); a submission whose reply was lost stays "unresolved" until the
venue shows it. Each id keeps the USD/coin price its amount was sized at (None: sized in
coin), so a fill in USD contracts converts back at the order's own price.
"""

from __future__ import annotations

from collections import OrderedDict

REMEMBERED = 10_000


class Submitted:
    """Client ids submitted (the newest ``REMEMBERED``) and those still unresolved."""

    def __init__(self) -> None:
        self._prices: OrderedDict[str, float | None] = OrderedDict()
        self._unresolved: set[str] = set()

    def __contains__(self, client_id: object) -> bool:
        return client_id in self._prices

    def remember(self, client_id: str, sizing_price: float | None) -> None:
        """``client_id`` submitted (or about to be), sized at ``sizing_price``."""
        self._prices[client_id] = sizing_price
        self._prices.move_to_end(client_id)
        while len(self._prices) > REMEMBERED:
            self._prices.popitem(last=False)

    def forget(self, client_id: str) -> None:
        """Definitely not placed: the id may be submitted again."""
        self._prices.pop(client_id, None)

    def sizing_price(self, client_id: str) -> float | None:
        """The price ``client_id``'s amount was sized at (None: in coin, or unknown)."""
        return self._prices.get(client_id)

    def lost(self, client_id: str) -> None:
        """Its reply was lost: unresolved until the venue shows it."""
        self._unresolved.add(client_id)

    def seen(self, client_id: str) -> None:
        """The venue showed it: resolved."""
        self._unresolved.discard(client_id)

    def is_unresolved(self, client_id: str) -> bool:
        return client_id in self._unresolved

    @property
    def unresolved(self) -> frozenset[str]:
        return frozenset(self._unresolved)
