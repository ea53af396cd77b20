"""Routing: which venue and instrument carry a hedge, chosen by all-in cost in USD.

For a trade of q coins on a route, with S the independent reference price (USD/coin):

- expected fill price F (USD/coin): buying ``ask * (1 + k q)``, selling
  ``bid * (1 - k q)``, k = ``impact_per_coin`` (fraction per coin);
- fee = ``taker_fee_rate * q * F``;
- slippage = ``q * |F - M|`` with M = (bid + ask) / 2: half the spread plus the size
  impact, measured from the route's own mid (a perp's basis to the index is left to
  its funding, which is carry);
- carry = ``(C(P + dq) - C(P)) * S * holding_s / 365 days``, where P is the route's
  position in the instrument (coin), dq the signed trade and C(x) = x * carry_long
  for x > 0, |x| * carry_short for x < 0 (annual fractions): what the position pays
  over the expected holding time, less what it paid before (negative: it earns);
- gas = ``gas_usd`` per action.

The all-in cost is their sum in USD. Routes are compared per coin actually tradable
(lot rounding may trim a quantity), ties broken by venue then symbol. A route is
feasible when the quantity, rounded down to its lot, is positive, at least its minimum
size and within the size it shows; when the gross exposure it adds, (|V + dq| - |V|) * S
with V the venue's position in the underlying, fits ``room_usd``; and when its expected
fill is within ``max_slippage`` of S (otherwise the guard would refuse the intent).

The limit price is the worst acceptable price: F * (1 +/- slippage_bound), never
beyond S * (1 +/- max_slippage). The reference price is S.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from agent.model import Side
from agent.policy.inputs import HedgeRoute
from agent.policy.plan import signed
from agent.policy.settings import SECONDS_PER_YEAR, PolicyParameters
from agent.slots import draft_class

_LOT_EPSILON = 1e-9  # a quantity within this many lots of a multiple is that multiple


@dataclass(frozen=True, slots=True)
class Cost:
    """The all-in cost of one trade, each part in USD."""

    fee_usd: float
    slippage_usd: float
    carry_usd: float
    gas_usd: float

    @property
    def total_usd(self) -> float:
        return self.fee_usd + self.slippage_usd + self.carry_usd + self.gas_usd


@dataclass(frozen=True, slots=True)
class Fill:
    """A trade as a route would carry it: quantity in coin, prices USD per coin."""

    route: HedgeRoute
    side: Side
    quantity: float
    price_usd: float
    limit_price_usd: float
    cost: Cost

    @property
    def cost_per_coin_usd(self) -> float:
        return self.cost.total_usd / self.quantity

    @property
    def sort_key(self) -> tuple[float, str, str]:
        return (self.cost_per_coin_usd, *self.route.key)


# Fills and costs filled as drafts (agent.slots.draft_class): neither checks anything in
# its own __init__, and every slice of every hedge quotes each usable route.
_FillDraft = draft_class(Fill)
_CostDraft = draft_class(Cost)
_new = object.__new__


def fill_price(route: HedgeRoute, side: Side, quantity: float) -> float:
    """Expected average fill price (USD/coin) for ``quantity`` coin."""
    if side is Side.BUY:
        return route.ask_usd * (1 + route.impact_per_coin * quantity)
    return route.bid_usd * (1 - route.impact_per_coin * quantity)


def _annual_carry(route: HedgeRoute, position: float) -> float:
    """C(x): coin-weighted annual carry fraction of a position of ``position`` coin."""
    if position > 0:
        return position * route.carry_long_annual
    return -position * route.carry_short_annual


def cost(
    route: HedgeRoute,
    side: Side,
    quantity: float,
    reference_usd: float,
    holding_s: float,
    price: float | None = None,
) -> Cost:
    """All-in cost (USD) of trading ``quantity`` coin on ``route``; see the module doc.
    ``price`` is ``fill_price`` of the same trade when the caller has it."""
    if price is None:
        price = fill_price(route, side, quantity)
    mid = (route.bid_usd + route.ask_usd) / 2
    after = route.position_coin + signed(side, quantity)
    carry = _annual_carry(route, after) - _annual_carry(route, route.position_coin)
    found = _new(_CostDraft)
    found.fee_usd = route.taker_fee_rate * quantity * price
    found.slippage_usd = quantity * abs(price - mid)
    found.carry_usd = carry * reference_usd * holding_s / SECONDS_PER_YEAR
    found.gas_usd = route.gas_usd
    found.__class__ = Cost
    return found  # type: ignore[no-any-return]


def bounded_limit(
    side: Side, expected_usd: float, reference_usd: float, parameters: PolicyParameters
) -> float:
    """Worst acceptable price: ``slippage_bound`` past the expected fill, never past
    ``max_slippage`` from the reference (USD per coin)."""
    if side is Side.BUY:
        return min(
            expected_usd * (1 + parameters.slippage_bound),
            reference_usd * (1 + parameters.max_slippage),
        )
    return max(
        expected_usd * (1 - parameters.slippage_bound),
        reference_usd * (1 - parameters.max_slippage),
    )


def _in_lots(route: HedgeRoute, quantity: float) -> float:
    """``quantity`` rounded down to the route's lot (coin)."""
    lot = route.lot_size_coin
    if lot > 0:
        return min(quantity, math.floor(quantity / lot + _LOT_EPSILON) * lot)
    return quantity


def exposure_added_usd(route: HedgeRoute, change_coin: float, reference_usd: float) -> float:
    """Gross exposure (USD) the trade adds on the venue; negative when it reduces it."""
    venue = route.venue_position_coin
    return (abs(venue + change_coin) - abs(venue)) * reference_usd


def _within_slippage(side: Side, price: float, reference: float, limit: float) -> bool:
    worst = price / reference - 1 if side is Side.BUY else 1 - price / reference
    return worst <= limit


def quote(
    route: HedgeRoute,
    side: Side,
    quantity: float,
    reference_usd: float,
    holding_s: float,
    parameters: PolicyParameters,
) -> Fill | None:
    """How ``route`` would carry the trade, or None when it cannot (see the module doc)."""
    terms = _terms(route, side, quantity, reference_usd, parameters)
    return None if terms is None else _priced(route, side, terms, reference_usd, holding_s)


class _Terms(NamedTuple):
    """What a quote of one side and amount takes from a route's fixed fields (prices,
    impact, lot and minimum size): the slices of a hedge change none of them, only
    what ``_priced`` reads (the size shown, the room, the positions)."""

    quantity: float  # the amount rounded down to the lot
    price_usd: float
    limit_price_usd: float


def _terms(
    route: HedgeRoute,
    side: Side,
    quantity: float,
    reference_usd: float,
    parameters: PolicyParameters,
) -> _Terms | None:
    """``quote``'s part from the route's fixed fields; None when no state of the route
    carries the amount (nothing left in lots, under the minimum size, or its fill
    beyond ``max_slippage``)."""
    tradable = _in_lots(route, quantity)
    if tradable <= 0 or tradable < route.min_size_coin:
        return None
    price = fill_price(route, side, tradable)
    if price <= 0 or not _within_slippage(side, price, reference_usd, parameters.max_slippage):
        return None
    return _Terms(tradable, price, bounded_limit(side, price, reference_usd, parameters))


def _priced(
    route: HedgeRoute, side: Side, terms: _Terms, reference_usd: float, holding_s: float
) -> Fill | None:
    """``quote`` of the amount ``terms`` hold on ``route`` as it stands now; None when
    the route shows less size or the exposure the trade adds passes its room."""
    tradable = terms.quantity
    if tradable > (route.ask_size_coin if side is Side.BUY else route.bid_size_coin):
        return None
    added = exposure_added_usd(route, signed(side, tradable), reference_usd)
    if added > 0 and added > route.room_usd:  # reducing is never blocked by a cap
        return None
    found = _new(_FillDraft)
    found.route, found.side, found.quantity = route, side, tradable
    found.price_usd, found.limit_price_usd = terms.price_usd, terms.limit_price_usd
    found.cost = cost(route, side, tradable, reference_usd, holding_s, terms.price_usd)
    found.__class__ = Fill
    return found  # type: ignore[no-any-return]


def best_fill(
    routes: Iterable[HedgeRoute],
    side: Side,
    quantity: float,
    reference_usd: float,
    holding_s: float,
    parameters: PolicyParameters,
) -> Fill | None:
    """The cheapest feasible fill per coin among ``routes``; ties by venue then symbol
    (the first of equals in ``routes``' order, as ``min`` takes it)."""
    best: Fill | None = None
    best_key: tuple[float, str, str] | None = None
    for route in routes:
        fill = quote(route, side, quantity, reference_usd, holding_s, parameters)
        if fill is not None:
            key = fill.sort_key
            if best_key is None or key < best_key:
                best, best_key = fill, key
    return best


def route_slices(
    routes: Sequence[HedgeRoute],
    usable_at: Sequence[int],
    side: Side,
    amounts: Iterable[float],
    reference_usd: float,
    holding_s: float,
    parameters: PolicyParameters,
) -> tuple[list[Fill], float, tuple[HedgeRoute, ...]]:
    """Each of ``amounts`` in turn to the ``best_fill`` of the usable routes (``routes[n]``
    for n in ``usable_at``, in that order) as the earlier ones leave them: the fills, the
    coin no route took, and the routes after all of them.

    A fill leaves the routes of its venue changed: the venue's exposure room shrinks on
    each, its position in the underlying moves on those of the same underlying, and the
    size shown shrinks on the route used (``_after``); other venues' routes stay.

    Only the routes of the venue a slice used change, so only they are quoted again: the
    others keep their quotes (side, reference, holding and parameters are the hedge's,
    the amount is kept with them) and are not copied."""
    current = list(routes)
    members: dict[str, list[int]] = {}  # each venue's routes, by position
    for n, route in enumerate(current):
        members.setdefault(route.venue, []).append(n)
    quotes: dict[int, tuple[Fill, tuple[float, str, str]] | None] = {}  # by position
    terms: dict[int, _Terms | None] = {}  # by position: no slice changes them
    quoted = None  # the amount ``quotes`` and ``terms`` hold
    fills: list[Fill] = []
    unrouted = 0.0
    for amount in amounts:
        if amount != quoted:
            quotes.clear()
            terms.clear()
            quoted = amount
        best: Fill | None = None
        best_key: tuple[float, str, str] | None = None
        for n in usable_at:  # best_fill, on kept quotes
            if n in quotes:
                entry = quotes[n]
            else:  # quote, on kept terms
                route = current[n]
                if n not in terms:
                    terms[n] = _terms(route, side, amount, reference_usd, parameters)
                fixed = terms[n]
                fill = (
                    None if fixed is None else _priced(route, side, fixed, reference_usd, holding_s)
                )
                entry = quotes[n] = None if fill is None else (fill, fill.sort_key)
            if entry is not None and (best_key is None or entry[1] < best_key):
                best, best_key = entry
        if best is None:  # the routes stay as they are: every later equal amount fails too
            unrouted += amount
            continue
        unrouted += amount - best.quantity
        fills.append(best)
        change, added = _change_added(best, reference_usd)
        for n in members[best.route.venue]:
            current[n] = _after(current[n], best, change, added)
            quotes.pop(n, None)
    return fills, unrouted, tuple(current)


def _change_added(fill: Fill, reference_usd: float) -> tuple[float, float]:
    """The fill's signed change (coin) and the gross exposure it adds (USD, at least 0)."""
    change = signed(fill.side, fill.quantity)
    return change, max(exposure_added_usd(fill.route, change, reference_usd), 0.0)


def _after(route: HedgeRoute, fill: Fill, change: float, added: float) -> HedgeRoute:
    """``route``, of the venue ``fill`` used, as the fill leaves it (``change`` and
    ``added`` from ``_change_added``): one new route a route changed."""
    instrument, used = route.instrument, fill.route.instrument
    venue_position, position = route.venue_position_coin, route.position_coin
    ask_size, bid_size = route.ask_size_coin, route.bid_size_coin
    if instrument.underlying == used.underlying:
        venue_position += change
    if instrument.symbol == used.symbol:  # the route used: its key, on the same venue
        position += change
        ask_size -= fill.quantity if change > 0 else 0.0
        bid_size -= fill.quantity if change < 0 else 0.0
    room = route.room_usd - added
    return _moved(route, room, venue_position, position, ask_size, bid_size)


# Routes copied as drafts (agent.slots.draft_class): a hedge's every slice copies the
# routes of the venue it used, and _after changes none of what HedgeRoute checks (the
# instrument, bid and ask), so the copy passes its checks as the route did.
_RouteDraft = draft_class(HedgeRoute)


def _moved(
    route: HedgeRoute,
    room_usd: float,
    venue_position_coin: float,
    position_coin: float,
    ask_size_coin: float,
    bid_size_coin: float,
) -> HedgeRoute:
    """``replace(route, ...)`` with these fields, the same record."""
    found = _new(_RouteDraft)
    found.instrument, found.bid_usd, found.ask_usd = route.instrument, route.bid_usd, route.ask_usd
    found.taker_fee_rate, found.impact_per_coin = route.taker_fee_rate, route.impact_per_coin
    found.bid_size_coin, found.ask_size_coin = bid_size_coin, ask_size_coin
    found.carry_long_annual, found.carry_short_annual = (
        route.carry_long_annual, route.carry_short_annual,
    )  # fmt: skip
    found.gas_usd, found.room_usd = route.gas_usd, room_usd
    found.position_coin, found.venue_position_coin = position_coin, venue_position_coin
    found.min_size_coin, found.lot_size_coin = route.min_size_coin, route.lot_size_coin
    found.__class__ = HedgeRoute
    return found  # type: ignore[no-any-return]


def cost_fraction(
    routes: Iterable[HedgeRoute],
    side: Side,
    quantity: float,
    reference_usd: float,
    holding_s: float,
    parameters: PolicyParameters,
) -> float | None:
    """The cheapest route's all-in cost as a fraction of notional (cost per coin / S),
    floored at 0; None when no route can carry ``quantity``."""
    fill = best_fill(routes, side, quantity, reference_usd, holding_s, parameters)
    if fill is None:
        return None
    return max(fill.cost_per_coin_usd / reference_usd, 0.0)
