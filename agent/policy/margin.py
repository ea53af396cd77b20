"""Margin health: bring equity / maintenance margin under its trigger back to its target.

R = E / M (E equity, M maintenance margin, USD); for a target T the gap G = T M - E
(USD) must close, and R = T exactly when it has:

- add collateral: x tokens at price c raise E by x c, so x = G / c (capped by what
  can be moved in);
- reduce position k by r coin (mark P, maintenance rate m, taker fee rate f): M falls
  by r P m and E by the fee r P f (unrealised PnL stays in equity), so the gap falls
  by r P (T m - f) and r = G / (P (T m - f)); only when T m > f, capped at |q_k|.

Cost in USD: collateral costs its gas; a reduction its fee r P f plus gas. Candidates
are each path that closes the gap alone and the combination (collateral first, then
reductions that move delta toward its target, cheapest per USD of gap, by symbol).
The one that reaches the target wins; then one that does not push an underlying's
delta away from its target (the delta policy would trade straight back); then the
cheapest in USD, gas included; then the fewest steps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from agent.config.models import HealthSettings
from agent.intents import Action, Intent
from agent.policy.alerts import Alert, AlertCode, Severity
from agent.policy.inputs import MarginAccount, MarginPosition, UnderlyingRisk
from agent.policy.plan import Plan, reduces_risk, side_of, trade_action
from agent.policy.routing import bounded_limit
from agent.policy.settings import PolicyParameters
from agent.policy.steering import Steering, vol_reason


@dataclass(frozen=True, slots=True)
class DeltaView:
    """What a margin reduction needs to know about the book: the underlyings' risk,
    their delta targets (coin) and each venue's position per underlying (coin)."""

    risks: Mapping[str, UnderlyingRisk]
    targets: Mapping[str, float]
    venue_positions: Mapping[tuple[str, str], float]

    def toward_target(self, underlying: str, change_coin: float) -> bool:
        """Whether a change in this direction moves the underlying's delta toward target."""
        risk = self.risks.get(underlying)
        if risk is None:
            return False
        deviation = risk.delta_coin - self.targets.get(underlying, 0.0)
        return deviation * change_coin < 0


@dataclass(frozen=True, slots=True)
class Path:
    """One way to close the gap, per unit (token of collateral, or coin reduced)."""

    position: MarginPosition | None  # None: add collateral
    gap_per_unit_usd: float
    fee_per_unit_usd: float
    capacity: float
    toward_target: bool

    @property
    def key(self) -> tuple[int, float, str]:
        """Combination order: delta-friendly first, cheapest per USD of gap, symbol."""
        symbol = "" if self.position is None else self.position.instrument.symbol
        return (
            0 if self.toward_target else 1,
            self.fee_per_unit_usd / self.gap_per_unit_usd,
            symbol,
        )

    def cost_usd(self, units: float, gas_usd: float) -> float:
        """Gas plus the fee of ``units``, USD."""
        return gas_usd + units * self.fee_per_unit_usd


def _paths(account: MarginAccount, target: float, view: DeltaView) -> Iterator[Path]:
    if account.collateral_available > 0 and account.collateral_price_usd > 0:
        price = account.collateral_price_usd
        yield Path(None, price, 0.0, account.collateral_available, True)
    for position in account.positions:
        price = position.mark_price_usd
        per_coin = price * (target * position.maintenance_rate - position.taker_fee_rate)
        underlying = position.instrument.underlying
        if position.quantity == 0 or per_coin <= 0 or underlying not in view.risks:
            continue
        change = -position.quantity
        yield Path(
            position,
            per_coin,
            price * position.taker_fee_rate,
            abs(position.quantity),
            view.toward_target(underlying, change),
        )


def gap_usd(equity_usd: float, maintenance_usd: float, target: float) -> float:
    """G = T M - E, USD."""
    return target * maintenance_usd - equity_usd


Choice = list[tuple[Path, float]]


def _direction(path: Path) -> tuple[str, bool] | None:
    """(underlying, buying) for a reduction; None for collateral."""
    if path.position is None:
        return None
    return (path.position.instrument.underlying, path.position.quantity < 0)


def _opposes(path: Path, chosen: Choice) -> bool:
    """Whether ``path`` trades an underlying the other way from a reduction already
    chosen (cutting both legs of a spread need not free margin, and would fight)."""
    mine = _direction(path)
    if mine is None:
        return False
    return any((mine[0], not mine[1]) == _direction(other) for other, _ in chosen)


def _combined(paths: list[Path], gap: float) -> Choice:
    """Paths in ``Path.key`` order, each as far as it goes, until the gap is closed;
    never two reductions of one underlying in opposite directions."""
    chosen: Choice = []
    for path in sorted(paths, key=lambda p: p.key):
        if _opposes(path, chosen):
            continue
        needed = gap / path.gap_per_unit_usd
        if needed <= path.capacity:
            chosen.append((path, needed))
            break
        chosen.append((path, path.capacity))
        gap -= path.capacity * path.gap_per_unit_usd
    return chosen


def _rank(choice: Choice, gap: float, gas_usd: float) -> tuple[bool, bool, float, int]:
    """Reaching the target first, then not pushing delta away, then USD cost, steps."""
    closed = math.fsum(units * p.gap_per_unit_usd for p, units in choice) >= gap * (1 - 1e-12)
    adverse = any(not p.toward_target for p, _ in choice)
    cost = math.fsum(p.cost_usd(units, gas_usd) for p, units in choice)
    return (not closed, adverse, cost, len(choice))


def _choose(account: MarginAccount, target: float, view: DeltaView) -> Choice:
    """The cheapest of: each path that closes the gap alone, and the combination."""
    gap = gap_usd(account.equity_usd, account.maintenance_margin_usd, target)
    paths = list(_paths(account, target, view))
    choices = [
        [(p, gap / p.gap_per_unit_usd)] for p in paths if p.capacity * p.gap_per_unit_usd >= gap
    ]
    choices.append(_combined(paths, gap))
    return min(choices, key=lambda c: (*_rank(c, gap, account.gas_usd), [p.key for p, _ in c]))


def _collateral_intent(account: MarginAccount, units: float, reason: str, now: datetime) -> Intent:
    return Intent(
        venue=account.venue,
        action=Action.SUPPLY,
        asset=account.collateral_asset,
        quantity=units,
        reason=reason,
        reference_price=account.collateral_price_usd,
        notional_usd=units * account.collateral_price_usd,
        risk_reducing=True,
        urgent=True,
        created_at=now,
    )


def _reduce_intent(
    account: MarginAccount,
    position: MarginPosition,
    units: float,
    context: tuple[DeltaView, PolicyParameters, str, datetime],
) -> Intent:
    view, parameters, reason, now = context
    underlying = position.instrument.underlying
    spot = view.risks[underlying].spot_usd
    change = -units if position.quantity > 0 else units
    side = side_of(change)
    venue_position = view.venue_positions.get((account.venue, underlying), position.quantity)
    return Intent(
        venue=account.venue,
        action=trade_action(side),
        asset=underlying,
        quantity=units,
        reason=reason,
        instrument=position.instrument,
        limit_price=bounded_limit(side, position.mark_price_usd, spot, parameters),
        reference_price=spot,
        notional_usd=units * spot,
        risk_reducing=reduces_risk(change, venue_position, view.risks[underlying].delta_coin),
        urgent=True,
        created_at=now,
    )


def _unrestored(account: MarginAccount, shortfall_usd: float, target: float) -> Alert:
    return Alert(
        AlertCode.HEALTH_UNRESTORED,
        Severity.CRITICAL,
        account.name,
        f"{account.name}: margin ratio {account.ratio:.4f} cannot reach {target} "
        f"({shortfall_usd:,.2f} USD of equity short)",
        {"ratio": account.ratio, "target": target, "shortfall_usd": shortfall_usd},
    )


def plan_margin(
    account: MarginAccount,
    health: HealthSettings,
    parameters: PolicyParameters,
    view: DeltaView,
    now: datetime,
    steering: Steering | None = None,
) -> Plan:
    """Top up or reduce one margin account under ``health.margin_trigger``, or whose
    ``steering`` says act (probability of liquidation over the ceiling, or projected
    health under the trigger), to exactly its target (``steering.target``, else
    ``health.margin_target``; equity / maintenance)."""
    vol_acting = steering is not None and steering.acting
    if account.ratio >= health.margin_trigger and not vol_acting:
        return Plan()
    target = health.margin_target if steering is None else steering.target
    if gap_usd(account.equity_usd, account.maintenance_margin_usd, target) <= 0:
        return Plan()
    chosen = _choose(account, target, view)
    reason = f"margin ratio {account.ratio:.4f} under {health.margin_trigger}"
    if account.ratio >= health.margin_trigger and steering is not None:
        reason = vol_reason(steering, health, f"margin ratio {account.ratio:.4f}")
    reason = f"{reason}: restore {target:.4g}"
    intents = []
    equity, maintenance = account.equity_usd, account.maintenance_margin_usd
    for path, units in chosen:
        if path.position is None:
            intents.append(_collateral_intent(account, units, reason, now))
            equity += units * path.gap_per_unit_usd
        else:
            context = (view, parameters, reason, now)
            intents.append(_reduce_intent(account, path.position, units, context))
            notional = units * path.position.mark_price_usd
            equity -= notional * path.position.taker_fee_rate
            maintenance -= notional * path.position.maintenance_rate
    shortfall = gap_usd(equity, maintenance, target)
    alerts: tuple[Alert, ...] = ()
    if shortfall > 1e-9 * max(target * account.maintenance_margin_usd, 1.0):
        alerts = (_unrestored(account, shortfall, target),)
    return Plan(tuple(intents), alerts)
