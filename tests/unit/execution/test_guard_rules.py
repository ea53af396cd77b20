"""Each limit, broken alone, is refused with its own reason; respected, it passes."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from guard_builders import NOW, POOL, context, evm, limits, supply, supply_tx, trade

from agent.execution.fees import FeeQuote, Fees
from agent.execution.guard import Guard
from agent.execution.limits import ExposureCap, GasCaps, selector
from agent.execution.proposal import GuardContext, Proposal, ReasonCode
from agent.intents import Action, KillState


def codes(
    proposal: Proposal, ctx: GuardContext | None = None, **limit_changes: object
) -> set[ReasonCode]:
    verdict = Guard(limits(**limit_changes)).check(proposal, ctx or context())
    return {r.code for r in verdict.rejections}


def test_the_baselines_pass() -> None:
    assert codes(Proposal(trade())) == set()
    assert codes(evm()) == set()


@pytest.mark.parametrize(
    ("proposal", "ctx", "expected"),
    [
        (Proposal(trade(quantity=0.0)), None, ReasonCode.INVALID_INTENT),
        (Proposal(trade(quantity=math.nan)), None, ReasonCode.INVALID_INTENT),
        (Proposal(trade(notional_usd=math.inf)), None, ReasonCode.INVALID_INTENT),
        (Proposal(trade(limit_price=-1.0)), None, ReasonCode.INVALID_INTENT),
        (Proposal(trade(created_at=None)), None, ReasonCode.MISSING_TIMESTAMP),
        (Proposal(trade(created_at=NOW - timedelta(seconds=11))), None, ReasonCode.STALE_INTENT),
        (
            Proposal(trade()),
            context(inputs_observed_at=NOW - timedelta(seconds=31)),
            ReasonCode.STALE_INPUTS,
        ),
        (Proposal(trade()), context(inputs_observed_at=None), ReasonCode.STALE_INPUTS),
        (Proposal(trade()), context(reference_prices={}), ReasonCode.MISSING_REFERENCE_PRICE),
        (
            Proposal(trade()),
            context(reference_prices={"ETH": math.nan}),
            ReasonCode.MISSING_REFERENCE_PRICE,
        ),
        (Proposal(trade(venue="binance")), None, ReasonCode.UNKNOWN_VENUE),
        (Proposal(trade(limit_price=None)), None, ReasonCode.NO_PRICE_BOUND),
        (Proposal(trade(limit_price=3031.0)), None, ReasonCode.SLIPPAGE),
        (
            Proposal(trade(action=Action.SELL, limit_price=2969.0, risk_reducing=False)),
            None,
            ReasonCode.SLIPPAGE,
        ),
        (Proposal(trade(reference_price=3061.0)), None, ReasonCode.REFERENCE_DEVIATION),
        (
            Proposal(trade()),
            context(positions={("deribit", "ETH"): -0.5}, net_delta={"ETH": 0.5}),
            ReasonCode.RISK_CLAIM_MISMATCH,
        ),
        (evm(supply(), supply_tx(chain_id=1)), None, ReasonCode.WRONG_CHAIN),
        (evm(supply()), context(chain_id=None), ReasonCode.WRONG_CHAIN),
        (evm(supply(), supply_tx(to="0x" + "22" * 20)), None, ReasonCode.NOT_ALLOWLISTED),
        (
            evm(supply(), supply_tx(function="withdraw(address,uint256,address)")),
            None,
            ReasonCode.NOT_ALLOWLISTED,
        ),
        (
            evm(supply(), supply_tx(data=selector("withdraw(address,uint256,address)"))),
            None,
            ReasonCode.SELECTOR_MISMATCH,
        ),
    ],
)
def test_one_broken_limit_one_reason(
    proposal: Proposal, ctx: GuardContext | None, expected: ReasonCode
) -> None:
    assert codes(proposal, ctx) == {expected}


def test_notional_per_action_uses_the_independent_price_not_the_claim() -> None:
    understated = trade(quantity=17.0, notional_usd=100.0, risk_reducing=False)
    assert ReasonCode.NOTIONAL_PER_ACTION in codes(Proposal(understated))  # 17 x 3000 > 50k


def test_notional_counts_the_native_coin_a_transaction_sends() -> None:
    sends_eth = supply_tx(value=20 * 10**18)  # 60k USD of ETH inside a "5 WETH" supply
    assert ReasonCode.NOTIONAL_PER_ACTION in codes(evm(supply(), sends_eth))


def test_rolling_hour() -> None:
    assert codes(Proposal(trade()), context(notional_last_hour_usd=194_001.0)) == {
        ReasonCode.NOTIONAL_PER_HOUR
    }
    assert codes(Proposal(trade()), context(notional_last_hour_usd=193_000.0)) == set()


def test_venue_cap_is_the_lower_of_absolute_and_share_of_book() -> None:
    adding = trade(action=Action.SELL, limit_price=2990.0, risk_reducing=False, quantity=5.0)
    assert codes(Proposal(adding), context(venue_exposure_usd={"deribit": 390_000.0})) == {
        ReasonCode.VENUE_EXPOSURE
    }
    small_book = context(book_value_usd=100_000.0)  # 40 % of 100k = 40k < 50k + 15k
    assert codes(Proposal(adding), small_book) == {ReasonCode.VENUE_EXPOSURE}


def test_reducing_an_exposure_over_its_cap_is_never_blocked_by_the_cap() -> None:
    over = context(venue_exposure_usd={"deribit": 10_000_000.0})
    assert codes(Proposal(trade()), over) == set()


def test_protocol_cap_spans_the_protocol() -> None:
    ctx = context(protocol_exposure_usd={"aave-v3": 440_000.0})
    assert codes(evm(), ctx) == {ReasonCode.PROTOCOL_EXPOSURE}


def test_unknown_protocol_mapping_is_refused_at_load() -> None:
    with pytest.raises(ValueError, match="no cap"):
        limits(protocol_of_venue={"aave": "compound"})


def test_emergency_caps_may_not_be_lower() -> None:
    with pytest.raises(ValueError, match="emergency_gas"):
        limits(emergency_gas=limits().gas.model_copy(update={"max_fee_per_gas_wei": 1}))


@pytest.mark.parametrize(
    ("state", "risk_reducing", "unwind", "passes"),
    [
        (KillState.ACTIVE, False, False, True),
        (KillState.REDUCE_ONLY, False, False, False),
        (KillState.REDUCE_ONLY, True, False, True),
        (KillState.HALTED, True, False, False),
        (KillState.HALTED, True, True, False),
        (KillState.FLATTEN, True, False, False),
        (KillState.FLATTEN, False, True, True),
    ],
)
def test_kill_switch_states(
    state: KillState, risk_reducing: bool, unwind: bool, passes: bool
) -> None:
    intent = trade(risk_reducing=risk_reducing)
    found = codes(Proposal(intent, (), unwind), context(kill_state=state))
    assert (found == set()) is passes
    assert passes or found == {ReasonCode.KILL_SWITCH}


def test_a_false_risk_reducing_claim_does_not_pass_reduce_only() -> None:
    adds = trade(action=Action.SELL, limit_price=2990.0, risk_reducing=True)
    assert codes(Proposal(adds), context(kill_state=KillState.REDUCE_ONLY)) == {
        ReasonCode.KILL_SWITCH,
        ReasonCode.RISK_CLAIM_MISMATCH,
    }


def test_withdraw_is_never_risk_reducing_and_repay_always_is() -> None:
    withdraw = supply(action=Action.WITHDRAW)
    reduce_only = context(kill_state=KillState.REDUCE_ONLY)
    assert codes(Proposal(withdraw), reduce_only) == {
        ReasonCode.KILL_SWITCH,
        ReasonCode.RISK_CLAIM_MISMATCH,
    }
    assert (
        codes(Proposal(supply(action=Action.REPAY, asset="USDC", quantity=1000.0)), reduce_only)
        == set()
    )


def test_gas_caps_emergency_only_for_risk_reducing() -> None:
    guard = Guard(limits())
    spike = FeeQuote(base_fee_wei=100 * 10**9, priority_fee_wei=10**9)
    fees = Fees(max_fee_per_gas=201 * 10**9, max_priority_fee_per_gas=10**9)
    refused = guard.check_fees("i", spike, fees, emergency=False)
    assert refused is not None
    assert refused.code is ReasonCode.GAS_CAP
    assert guard.check_fees("i", spike, fees, emergency=True) is None
    too_much_tip = Fees(max_fee_per_gas=300 * 10**9, max_priority_fee_per_gas=21 * 10**9)
    assert guard.check_fees("i", spike, too_much_tip, emergency=True) is not None


def test_each_chain_has_its_own_gas_caps() -> None:
    """Ethereum at 40 gwei would be refused on Arbitrum, whose caps are a gwei or two; a
    chain without caps of its own takes the default pair."""
    arbitrum = (
        GasCaps(max_fee_per_gas_wei=10**9, max_priority_fee_per_gas_wei=10**7),
        GasCaps(max_fee_per_gas_wei=5 * 10**9, max_priority_fee_per_gas_wei=10**8),
    )
    guard = Guard(limits(chain_gas={42161: arbitrum}))
    quote = FeeQuote(base_fee_wei=10**7, priority_fee_wei=10**6)
    ethereum_fees = Fees(max_fee_per_gas=40 * 10**9, max_priority_fee_per_gas=10**9)
    assert guard.check_fees("i", quote, ethereum_fees, emergency=False, chain_id=1) is None
    refused = guard.check_fees("i", quote, ethereum_fees, emergency=False, chain_id=42161)
    assert refused is not None
    assert refused.code is ReasonCode.GAS_CAP
    cheap = Fees(max_fee_per_gas=2 * 10**9, max_priority_fee_per_gas=10**7)
    assert guard.check_fees("i", quote, cheap, emergency=False, chain_id=42161) is not None
    assert guard.check_fees("i", quote, cheap, emergency=True, chain_id=42161) is None
    with pytest.raises(ValueError, match="emergency_gas must not be lower"):
        limits(chain_gas={42161: (arbitrum[1], arbitrum[0])})


def test_rejections_are_counted_by_reason() -> None:
    guard = Guard(limits())
    guard.check(Proposal(trade(limit_price=None)), context())
    guard.check(Proposal(trade(limit_price=None)), context())
    guard.check(Proposal(trade()), context())
    assert guard.rejection_counts == {ReasonCode.NO_PRICE_BOUND: 2}


def test_limits_are_frozen() -> None:
    frozen = limits(venue_caps={"x": ExposureCap(max_usd=1, max_fraction_of_book=1)})
    with pytest.raises(TypeError):
        frozen.venue_caps["y"] = ExposureCap(max_usd=1, max_fraction_of_book=1)  # type: ignore[index]
    with pytest.raises(ValueError, match="frozen"):
        frozen.max_slippage = 0.5  # type: ignore[misc]
    assert POOL in frozen.allowlist
