"""Delta: keep each underlying's net delta inside a band around its target.

The band's half-width h (coin) is either fixed (``band.half_width_coin``) or
Whalley-Wilmott's, floored at ``band.half_width_coin``::

    h = (3/2 * k * S * gamma**2 / lambda) ** (1/3)

Whalley and Wilmott (1997, "An asymptotic analysis of an optimal hedging model for
option pricing with transaction costs", Mathematical Finance 7(3)) derive this band
around the Black-Scholes hedge for an investor with exponential utility. Units:
k is the all-in cost of hedging as a fraction of traded notional (fees, slippage,
carry and gas of the cheapest route for the hedge at hand, see ``routing``); S the
spot price in USD per coin; gamma the book's gamma, coin of delta per USD of spot
move (so coin^2 / USD); lambda the absolute risk aversion ``band.risk_aversion_per_usd`` in
1/USD. Then k S gamma^2 / lambda is in (USD/coin)(coin^4/USD^2)(USD) = coin^3 and h is
in coin. The discount factor exp(-r (T - t)) of the original is dropped: it is within
a fraction of a percent of 1 for rates and maturities of hedged crypto books, and
leaving it out only widens the band by that much. h grows with |gamma|, k and S and
shrinks as lambda grows.

With the deviation d = delta - target (coin): |d| <= h is inside the band (nothing to
do); outside, the hedge is |d| (to the target) or |d| - h (to the band's edge), as
``hedge_to`` says. When ``max_rebalance_interval_s`` has passed since the last hedge
(or none is known) and d != 0, the hedge is |d| to the target. Hedges are split into
n = ceil(q / max_slice_coin) equal slices (no slice above the maximum, no stub), each
routed on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from agent.config.models import BandSettings, UnderlyingSettings
from agent.intents import Intent
from agent.model import Side
from agent.policy.alerts import Alert, AlertCode, Severity
from agent.policy.inputs import HedgeRoute, UnderlyingRisk
from agent.policy.plan import Plan, intent_of, reduces_risk, side_of, signed, trade_action
from agent.policy.routing import Fill, cost_fraction, route_slices
from agent.policy.settings import PolicyParameters

BAND, INTERVAL = "band", "interval"


def whalley_wilmott_half_width(
    cost_fraction: float, spot_usd: float, gamma: float, risk_aversion: float
) -> float:
    """(3/2 k S gamma^2 / lambda)^(1/3), coin; see the module doc for units."""
    cube = 1.5 * max(cost_fraction, 0.0) * spot_usd * gamma**2 / risk_aversion
    return math.cbrt(cube)


def half_width_coin(
    band: BandSettings, *, cost_fraction: float | None, spot_usd: float, gamma: float
) -> float:
    """The band's half-width (coin): fixed, or Whalley-Wilmott floored at the fixed one.

    Without a cost (no route can quote the hedge) the floor applies.
    """
    if band.mode == "fixed" or cost_fraction is None:
        return band.half_width_coin
    wide = whalley_wilmott_half_width(cost_fraction, spot_usd, gamma, band.risk_aversion_per_usd)
    return max(band.half_width_coin, wide)


def rebalance_due(last: datetime | None, now: datetime, interval_s: float) -> bool:
    """Whether ``interval_s`` has passed since ``last`` (True when never hedged)."""
    return last is None or (now - last).total_seconds() >= interval_s


def hedge_quantity(
    deviation: float, half_width: float, hedge_to: str, due: bool
) -> tuple[float, str] | None:
    """How much to hedge (coin, unsigned) and why, or None inside the band."""
    distance = abs(deviation)
    if distance > half_width:
        return (distance if hedge_to == "target" else distance - half_width, BAND)
    if due and distance > 0:
        return (distance, INTERVAL)
    return None


def slices(quantity: float, max_slice: float) -> tuple[float, ...]:
    """``quantity`` in the fewest equal slices of at most ``max_slice`` (coin)."""
    count = max(1, math.ceil(quantity / max_slice))
    while quantity / count > max_slice:
        count += 1
    return (quantity / count,) * count


@dataclass(frozen=True, slots=True)
class HedgeContext:
    """The tick as one underlying's hedge sees it.

    ``delta_coin`` is the book's delta after this tick's health trades; ``blocked``
    holds the sides those trades forbid (the opposite of each of theirs).
    """

    now: datetime
    last_rebalance: datetime | None
    delta_coin: float
    blocked: frozenset[Side]
    parameters: PolicyParameters


@dataclass(frozen=True, slots=True)
class Need:
    """A hedge one underlying needs: ``quantity`` coin on ``side``, and why."""

    risk: UnderlyingRisk
    settings: UnderlyingSettings
    context: HedgeContext
    side: Side
    quantity: float
    reason: str  # BAND or INTERVAL
    deviation: float  # coin, delta - target
    half_width: float  # coin

    @property
    def breach(self) -> float:
        """|deviation| / half-width: above 1 outside the band."""
        return abs(self.deviation) / self.half_width

    @property
    def priority(self) -> tuple[bool, float, str]:
        """Band breaches before interval rebalances, the widest breach first, by name."""
        return (self.reason != BAND, -self.breach, self.risk.underlying)


def usable_routes(
    routes: tuple[HedgeRoute, ...], underlying: str, settings: UnderlyingSettings
) -> tuple[HedgeRoute, ...]:
    """The routes that trade ``underlying`` on one of its ``hedge_venues``."""
    return tuple(r for r in routes if _usable(r, underlying, settings))


def _usable(route: HedgeRoute, underlying: str, settings: UnderlyingSettings) -> bool:
    return route.underlying == underlying and route.venue in settings.hedge_venues


def band_half_width(
    risk: UnderlyingRisk,
    settings: UnderlyingSettings,
    routes: tuple[HedgeRoute, ...],
    context: HedgeContext,
) -> float:
    """The band's half-width (coin) around ``settings.delta_target_coin`` now.

    Whalley-Wilmott's is priced on the cheapest usable route for the hedge the current
    deviation calls for (one slice at most); with no deviation there is no hedge to
    price and the fixed floor applies.
    """
    deviation = context.delta_coin - settings.delta_target_coin
    if deviation == 0:
        return half_width_coin(
            settings.band, cost_fraction=None, spot_usd=risk.spot_usd, gamma=risk.gamma
        )
    size = min(abs(deviation), settings.max_slice_coin)
    usable = usable_routes(routes, risk.underlying, settings)
    holding, parameters = settings.expected_holding_s, context.parameters
    fraction = cost_fraction(usable, side_of(-deviation), size, risk.spot_usd, holding, parameters)
    return half_width_coin(
        settings.band, cost_fraction=fraction, spot_usd=risk.spot_usd, gamma=risk.gamma
    )


def find_need(
    risk: UnderlyingRisk,
    settings: UnderlyingSettings,
    routes: tuple[HedgeRoute, ...],
    context: HedgeContext,
    width: float | None = None,
) -> Need | None:
    """The hedge ``risk`` needs under ``settings`` now, or None (see the module doc);
    ``width`` is ``band_half_width`` of the same arguments when the caller has it."""
    deviation = context.delta_coin - settings.delta_target_coin
    if deviation == 0:
        return None
    side = side_of(-deviation)
    if width is None:
        width = band_half_width(risk, settings, routes, context)
    due = rebalance_due(context.last_rebalance, context.now, settings.max_rebalance_interval_s)
    found = hedge_quantity(deviation, width, settings.hedge_to, due)
    if found is None:
        return None
    return Need(risk, settings, context, side, found[0], found[1], deviation, width)


def _route(
    need: Need, routes: tuple[HedgeRoute, ...]
) -> tuple[list[Fill], float, tuple[HedgeRoute, ...]]:
    """Route each slice on the routes as earlier slices leave them; returns the fills,
    the quantity no route could take (coin), and the routes after all of them."""
    # Which routes are usable never changes as slices use them (venue, underlying).
    usable_at = [n for n, r in enumerate(routes) if _usable(r, need.risk.underlying, need.settings)]
    amounts = slices(need.quantity, need.settings.max_slice_coin)
    spot, holding = need.risk.spot_usd, need.settings.expected_holding_s
    parameters = need.context.parameters
    return route_slices(routes, usable_at, need.side, amounts, spot, holding, parameters)


def _intents(need: Need, fills: list[Fill], first: int) -> list[Intent]:
    """One intent a fill (each on the need's side), numbered from ``first`` on."""
    risk, context, reason = need.risk, need.context, _describe(need)
    delta, spot, count = context.delta_coin, risk.spot_usd, len(fills)
    action = trade_action(need.side)
    intents = []
    venue_positions: dict[str, float] = {}
    for index, fill in enumerate(fills, start=1):
        route, quantity = fill.route, fill.quantity
        change = signed(fill.side, quantity)
        venue, position = route.venue, route.venue_position_coin
        before = venue_positions.setdefault(venue, position)
        claim = reduces_risk(change, before, risk.delta_coin) and reduces_risk(
            change, position, delta
        )
        delta += change
        intents.append(
            intent_of(
                venue=venue,
                action=action,
                asset=risk.underlying,
                quantity=quantity,
                reason=f"{reason}, slice {index}/{count}",
                instrument=route.instrument,
                limit_price=fill.limit_price_usd,
                reference_price=spot,
                notional_usd=quantity * spot,
                risk_reducing=claim,
                urgent=False,
                created_at=context.now,
                sequence=first + index - 1,
            )
        )
    return intents


def _describe(need: Need) -> str:
    settings = need.settings
    where = f"{need.risk.underlying} delta off target by {need.deviation:+.6g}"
    if need.reason == INTERVAL:
        return f"{where}, no hedge for {settings.max_rebalance_interval_s} s: hedge to target"
    return f"{where}, band +-{need.half_width:.6g} ({settings.band.mode}): to {settings.hedge_to}"


def _no_route(need: Need, unrouted: float, routes: tuple[HedgeRoute, ...]) -> list[Alert]:
    usable = usable_routes(routes, need.risk.underlying, need.settings)
    smallest = min((r.min_size_coin for r in usable), default=0.0)
    if unrouted <= 0 or (need.reason == INTERVAL and need.quantity < smallest):
        return []  # an interval top-up below every minimum size is not worth an alert
    name = need.risk.underlying
    return [
        Alert(
            AlertCode.NO_HEDGE_ROUTE,
            Severity.CRITICAL if need.reason == BAND else Severity.WARNING,
            name,
            f"{name}: no route for {unrouted:.6g} of a {need.quantity:.6g} coin hedge",
            {"unrouted_coin": unrouted, "hedge_coin": need.quantity},
        )
    ]


def _deferred(need: Need) -> Alert:
    name = need.risk.underlying
    return Alert(
        AlertCode.HEDGE_DEFERRED,
        Severity.INFO,
        name,
        f"{name}: a {need.side.value} hedge waits for this tick's health trades, "
        "which go the other way",
        {"hedge_coin": need.quantity},
    )


def carry_out(
    need: Need, routes: tuple[HedgeRoute, ...], first: int = 0
) -> tuple[Plan, tuple[HedgeRoute, ...]]:
    """Intents for ``need`` (numbered from ``first`` on: where the caller will put them)
    and the routes as they leave them (room, positions, size), so the next underlying's
    hedge sees what this one used."""
    if need.side in need.context.blocked:
        return Plan(alerts=(_deferred(need),)), routes
    fills, unrouted, after = _route(need, routes)
    intents = tuple(_intents(need, fills, first))
    return Plan(intents, tuple(_no_route(need, unrouted, routes))), after


def plan_hedge(
    risk: UnderlyingRisk,
    settings: UnderlyingSettings,
    routes: tuple[HedgeRoute, ...],
    context: HedgeContext,
) -> Plan:
    """Hedge intents for one underlying on its ``hedge_venues`` (``find_need`` and
    ``carry_out`` together)."""
    need = find_need(risk, settings, routes, context)
    return Plan() if need is None else carry_out(need, routes)[0]
