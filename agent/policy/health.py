"""Lending health first: bring a health factor under its trigger back to its target.

The formula is Aave v3's, in USD at the protocol's oracle prices::

    HF = N / D,  N = sum_i supplied_i * price_i * LT_i   (assets enabled as collateral)
                 D = sum_j debt_j * price_j

For a target T the *gap* G = T * D - N (USD) is what a repair must close: HF = T exactly
when G = 0. Every repair closes the gap linearly in its amount x (tokens), so the amount
that lands exactly on the target is G divided by what one token closes:

- REPAY x of debt j from the wallet: D -= x p_j, the gap falls by T p_j per token,
  so x = G / (T p_j);
- REPAY_WITH_COLLATERAL x of j (``repayWithATokens``: burns aToken j to repay debt j):
  D -= x p_j and, when j is collateral, N -= x p_j LT_j; per token p_j (T - LT_j e_j)
  with e_j = 1 if j is enabled as collateral else 0, so x = G / (p_j (T - LT_j e_j));
- SUPPLY x of collateral i from the wallet: N += x p_i LT_i, so x = G / (p_i LT_i).

Each is capped by what exists: wallet tokens, the debt, the aTokens held, the supply cap
room; paused reserves do nothing, frozen ones take no supply (Aave still lets them be
repaid). Two repairs are left out where they would not help: burning collateral aTokens
while HF <= LT_j (it lowers HF: HF' - HF has the sign of HF - LT_j), and supplying a
token the account owes (repaying it closes T / LT times more gap per token). None of
these needs reserve liquidity: repaying and supplying bring tokens in, and
``repayWithATokens`` burns aTokens in place.

Not a repair: withdrawing collateral to sell it and repay. The withdraw alone lowers the
health factor (Aave refuses it when the result is under 1) and the sale and repay are
separate, non-atomic steps, so an unhealthy account would get worse first.

Cost of a repair over ``health_horizon_s`` (h, years), in USD: gas plus the interest it
changes, wallet tokens earning nothing: REPAY saves the borrow rate (-b_j x p_j h),
REPAY_WITH_COLLATERAL saves borrowing but gives up supply yield ((s_j - b_j) x p_j h),
SUPPLY earns supply yield (-s_i x p_i h). The cheapest single repair that closes the
gap alone wins; when none can, repairs are combined, cheapest per USD of gap first,
each amount computed on the account as the earlier ones leave it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from agent.config.models import HealthSettings
from agent.intents import Action, Intent
from agent.policy.alerts import Alert, AlertCode, Severity, relative_difference
from agent.policy.inputs import LendingAccount, LendingAsset
from agent.policy.oracle_doubt import reference_price_usd
from agent.policy.plan import Plan
from agent.policy.settings import SECONDS_PER_YEAR, PolicyParameters
from agent.policy.steering import Steering, debt_usd, vol_reason, weighted_collateral_usd

_ACTION_ORDER = (Action.REPAY, Action.REPAY_WITH_COLLATERAL, Action.SUPPLY)
_OPPOSED = {
    Action.SUPPLY: Action.REPAY_WITH_COLLATERAL,
    Action.REPAY_WITH_COLLATERAL: Action.SUPPLY,
}
_NOTHING = Plan()  # a healthy account's plan (frozen: one serves every account)
_CLOSED = 1e-12  # relative to T * D: a gap this small is closed (float rounding)


def health_factor(account: LendingAccount) -> float:
    """N / D; inf without debt."""
    debt = debt_usd(account)
    return math.inf if debt <= 0 else weighted_collateral_usd(account) / debt


def oracle_health_factor(account: LendingAccount) -> float:
    """``health_factor(at_oracle_prices(account))``, the same float, without rebuilding
    the account: each asset at the protocol's own price (``oracle_price_usd`` while its
    feed is in doubt, else ``price_usd``). Hundreds of accounts a tick while in doubt."""
    held = [
        (a, a.price_usd if a.oracle_price_usd is None else a.oracle_price_usd)
        for a in account.assets
    ]
    debt = math.fsum([a.debt * price for a, price in held])
    if debt <= 0:
        return math.inf
    weighted = [
        a.supplied * price * a.liquidation_threshold for a, price in held if a.collateral_enabled
    ]
    return math.fsum(weighted) / debt


def gap_usd(account: LendingAccount, target: float) -> float:
    """G = T * D - N, USD: positive while the health factor is under ``target``."""
    return target * debt_usd(account) - weighted_collateral_usd(account)


@dataclass(frozen=True, slots=True)
class Repair:
    """One way to close the gap: USD of gap closed and USD of carry per token moved."""

    action: Action
    symbol: str
    price_usd: float
    gap_per_token_usd: float
    carry_per_token_usd: float
    capacity: float  # tokens

    @property
    def key(self) -> tuple[int, str]:
        return (_ACTION_ORDER.index(self.action), self.symbol)

    def tokens_for(self, gap: float) -> float:
        """Tokens that close ``gap`` USD of gap."""
        return gap / self.gap_per_token_usd

    def cost_usd(self, tokens: float, gas_usd: float) -> float:
        """Gas plus the carry of moving ``tokens``, USD (negative: it earns)."""
        return gas_usd + tokens * self.carry_per_token_usd


@dataclass(frozen=True, slots=True)
class Step:
    repair: Repair
    tokens: float


def _asset_repairs(
    asset: LendingAsset, target: float, years: float, health: float
) -> Iterator[Repair]:
    if asset.paused:
        return
    p, lt = asset.price_usd, asset.liquidation_threshold
    if asset.debt > 0 and asset.wallet > 0:
        carry = -asset.borrow_apr * p * years
        capacity = min(asset.wallet, asset.debt)
        yield Repair(Action.REPAY, asset.symbol, p, target * p, carry, capacity)
    weight = lt if asset.collateral_enabled else 0.0
    if asset.debt > 0 and asset.supplied > 0 and health > weight:
        carry = (asset.supply_apr - asset.borrow_apr) * p * years
        capacity = min(asset.supplied, asset.debt)
        yield Repair(
            Action.REPAY_WITH_COLLATERAL, asset.symbol, p, p * (target - weight), carry, capacity
        )
    if asset.collateral_enabled and lt > 0 and asset.debt == 0 and not asset.frozen:
        capacity = min(asset.wallet, asset.supply_room)
        if capacity > 0:
            carry = -asset.supply_apr * p * years
            yield Repair(Action.SUPPLY, asset.symbol, p, p * lt, carry, capacity)


def repairs(account: LendingAccount, target: float, years: float) -> list[Repair]:
    """Every repair the account can make now that raises its health factor, in a
    deterministic order.

    Burning aTokens that count as collateral raises the health factor only while it is
    above their liquidation threshold (HF' - HF has the sign of HF - LT), so below it
    that repair is left out. A token the account owes is repaid, never supplied:
    repaying closes T / LT times more gap per token and saves more than supply earns.
    """
    health = health_factor(account)
    found = [r for a in account.assets for r in _asset_repairs(a, target, years, health)]
    return sorted(found, key=lambda r: r.key)


def apply(account: LendingAccount, step: Step) -> LendingAccount:
    """The account as it is after ``step`` (amounts in tokens, never below zero)."""
    asset, x = account.asset(step.repair.symbol), step.tokens
    action = step.repair.action
    if action is Action.REPAY:
        changed = replace(asset, debt=max(asset.debt - x, 0.0), wallet=max(asset.wallet - x, 0.0))
    elif action is Action.REPAY_WITH_COLLATERAL:
        changed = replace(
            asset, debt=max(asset.debt - x, 0.0), supplied=max(asset.supplied - x, 0.0)
        )
    else:
        changed = replace(
            asset,
            supplied=asset.supplied + x,
            wallet=max(asset.wallet - x, 0.0),
            supply_room=max(asset.supply_room - x, 0.0),
        )
    assets = tuple(changed if a.symbol == asset.symbol else a for a in account.assets)
    return replace(account, assets=assets)


def _closed(account: LendingAccount, target: float) -> bool:
    return gap_usd(account, target) <= _CLOSED * target * debt_usd(account)


def _conflicts(repair: Repair, steps: Sequence[Step]) -> bool:
    opposed = _OPPOSED.get(repair.action)
    return any(s.repair.symbol == repair.symbol and s.repair.action is opposed for s in steps)


def _combine(account: LendingAccount, target: float, years: float) -> list[Step]:
    steps: list[Step] = []
    for _ in range(3 * len(account.assets)):  # each step exhausts a repair or closes the gap
        if _closed(account, target):
            break
        options = [r for r in repairs(account, target, years) if not _conflicts(r, steps)]
        if not options:
            break
        best = min(options, key=lambda r: (r.carry_per_token_usd / r.gap_per_token_usd, r.key))
        step = Step(best, min(best.capacity, best.tokens_for(gap_usd(account, target))))
        steps.append(step)
        account = apply(account, step)
    return steps


def plan_cost_usd(steps: Sequence[Step], gas_usd: float) -> float:
    """Gas for each step plus the carry of every amount moved, USD."""
    return math.fsum(s.repair.cost_usd(s.tokens, gas_usd) for s in steps)


def plan_repairs(account: LendingAccount, target: float, years: float) -> list[Step]:
    """The cheapest steps that bring ``account`` to ``target``, or as close as it can get.

    Candidates: each repair that closes the gap alone, and the combination (cheapest
    per USD of gap first, which is the least carry for a given gap); the one that
    reaches the target at the lowest cost in USD, gas included, wins.
    """
    gap = gap_usd(account, target)
    if gap <= 0:
        return []
    options = repairs(account, target, years)
    plans = [
        [Step(r, r.tokens_for(gap))] for r in options if r.capacity * r.gap_per_token_usd >= gap
    ]
    plans.append(_combine(account, target, years))

    def rank(steps: list[Step]) -> tuple[bool, float, int, list[tuple[int, str]]]:
        after = account
        for step in steps:
            after = apply(after, step)
        cost = plan_cost_usd(steps, account.gas_usd)
        return (not _closed(after, target), cost, len(steps), [s.repair.key for s in steps])

    return min(plans, key=rank)


def _intent(account: LendingAccount, step: Step, reason: str, now: datetime) -> Intent:
    """The repair as an intent, valued at the asset's reference price (the venues'
    consensus while its feed is in doubt: ``agent.policy.oracle_doubt``)."""
    repair = step.repair
    price = reference_price_usd(account.asset(repair.symbol))
    return Intent(
        venue=account.venue,
        action=repair.action,
        asset=repair.symbol,
        quantity=step.tokens,
        reason=reason,
        reference_price=price,
        notional_usd=step.tokens * price,
        risk_reducing=True,
        urgent=True,
        created_at=now,
    )


def _model_alert(
    account: LendingAccount, ours: float, tolerance: float, trigger: float
) -> list[Alert]:
    """Our health factor against the venue's; critical when only the venue's is low.
    Both at the protocol's prices: a doubted feed's market pricing is not a model error."""
    reported = account.health_factor
    if account.market_priced:
        ours = oracle_health_factor(account)
    if _agree(ours, reported, tolerance):
        return []
    return [
        Alert(
            AlertCode.HEALTH_MODEL,
            Severity.CRITICAL if reported < trigger <= ours else Severity.WARNING,
            account.venue,
            f"{account.venue}: reported health factor {reported:.4f}, ours {ours:.4f}",
            {"reported": reported, "ours": ours},
        )
    ]


def _agree(ours: float, reported: float, tolerance: float) -> bool:
    """Whether our health factor and the venue's agree: both infinite (no debt), or the
    venue's finite and within ``tolerance`` of ours."""
    if -math.inf < reported < math.inf:  # finite (a NaN fails both tests), told first
        return relative_difference(ours, reported) <= tolerance
    return math.isinf(ours) and math.isinf(reported)


def _unrestored(account: LendingAccount, reached: float, target: float) -> Alert:
    return Alert(
        AlertCode.HEALTH_UNRESTORED,
        Severity.CRITICAL,
        account.venue,
        f"{account.venue}: health factor reaches only {reached:.4f} of target {target:.4f} "
        "with what the wallet and the account hold",
        {"reported": account.health_factor, "reachable": reached, "target": target},
    )


def quiet(
    account: LendingAccount, ours: float, steering: Steering, trigger: float, tolerance: float
) -> bool:
    """Whether ``plan_lending`` would give this account the empty plan, told from the
    health factors alone: not steered to act, not market-priced, reported and ours
    (``health_factor(account)``) both at or over ``trigger`` and within ``tolerance``
    of each other (``_model_alert``'s test). Most accounts of a tick are; any other
    goes through ``plan_lending``."""
    if steering.acting or account.market_priced:
        return False
    reported = account.health_factor
    return ours >= trigger and reported >= trigger and _agree(ours, reported, tolerance)


def plan_lending(
    account: LendingAccount,
    health: HealthSettings,
    parameters: PolicyParameters,
    now: datetime,
    steering: Steering | None = None,
    ours: float | None = None,
) -> Plan:
    """Repairs for one lending account when its health factor (reported or ours) is under
    ``health.lending_trigger``, or its ``steering`` says act (probability of liquidation
    over the ceiling, or projected health under the trigger), bringing ours exactly to
    the target (``steering.target``, else ``health.lending_target``).

    Ours is at the account's asset prices: the protocol's, or the worse of it and the
    venues' while a feed it prices with is in doubt (``agent.policy.oracle_doubt``), so
    then it acts on the health the account will have when the feed catches up. A caller
    that has it already passes it as ``ours`` (``health_factor(account)``)."""
    if ours is None:
        ours = health_factor(account)
    alerts = _model_alert(account, ours, parameters.health_model_tolerance, health.lending_trigger)
    lowest = min(ours, account.health_factor)
    vol_acting = steering is not None and steering.acting and lowest >= health.lending_trigger
    if lowest >= health.lending_trigger and not vol_acting:
        return Plan(alerts=tuple(alerts)) if alerts else _NOTHING
    target = health.lending_target if steering is None else steering.target
    steps = plan_repairs(account, target, parameters.health_horizon_s / SECONDS_PER_YEAR)
    after = account
    for step in steps:
        after = apply(after, step)
    if not _closed(after, target):
        alerts.append(_unrestored(account, health_factor(after), target))
    measure = f"health factor {lowest:.4f}"
    if account.market_priced:  # the health when the doubted feed catches up
        measure += f" at market prices ({', '.join(account.market_priced)})"
    reason = f"{measure} under {health.lending_trigger}"
    if vol_acting and steering is not None:
        reason = vol_reason(steering, health, measure)
    intents = tuple(_intent(account, s, f"{reason}: restore {target:.4g}", now) for s in steps)
    return Plan(intents, tuple(alerts))
