"""Hypothesis: no intent that breaks a limit passes; every one that respects all passes.

``breaks_a_limit`` restates each limit from its definition (DESIGN.md, the issue),
independently of ``agent.execution.rules``; the property is that the guard and this
statement never disagree, over generated limits, books and intents.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta
from typing import Any

from guard_builders import CHAIN, NOW, PERP, POOL, context
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agent.execution.fees import FeeQuote, Fees
from agent.execution.guard import Guard
from agent.execution.limits import ExposureCap, GasCaps, GuardLimits, selector
from agent.execution.proposal import GuardContext, Proposal
from agent.intents import Action, Intent, KillState
from agent.ports import TxRequest

SUPPLY = "supply(address,uint256,address,uint16)"
VENUES = ("aave", "deribit")
ACTIONS = (Action.BUY, Action.SELL, Action.SUPPLY, Action.BORROW, Action.REPAY, Action.WITHDRAW)
GWEI = 10**9


def mostly(good: Any, bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` four times in five: most examples then respect most limits."""
    return st.one_of(st.just(good), st.just(good), st.just(good), st.just(good), bad)


positive = st.floats(min_value=1.0, max_value=1e6, allow_nan=False)
fraction = st.floats(min_value=0.01, max_value=1.0)
share = mostly(0.0, st.floats(0, 1.2))  # of a cap already used
ratio = mostly(1.0, st.floats(0.9, 1.1))
policy_ratio = st.one_of(st.none(), st.floats(0.95, 1.05))
claimed_ratio = mostly(1.0, st.floats(0, 1.5))
prices = mostly(3000.0, st.sampled_from([None, math.nan, 0.0, 2500.0]))
kill_states = mostly(KillState.ACTIVE, st.sampled_from(list(KillState)))
seconds_5 = mostly(5.0, st.floats(0, 60))
seconds_1 = mostly(1.0, st.floats(0, 20))
positions = st.floats(-50, 50)
deltas = st.one_of(st.just({}), st.builds(lambda d: {"ETH": d}, positions))
chains = mostly(CHAIN, st.just(1))
targets = mostly(POOL, st.just("0x" + "33" * 20))
calldata = mostly(selector(SUPPLY), st.just(b"\x12\x34\x56\x78"))
values = mostly(0, st.integers(0, 10**20))
unwinds = mostly(False, st.just(True))
gas_gwei = st.integers(1, 100)
extra_gwei = st.integers(0, 400)
hourly = mostly(1e7, positive)
trade_venues = mostly("deribit", st.sampled_from([*VENUES, "kraken"]))
lending_venues = mostly("aave", st.sampled_from([*VENUES, "kraken"]))
books = mostly(2e6, st.floats(0.0, 2e6))
quantities = st.floats(0.0001, 1.05)
slippages = st.floats(0.001, 0.05)


@st.composite
def guard_limits(draw: st.DrawFn) -> GuardLimits:
    caps = {
        v: ExposureCap(max_usd=draw(positive), max_fraction_of_book=draw(fraction)) for v in VENUES
    }
    gas = GasCaps(max_fee_per_gas_wei=draw(gas_gwei) * GWEI, max_priority_fee_per_gas_wei=GWEI)
    emergency_max = gas.max_fee_per_gas_wei + draw(extra_gwei) * GWEI
    return GuardLimits(
        max_notional_per_action_usd=draw(positive),
        max_notional_per_hour_usd=draw(hourly),
        venue_caps=caps,
        protocol_caps={
            "aave-v3": ExposureCap(max_usd=draw(positive), max_fraction_of_book=draw(fraction))
        },
        protocol_of_venue={"aave": "aave-v3"},
        max_slippage=draw(slippages),
        max_reference_deviation=draw(slippages),
        gas=gas,
        emergency_gas=GasCaps(
            max_fee_per_gas_wei=emergency_max,
            max_priority_fee_per_gas_wei=min(5 * GWEI, emergency_max),
        ),
        allowlist={POOL: frozenset({SUPPLY})},
        max_input_age_s=30.0,
        max_intent_age_s=10.0,
    )


@st.composite
def situations(draw: st.DrawFn) -> tuple[GuardLimits, GuardContext, Proposal, FeeQuote]:
    limits = draw(guard_limits())
    book = draw(books)
    price = draw(prices)
    known = {"ETH": 3000.0} | ({} if price is None else {"WETH": price, "ETH": price})
    protocol_cap = limits.protocol_caps["aave-v3"].cap_usd(book)
    ctx = context(
        kill_state=draw(kill_states),
        book_value_usd=book,
        inputs_observed_at=NOW - timedelta(seconds=draw(seconds_5)),
        reference_prices=known,
        venue_exposure_usd={v: draw(share) * limits.venue_caps[v].cap_usd(book) for v in VENUES},
        protocol_exposure_usd={"aave-v3": draw(share) * protocol_cap},
        positions={(v, "ETH"): draw(positions) for v in VENUES},
        net_delta=draw(deltas),
        notional_last_hour_usd=draw(share) * limits.max_notional_per_hour_usd,
    )  # fmt: skip
    action = draw(st.sampled_from(ACTIONS))
    trade = action in (Action.BUY, Action.SELL)
    reference = price if price and price > 0 else 3000.0
    quantity = draw(quantities) * limits.max_notional_per_action_usd / reference
    policy = draw(policy_ratio)
    intent = Intent(
        venue=draw(trade_venues if trade else lending_venues),
        action=action,
        asset="ETH",
        quantity=quantity,
        reason="generated",
        instrument=PERP if trade else None,
        limit_price=draw(ratio) * reference if trade else None,
        reference_price=None if policy is None else policy * reference,
        notional_usd=quantity * reference * draw(claimed_ratio),
        risk_reducing=False,
        created_at=NOW - timedelta(seconds=draw(seconds_1)),
    )  # fmt: skip
    truth = _book_says_reducing(intent, ctx)
    intent = replace(intent, risk_reducing=draw(mostly(truth, st.booleans())))
    transactions: tuple[TxRequest, ...] = ()
    if not trade:
        tx = TxRequest(
            chain_id=draw(chains), to=draw(targets), data=draw(calldata), function=SUPPLY,
            value=draw(values),
        )  # fmt: skip
        transactions = (tx,)
    proposal = Proposal(intent, transactions, unwind=draw(unwinds))
    quote = FeeQuote(base_fee_wei=draw(st.integers(0, 300)) * GWEI, priority_fee_wei=GWEI)
    return limits, ctx, proposal, quote


def _book_says_reducing(intent: Intent, ctx: GuardContext) -> bool:
    if intent.action in (Action.REPAY, Action.SUPPLY):
        return True
    if intent.action in (Action.BORROW, Action.WITHDRAW):
        return False
    signed = intent.quantity if intent.action is Action.BUY else -intent.quantity
    position = ctx.positions.get((intent.venue, intent.asset), 0.0)
    delta = ctx.net_delta.get(intent.asset)
    return abs(position + signed) < abs(position) or (
        delta is not None and abs(delta + signed) < abs(delta)
    )


def _exposure_change(intent: Intent, ctx: GuardContext, notional: float) -> float:
    if intent.action in (Action.SUPPLY, Action.BORROW):
        return notional
    if intent.action in (Action.REPAY, Action.WITHDRAW):
        return -notional
    signed = intent.quantity if intent.action is Action.BUY else -intent.quantity
    position = ctx.positions.get((intent.venue, intent.asset), 0.0)
    return (abs(position + signed) - abs(position)) / intent.quantity * notional


def _kill_switch(ctx: GuardContext, proposal: Proposal) -> str | None:
    reducing = proposal.intent.risk_reducing
    allowed = {
        KillState.ACTIVE: True,
        KillState.REDUCE_ONLY: reducing or proposal.unwind,
        KillState.HALTED: False,
        KillState.FLATTEN: proposal.unwind,
    }[ctx.kill_state]
    return None if allowed else "kill switch"


def _freshness(limits: GuardLimits, ctx: GuardContext, intent: Intent) -> str | None:
    assert intent.created_at is not None
    assert ctx.inputs_observed_at is not None
    if (ctx.now - intent.created_at).total_seconds() > limits.max_intent_age_s:
        return "stale intent"
    if (ctx.now - ctx.inputs_observed_at).total_seconds() > limits.max_input_age_s:
        return "stale inputs"
    return None


def _notional(limits: GuardLimits, ctx: GuardContext, notional: float) -> str | None:
    if notional > limits.max_notional_per_action_usd:
        return "notional per action"
    if ctx.notional_last_hour_usd + notional > limits.max_notional_per_hour_usd:
        return "notional per hour"
    return None


def _exposure(
    limits: GuardLimits, ctx: GuardContext, intent: Intent, notional: float
) -> str | None:
    if intent.venue not in limits.venue_caps:
        return "unknown venue"
    change = _exposure_change(intent, ctx, notional)
    if change <= 0:
        return None
    cap = limits.venue_caps[intent.venue].cap_usd(ctx.book_value_usd)
    if ctx.venue_exposure_usd[intent.venue] + change > cap:
        return "venue cap"
    protocol = limits.protocol_of_venue.get(intent.venue)
    if protocol is None:
        return None
    cap = limits.protocol_caps[protocol].cap_usd(ctx.book_value_usd)
    return "protocol cap" if ctx.protocol_exposure_usd[protocol] + change > cap else None


def _prices(limits: GuardLimits, intent: Intent, price: float) -> str | None:
    policy = intent.reference_price
    if policy is not None and abs(policy / price - 1) > limits.max_reference_deviation:
        return "policy price deviates"
    if intent.limit_price is None:
        return None  # only trades were generated with one, and every trade has one
    if intent.action is Action.BUY and intent.limit_price / price - 1 > limits.max_slippage:
        return "buy slippage"
    if intent.action is Action.SELL and 1 - intent.limit_price / price > limits.max_slippage:
        return "sell slippage"
    return None


def _transactions(limits: GuardLimits, ctx: GuardContext, proposal: Proposal) -> str | None:
    for tx in proposal.transactions:
        if tx.chain_id != ctx.chain_id:
            return "wrong chain"
        if tx.function not in limits.allowlist.get(tx.to.lower(), frozenset()):
            return "not allowlisted"
        if tx.data[:4] != selector(tx.function):
            return "selector"
    return None


def breaks_a_limit(limits: GuardLimits, ctx: GuardContext, proposal: Proposal) -> str | None:
    """The first limit ``proposal`` breaks, in words; None if it respects them all."""
    intent = proposal.intent
    price = ctx.reference_prices.get(intent.asset)
    if price is None or not price > 0:
        return "no independent price"
    sent_usd = sum(tx.value for tx in proposal.transactions) / 10**18 * ctx.reference_prices["ETH"]
    notional = max(intent.notional_usd, intent.quantity * price, sent_usd)
    if intent.risk_reducing and not _book_says_reducing(intent, ctx):
        return "false risk-reducing claim"
    return (
        _kill_switch(ctx, proposal)
        or _freshness(limits, ctx, intent)
        or _notional(limits, ctx, notional)
        or _exposure(limits, ctx, intent, notional)
        or _prices(limits, intent, price)
        or _transactions(limits, ctx, proposal)
    )


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(situations())
def test_guard_agrees_with_the_limits(
    situation: tuple[GuardLimits, GuardContext, Proposal, FeeQuote],
) -> None:
    limits, ctx, proposal, _ = situation
    verdict = Guard(limits).check(proposal, ctx)
    broken = breaks_a_limit(limits, ctx, proposal)
    event("passes" if broken is None else f"refused: {broken}")
    if broken is None:
        assert verdict.approved, f"respects every limit but was refused: {verdict.summary()}"
    else:
        assert not verdict.approved, f"breaks '{broken}' but passed"


@settings(max_examples=200, deadline=None)
@given(situations(), st.integers(0, 600), st.integers(0, 30))
def test_fees_pass_only_under_the_right_cap(
    situation: tuple[GuardLimits, GuardContext, Proposal, FeeQuote],
    max_fee_gwei: int,
    tip_gwei: int,
) -> None:
    limits, _, proposal, quote = situation
    fees = Fees(max_fee_per_gas=max_fee_gwei * GWEI, max_priority_fee_per_gas=tip_gwei * GWEI)
    emergency = proposal.intent.risk_reducing
    caps = limits.emergency_gas if emergency else limits.gas
    within = (
        quote.base_fee_wei <= caps.max_fee_per_gas_wei
        and fees.max_fee_per_gas <= caps.max_fee_per_gas_wei
        and fees.max_priority_fee_per_gas <= caps.max_priority_fee_per_gas_wei
    )
    refused = Guard(limits).check_fees("generated", quote, fees, emergency=emergency)
    assert (refused is None) is within
