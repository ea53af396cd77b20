"""EIP-1559 fees: first offer, and replacements that bump both fields >= 12.5 % within caps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from agent.execution.fees import FeeQuote, Fees, initial_fees, minimum_bump, replacement_fees
from agent.execution.limits import GasCaps

GWEI = 10**9
CAPS = GasCaps(max_fee_per_gas_wei=100 * GWEI, max_priority_fee_per_gas_wei=10 * GWEI)


def test_initial_offer_is_twice_the_base_fee_plus_tip() -> None:
    fees = initial_fees(FeeQuote(base_fee_wei=10 * GWEI, priority_fee_wei=GWEI), CAPS)
    assert fees == Fees(max_fee_per_gas=21 * GWEI, max_priority_fee_per_gas=GWEI)


def test_initial_offer_is_capped() -> None:
    fees = initial_fees(FeeQuote(base_fee_wei=80 * GWEI, priority_fee_wei=50 * GWEI), CAPS)
    assert fees == Fees(max_fee_per_gas=100 * GWEI, max_priority_fee_per_gas=10 * GWEI)


def test_minimum_bump_is_at_least_an_eighth_and_strict() -> None:
    assert minimum_bump(8) == 9
    assert minimum_bump(9) == 11  # 10.125 rounds up
    assert minimum_bump(0) == 1


def test_replacement_follows_the_market_when_it_moved_more() -> None:
    previous = Fees(21 * GWEI, GWEI)
    spike = FeeQuote(base_fee_wei=30 * GWEI, priority_fee_wei=GWEI)
    assert replacement_fees(previous, spike, CAPS) == Fees(61 * GWEI, minimum_bump(GWEI))


def test_no_replacement_when_the_cap_leaves_less_than_a_bump() -> None:
    previous = Fees(90 * GWEI, GWEI)  # +12.5 % = 101.25 > 100
    assert replacement_fees(previous, FeeQuote(GWEI, GWEI), CAPS) is None
    at_tip_cap = Fees(50 * GWEI, 10 * GWEI)
    assert replacement_fees(at_tip_cap, FeeQuote(GWEI, GWEI), CAPS) is None


@given(
    st.integers(1, 200 * GWEI),
    st.integers(0, 20 * GWEI),
    st.integers(0, 200 * GWEI),
    st.integers(0, 20 * GWEI),
)
def test_replacements_bump_both_fields_and_respect_caps(
    max_fee: int, tip: int, base_fee: int, suggested_tip: int
) -> None:
    previous = Fees(max(max_fee, tip), tip)
    bumped = replacement_fees(previous, FeeQuote(base_fee, suggested_tip), CAPS)
    if bumped is None:
        too_high = (
            minimum_bump(previous.max_fee_per_gas) > CAPS.max_fee_per_gas_wei
            or minimum_bump(previous.max_priority_fee_per_gas) > CAPS.max_priority_fee_per_gas_wei
        )
        assert too_high
        return
    assert bumped.max_fee_per_gas * 8 >= previous.max_fee_per_gas * 9
    assert bumped.max_priority_fee_per_gas * 8 >= previous.max_priority_fee_per_gas * 9
    assert bumped.max_fee_per_gas > previous.max_fee_per_gas
    assert bumped.max_priority_fee_per_gas > previous.max_priority_fee_per_gas
    assert bumped.max_fee_per_gas <= CAPS.max_fee_per_gas_wei
    assert bumped.max_priority_fee_per_gas <= CAPS.max_priority_fee_per_gas_wei
    assert bumped.max_priority_fee_per_gas <= bumped.max_fee_per_gas
