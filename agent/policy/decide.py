"""One tick's decision: health first, then delta hedges, then time-based rebalances.

``decide`` is a pure function of its input and settings: the same input gives the same
intents with the same ids (``created_at`` is ``input.now``, sequence numbers follow the
order). Intents never fight: a hedge that would trade an underlying against this
tick's health trades waits for the next tick, one account's repairs never trade an
underlying both ways, and venues whose margin is under its trigger take no hedges.
Repairs of different accounts may trade an underlying in opposite directions: each
saves its own account from liquidation, and that comes first.

While a feed a lending protocol prices with is in doubt (``input.oracle_doubts``), its
accounts are assessed and repaired at the worse of its price and the venues'
(``agent.policy.oracle_doubt``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from operator import itemgetter

from agent.intents import Intent
from agent.model import Side
from agent.policy.alerts import (
    Alert,
    AlertCode,
    Severity,
    greek_alerts,
    ordered,
    risk_alerts,
)
from agent.policy.delta import HedgeContext, Need, band_half_width, carry_out, find_need
from agent.policy.health import plan_lending, quiet
from agent.policy.inputs import HedgeRoute, PolicyInput
from agent.policy.lending_steering import lending_steerings
from agent.policy.margin import DeltaView, plan_margin
from agent.policy.oracle_doubt import all_at_worse_prices
from agent.policy.plan import Plan, numbered, signed_trade
from agent.policy.probability_model import ProbabilityModel
from agent.policy.settings import PolicySettings
from agent.policy.steering import (
    Steering,
    margin_figures,
    steer,
)


@dataclass(frozen=True, slots=True)
class Decision:
    """Intents most urgent first, with sequence numbers; alerts most severe first.

    ``hedged`` names the underlyings with hedge intents: once they are carried out the
    daemon records ``input.now`` as their last rebalance in ``PolicyState``.
    ``band_half_widths`` is each configured underlying's delta band this tick (coin,
    either side of its target), for reports and the live view. ``steering`` is each
    account's probability of liquidation and the health it acts at and restores to.
    """

    intents: tuple[Intent, ...] = ()
    alerts: tuple[Alert, ...] = ()
    hedged: tuple[str, ...] = ()
    band_half_widths: Mapping[str, float] = field(default_factory=dict)
    steering: tuple[Steering, ...] = ()


def steerings(policy_input: PolicyInput, settings: PolicySettings) -> tuple[Steering, ...]:
    """Every lending account's, then every margin account's, vol-aware health."""
    return _steerings(policy_input, settings)[0]


def _steerings(
    policy_input: PolicyInput, settings: PolicySettings
) -> tuple[tuple[Steering, ...], list[float]]:
    """``steerings``, and every lending account's health factor (``health_factor``) from
    the same pass over its assets."""
    vols = {r.underlying: r.vol for r in policy_input.underlyings if r.vol is not None}
    model = ProbabilityModel(settings.health)
    found, ours = lending_steerings(policy_input.lending, vols, settings.health, model)
    for margin in policy_input.margin:
        exposure, vol = margin_figures(margin, vols)
        found.append(steer(margin.name, exposure, vol, settings.health, model))
    return tuple(found), ours


def _health_plans(
    policy_input: PolicyInput,
    settings: PolicySettings,
    steering: Sequence[Steering],
    health_factors: Sequence[float],
) -> list[Plan]:
    """Every account's repairs and alerts, the account nearest liquidation first (the
    plans of accounts with neither left out: hundreds a tick); ``health_factors`` are
    the lending accounts' own (``health_factor``)."""
    parameters, now = settings.parameters, policy_input.now
    risks = {risk.underlying: risk for risk in policy_input.underlyings}
    targets = {name: rules.delta_target_coin for name, rules in settings.underlyings.items()}
    view = DeltaView(risks, targets, _venue_positions(policy_input))
    lending_count = len(policy_input.lending)
    trigger, tolerance = settings.health.lending_trigger, parameters.health_model_tolerance
    ranked: list[tuple[float, str, Plan]] = []
    for lending, steered, ours in zip(
        policy_input.lending, steering[:lending_count], health_factors, strict=True
    ):
        if quiet(lending, ours, steered, trigger, tolerance):
            continue  # plan_lending's empty plan, told without it
        plan = plan_lending(lending, settings.health, parameters, now, steered, ours)
        if plan.intents or plan.alerts:
            ranked.append((min(ours, lending.health_factor), lending.venue, plan))
    for margin, steered in zip(policy_input.margin, steering[lending_count:], strict=True):
        plan = plan_margin(margin, settings.health, parameters, view, now, steered)
        if plan.intents or plan.alerts:
            ranked.append((margin.ratio, margin.name, plan))
    return [plan for _, _, plan in sorted(ranked, key=itemgetter(0, 1))]


def _venue_positions(policy_input: PolicyInput) -> dict[tuple[str, str], float]:
    """Each venue's position per underlying (coin): from the routes where they show it
    (what the guard sees), else summed over the margin accounts' positions."""
    summed: dict[tuple[str, str], float] = defaultdict(float)
    for account in policy_input.margin:
        for position in account.positions:
            summed[(account.venue, position.instrument.underlying)] += position.quantity
    for route in policy_input.routes:
        summed[(route.venue, route.underlying)] = route.venue_position_coin
    return dict(summed)


def _health_trades(intents: Iterable[Intent]) -> tuple[dict[str, float], dict[str, set[Side]]]:
    """Net coin traded per asset by the health intents, and the sides a hedge of that
    asset must not take (the opposite of each health trade's)."""
    changes: dict[str, float] = defaultdict(float)
    blocked: dict[str, set[Side]] = defaultdict(set)
    for intent in intents:
        change = signed_trade(intent)
        if change != 0:
            changes[intent.asset] += change
            blocked[intent.asset].add(Side.SELL if change > 0 else Side.BUY)
    return changes, blocked


def _needs(
    policy_input: PolicyInput,
    settings: PolicySettings,
    health: list[Intent],
    routes: tuple[HedgeRoute, ...],
) -> tuple[list[Need], dict[str, float]]:
    """Every underlying's hedge need after the health trades, most pressing first, and
    every underlying's band half-width (coin)."""
    changes, blocked = _health_trades(health)
    needs = []
    widths = {}
    for risk in policy_input.underlyings:
        rules = settings.underlyings.get(risk.underlying)
        if rules is None:
            continue
        context = HedgeContext(
            now=policy_input.now,
            last_rebalance=policy_input.state.last_rebalance_at.get(risk.underlying),
            delta_coin=risk.delta_coin + changes.get(risk.underlying, 0.0),
            blocked=frozenset(blocked.get(risk.underlying, ())),
            parameters=settings.parameters,
        )
        width = widths[risk.underlying] = band_half_width(risk, rules, routes, context)
        need = find_need(risk, rules, routes, context, width)
        if need is not None:
            needs.append(need)
    return sorted(needs, key=lambda need: need.priority), widths


def _hedges(
    policy_input: PolicyInput, settings: PolicySettings, health: list[Intent]
) -> tuple[list[tuple[str, Plan]], dict[str, float]]:
    """Hedge plans in priority order, each routed on what the earlier ones left (their
    intents numbered after the ``health`` ones, as ``decide`` orders them), and the band
    half-widths.

    Venues whose margin is under its trigger take no hedges this tick.
    """
    strained = {
        account.venue
        for account in policy_input.margin
        if account.ratio < settings.health.margin_trigger
    }
    routes = tuple(route for route in policy_input.routes if route.venue not in strained)
    plans = []
    needs, widths = _needs(policy_input, settings, health, routes)
    first = len(health)  # the hedges' intents follow the health ones
    for need in needs:
        plan, routes = carry_out(need, routes, first)
        plans.append((need.risk.underlying, plan))
        first += len(plan.intents)
    return plans, widths


def _missing(policy_input: PolicyInput, underlyings: Mapping[str, object]) -> list[Alert]:
    known = {risk.underlying for risk in policy_input.underlyings}
    return [
        Alert(
            AlertCode.MISSING_RISK,
            Severity.CRITICAL,
            name,
            f"{name}: no risk figures this tick, so it is not hedged",
        )
        for name in sorted(underlyings)
        if name not in known
    ]


def decide(policy_input: PolicyInput, settings: PolicySettings) -> Decision:
    """The intents (most urgent first) and alerts for one tick."""
    if policy_input.oracle_doubts:
        lending = all_at_worse_prices(policy_input.lending, policy_input.oracle_doubts)
        policy_input = replace(policy_input, lending=lending)
    steering, health_factors = _steerings(policy_input, settings)
    health = _health_plans(policy_input, settings, steering, health_factors)
    health_intents = [intent for plan in health for intent in plan.intents]
    hedges, widths = _hedges(policy_input, settings, health_intents)
    intents = health_intents + [intent for _, plan in hedges for intent in plan.intents]
    alerts = [
        *risk_alerts(policy_input.underlyings, policy_input.worst_stress_loss_usd, settings.alerts),
        *greek_alerts(
            policy_input.greek_checks, settings.alerts.venue_greek_tolerance, settings.parameters
        ),
        *_missing(policy_input, settings.underlyings),
        *(alert for plan in health for alert in plan.alerts),
        *(alert for _, plan in hedges for alert in plan.alerts),
    ]
    return Decision(
        intents=tuple(
            intent if intent.sequence == n else numbered(intent, n)  # hedges come numbered
            for n, intent in enumerate(intents)
        ),
        alerts=ordered(alerts),
        hedged=tuple(name for name, plan in hedges if plan.intents),
        band_half_widths=widths,
        steering=steering,
    )
