"""Work in flight: what the agent has started and the venues do not show yet (pure).

Every intent that is not final - a transaction not yet mined in the block a tick read,
an order that is open, journaled without an answer, or UNKNOWN (the venue cannot find
it) - is one ``InFlight``: its signed delta per underlying, its notional and its
effect on a lending account. The decision nets it before computing what is needed, so
one need is never hedged twice (RELIABILITY row 22).

A transaction's effect appears in the venue's snapshot once it is mined, so it leaves
the view when mined at or below the block the snapshot was read at. An order's fill
may already be in the venue's position while the venue cannot find the order (a lost
reply, "order not found"): the true delta is then anywhere between "not done" and
"done". ``hedgeable_deviation`` hedges only what is needed in every case between the
two, so neither a stuck hedge nor a hidden one is hedged again, and a hedge that may
have happened is never traded back.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from agent.intents import Action
from agent.model import VenueSnapshot


class InFlightKind(enum.StrEnum):
    TRANSACTION = "pending transaction"  # signed or broadcast, not mined at the read block
    ORDER = "open order"  # open on its venue: the unfilled rest is in flight
    UNKNOWN_ORDER = "unknown order"  # journaled, the venue cannot find it: full size
    NOT_STARTED = "not started"  # journaled, nothing sent yet (the executor is on it)
    VENUE_ORDER = "order awaiting keeper"  # the venue holds it (GMX): not executed yet


@dataclass(frozen=True, slots=True)
class InFlight:
    """One intent in flight. ``quantity`` is what is still to happen, in coin of
    ``asset`` (the underlying for trades, the token for lending); ``notional_usd`` the
    guard's notional of the whole intent; ``since`` Unix seconds when it was journaled;
    ``reference`` the latest transaction hash or client order id."""

    intent_id: str
    venue: str
    action: Action
    asset: str
    quantity: float
    notional_usd: float
    kind: InFlightKind
    since: float
    reference: str | None = None

    @property
    def delta_coin(self) -> float:
        """The signed change to ``asset``'s delta when it completes: +buy, -sell."""
        if self.action is Action.BUY:
            return self.quantity
        if self.action is Action.SELL:
            return -self.quantity
        return 0.0


@dataclass(frozen=True, slots=True)
class InFlightView:
    """Everything in flight at one moment."""

    items: tuple[InFlight, ...] = ()

    def delta_by_underlying(self) -> dict[str, tuple[float, float]]:
        """Per underlying: (sum of the buys, sum of the sells) in flight, coin; sells
        negative. Kept apart so opposite work never cancels out in the hull."""
        result: dict[str, tuple[float, float]] = {}
        for item in self.items:
            change = item.delta_coin
            if change == 0:
                continue
            up, down = result.get(item.asset, (0.0, 0.0))
            result[item.asset] = (up + max(change, 0.0), down + min(change, 0.0))
        return result

    def with_venue_orders(self, snapshots: Mapping[str, VenueSnapshot]) -> InFlightView:
        """This view plus the trades venues hold for us but have not executed (a GMX
        order waiting for its keeper), as each snapshot reports them."""
        extra = [
            InFlight(
                intent_id="",
                venue=name,
                action=Action.BUY if trade.delta_coin > 0 else Action.SELL,
                asset=trade.underlying,
                quantity=abs(trade.delta_coin),
                notional_usd=trade.notional_usd,
                kind=InFlightKind.VENUE_ORDER,
                since=snapshot.observed_at.timestamp(),
                reference=trade.reference,
            )
            # of hundreds of snapshots a tick, only the few holding any are sorted
            for name, snapshot in sorted((n, s) for n, s in snapshots.items() if s.pending)
            for trade in snapshot.pending
        ]
        return InFlightView((*self.items, *extra))

    def notional_by_venue(self) -> dict[str, float]:
        """USD notional in flight per venue."""
        result: dict[str, float] = {}
        for item in self.items:
            result[item.venue] = result.get(item.venue, 0.0) + item.notional_usd
        return result

    def lending_on(self, venue: str) -> tuple[InFlight, ...]:
        """The lending actions (supply, withdraw, borrow, repay) in flight on ``venue``."""
        return tuple(i for i in self.items if i.venue == venue and i.action in LENDING_ACTIONS)


LENDING_ACTIONS = frozenset(
    {Action.SUPPLY, Action.WITHDRAW, Action.BORROW, Action.REPAY, Action.REPAY_WITH_COLLATERAL}
)


def hedgeable_deviation(deviation_coin: float, in_flight: tuple[float, float]) -> float:
    """The deviation from target to hedge now, given the work in flight (coin).

    ``deviation_coin`` is delta - target as the venues show it; ``in_flight`` the
    (buys, sells) still in flight. Any subset of them may complete, so the deviation
    the book will have lies in [deviation + sells, deviation + buys]. Returns the point
    of that range closest to zero: 0 when the range contains it (wait for the work in
    flight to finish), else the smaller deviation every outcome shares.
    """
    buys, sells = in_flight
    low, high = deviation_coin + sells, deviation_coin + buys
    if low <= 0 <= high:
        return 0.0
    return low if low > 0 else high


def lending_changes(items: tuple[InFlight, ...]) -> Mapping[str, tuple[float, float, float]]:
    """Per token: (supplied, debt, wallet) changes (tokens) once ``items`` complete."""
    changes: dict[str, tuple[float, float, float]] = {}
    for item in items:
        supplied, debt, wallet = changes.get(item.asset, (0.0, 0.0, 0.0))
        q = item.quantity
        if item.action is Action.SUPPLY:
            supplied, wallet = supplied + q, wallet - q
        elif item.action is Action.WITHDRAW:
            supplied, wallet = supplied - q, wallet + q
        elif item.action is Action.BORROW:
            debt, wallet = debt + q, wallet + q
        elif item.action is Action.REPAY:
            debt, wallet = debt - q, wallet - q
        elif item.action is Action.REPAY_WITH_COLLATERAL:
            debt, supplied = debt - q, supplied - q
        changes[item.asset] = (supplied, debt, wallet)
    return changes
