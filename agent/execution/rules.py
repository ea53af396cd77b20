"""The guard's rules: pure functions of (proposal, context, limits), no I/O.

Each rule returns the rejections it finds (empty when the proposal respects it). The
guard runs them all, so a refused intent names every limit it broke.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from agent.control.killswitch import permits
from agent.execution.exposure import (
    exposure_change_usd,
    independent_risk_reducing,
    needs_reference_price,
)
from agent.execution.limits import GuardLimits, selector
from agent.execution.proposal import GuardContext, Proposal, ReasonCode, Rejection
from agent.intents import Action, Intent

WEI_PER_ETH = 10**18
_BOUNDED_TRADES = frozenset({Action.BUY, Action.SELL, Action.SWAP})


@dataclass(frozen=True, slots=True)
class Facts:
    """What every rule needs, derived once per proposal."""

    proposal: Proposal
    context: GuardContext
    limits: GuardLimits
    reference_price: float | None  # USD per coin of the intent's asset, independent
    notional_usd: float  # the guard's own: max(claimed, quantity x reference, value sent)
    risk_reducing: bool  # the policy's claim unless the book contradicts it

    @property
    def intent(self) -> Intent:
        return self.proposal.intent


Rule = Callable[[Facts], Iterator[Rejection]]


def _finite_positive(value: float | None) -> bool:
    return value is None or (math.isfinite(value) and value > 0)


def transaction_value_usd(proposal: Proposal, context: GuardContext, native: str) -> float:
    """USD value of the native coin the transactions send (0 if the price is unknown)."""
    wei = sum(tx.value for tx in proposal.transactions)
    price = context.reference_prices.get(native)
    return 0.0 if price is None or wei == 0 else wei / WEI_PER_ETH * price


def derive_facts(proposal: Proposal, context: GuardContext, limits: GuardLimits) -> Facts:
    intent = proposal.intent
    price = context.reference_prices.get(intent.asset)
    if not (price is not None and math.isfinite(price) and price > 0):
        price = None
    notional = intent.notional_usd if math.isfinite(intent.notional_usd) else math.inf
    if price is not None and needs_reference_price(intent):
        notional = max(notional, intent.quantity * price)
    notional = max(notional, transaction_value_usd(proposal, context, limits.native_asset))
    independent = independent_risk_reducing(intent, context)
    return Facts(
        proposal=proposal,
        context=context,
        limits=limits,
        reference_price=price,
        notional_usd=notional,
        risk_reducing=intent.risk_reducing and independent is not False,
    )


def check_valid(facts: Facts) -> Iterator[Rejection]:
    intent = facts.intent
    if not (math.isfinite(intent.quantity) and intent.quantity > 0):
        yield Rejection(ReasonCode.INVALID_INTENT, f"quantity {intent.quantity} is not positive")
    if not (math.isfinite(intent.notional_usd) and intent.notional_usd >= 0):
        yield Rejection(ReasonCode.INVALID_INTENT, f"notional {intent.notional_usd} USD is invalid")
    if not (_finite_positive(intent.limit_price) and _finite_positive(intent.reference_price)):
        yield Rejection(ReasonCode.INVALID_INTENT, "limit or reference price is not positive")
    if intent.created_at is None:
        yield Rejection(ReasonCode.MISSING_TIMESTAMP, "intent has no creation time")


def check_kill_switch(facts: Facts) -> Iterator[Rejection]:
    state = facts.context.kill_state
    if not permits(state, risk_reducing=facts.risk_reducing, unwind=facts.proposal.unwind):
        kind = "risk-reducing" if facts.risk_reducing else "risk-adding"
        yield Rejection(ReasonCode.KILL_SWITCH, f"kill switch is {state.value}: {kind} refused")


def check_risk_claim(facts: Facts) -> Iterator[Rejection]:
    intent = facts.intent
    if intent.risk_reducing and independent_risk_reducing(intent, facts.context) is False:
        yield Rejection(
            ReasonCode.RISK_CLAIM_MISMATCH,
            f"{intent.action.value} {intent.quantity:g} {intent.asset} on {intent.venue} is "
            "claimed risk-reducing but increases the position and the net delta",
        )


def check_freshness(facts: Facts) -> Iterator[Rejection]:
    now, limits = facts.context.now, facts.limits
    created = facts.intent.created_at
    if created is not None and (now - created).total_seconds() > limits.max_intent_age_s:
        age = (now - created).total_seconds()
        yield Rejection(ReasonCode.STALE_INTENT, f"intent is {age:.1f} s old")
    observed = facts.context.inputs_observed_at
    if observed is None:
        yield Rejection(ReasonCode.STALE_INPUTS, "the inputs' observation time is unknown")
    elif (now - observed).total_seconds() > limits.max_input_age_s:
        age = (now - observed).total_seconds()
        yield Rejection(ReasonCode.STALE_INPUTS, f"inputs are {age:.1f} s old")


def check_reference_price(facts: Facts) -> Iterator[Rejection]:
    intent, context = facts.intent, facts.context
    if needs_reference_price(intent) and facts.reference_price is None:
        yield Rejection(
            ReasonCode.MISSING_REFERENCE_PRICE, f"no independent price for {intent.asset}"
        )
    native = facts.limits.native_asset
    sends_value = any(tx.value for tx in facts.proposal.transactions)
    if sends_value and not _finite_positive(context.reference_prices.get(native, math.nan)):
        yield Rejection(ReasonCode.MISSING_REFERENCE_PRICE, f"no independent price for {native}")


def check_notional(facts: Facts) -> Iterator[Rejection]:
    limits, notional = facts.limits, facts.notional_usd
    if not notional <= limits.max_notional_per_action_usd:
        yield Rejection(
            ReasonCode.NOTIONAL_PER_ACTION,
            f"{notional:,.2f} USD exceeds {limits.max_notional_per_action_usd:,.2f} per action",
        )
    hour = facts.context.notional_last_hour_usd + notional
    if not hour <= limits.max_notional_per_hour_usd:
        yield Rejection(
            ReasonCode.NOTIONAL_PER_HOUR,
            f"{hour:,.2f} USD in the rolling hour exceeds {limits.max_notional_per_hour_usd:,.2f}",
        )


def check_exposure(facts: Facts) -> Iterator[Rejection]:
    intent, context, limits = facts.intent, facts.context, facts.limits
    venue_cap = limits.venue_caps.get(intent.venue)
    if venue_cap is None:
        yield Rejection(ReasonCode.UNKNOWN_VENUE, f"venue {intent.venue!r} has no exposure cap")
        return
    change = exposure_change_usd(intent, context, facts.notional_usd)
    if change <= 0:
        return  # reducing an exposure is never blocked by its cap (NaN is not <= 0)
    after = context.venue_exposure_usd.get(intent.venue, 0.0) + change
    cap = venue_cap.cap_usd(context.book_value_usd)
    if not after <= cap:
        yield Rejection(
            ReasonCode.VENUE_EXPOSURE,
            f"{intent.venue} exposure would be {after:,.2f} USD, cap {cap:,.2f}",
        )
    protocol = limits.protocol_of_venue.get(intent.venue)
    if protocol is None:
        return
    after = context.protocol_exposure_usd.get(protocol, 0.0) + change
    cap = limits.protocol_caps[protocol].cap_usd(context.book_value_usd)
    if not after <= cap:
        yield Rejection(
            ReasonCode.PROTOCOL_EXPOSURE,
            f"{protocol} exposure would be {after:,.2f} USD, cap {cap:,.2f}",
        )


def check_price_bound(facts: Facts) -> Iterator[Rejection]:
    intent, reference, limits = facts.intent, facts.reference_price, facts.limits
    if reference is None:
        return
    if intent.reference_price is not None:
        deviation = abs(intent.reference_price / reference - 1)
        if not deviation <= limits.max_reference_deviation:
            yield Rejection(
                ReasonCode.REFERENCE_DEVIATION,
                f"policy price {intent.reference_price:g} is {deviation:.2%} from "
                f"independent {reference:g}",
            )
    if intent.action not in _BOUNDED_TRADES:
        return
    if intent.limit_price is None:
        yield Rejection(ReasonCode.NO_PRICE_BOUND, f"{intent.action.value} has no limit price")
        return
    worst = intent.limit_price / reference - 1
    slippage = {Action.BUY: worst, Action.SELL: -worst}.get(intent.action, abs(worst))
    if not slippage <= limits.max_slippage:
        yield Rejection(
            ReasonCode.SLIPPAGE,
            f"limit {intent.limit_price:g} allows {slippage:.2%} slippage from {reference:g} "
            f"(max {limits.max_slippage:.2%})",
        )


def check_transactions(facts: Facts) -> Iterator[Rejection]:
    expected = facts.context.chain_id
    for tx in facts.proposal.transactions:
        if expected is None or tx.chain_id != expected:
            yield Rejection(
                ReasonCode.WRONG_CHAIN, f"transaction for chain {tx.chain_id}, expected {expected}"
            )
        allowed = facts.limits.allowlist.get(tx.to.lower(), frozenset())
        function = tx.function.replace(" ", "")
        if function not in allowed:
            yield Rejection(ReasonCode.NOT_ALLOWLISTED, f"{function or 'transfer'} on {tx.to}")
        elif tx.data[:4] != selector(function):
            yield Rejection(
                ReasonCode.SELECTOR_MISMATCH, f"calldata does not start with {function}'s selector"
            )


RULES: tuple[Rule, ...] = (
    check_kill_switch,
    check_risk_claim,
    check_freshness,
    check_reference_price,
    check_notional,
    check_exposure,
    check_price_bound,
    check_transactions,
)


def evaluate(
    proposal: Proposal, context: GuardContext, limits: GuardLimits
) -> tuple[Facts, tuple[Rejection, ...]]:
    """Run every rule; the proposal passes when the tuple is empty.

    A malformed intent (non-positive quantity, no timestamp) is refused on that alone:
    the other rules assume a well-formed one.
    """
    facts = derive_facts(proposal, context, limits)
    invalid = tuple(check_valid(facts))
    if invalid:
        return facts, invalid
    return facts, tuple(r for rule in RULES for r in rule(facts))
