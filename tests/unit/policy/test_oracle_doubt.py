"""A lending account while the feed its protocol prices with is in doubt: assessed and
repaired at the worse of the protocol's price and the venues' (agent.policy.oracle_doubt),
never acting on the doubted price, and nothing that adds risk gets past the guard."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.config.models import HealthSettings
from agent.execution.proposal import Proposal, ReasonCode
from agent.execution.rules import evaluate
from agent.intents import Action, KillState
from agent.policy.decide import decide
from agent.policy.health import Step, apply, health_factor, oracle_health_factor, repairs
from agent.policy.inputs import LendingAccount, OracleDoubt, PolicyInput
from agent.policy.oracle_doubt import (
    all_at_worse_prices,
    at_oracle_prices,
    at_worse_prices,
    market_spots,
)
from agent.realized import RealizedVols
from tests.unit.execution.guard_builders import context as guard_context
from tests.unit.execution.guard_builders import limits
from tests.unit.policy.builders import NOW, settings, usdc, weth

STALE = OracleDoubt("ETH", 2_500.0, "oracle_stale")  # the feed still says 3,000
STATIC = settings(health=HealthSettings(vol_aware=False))  # 1.3 / 1.6


def frozen_loan(*, wallet_usdc: float = 50_000.0, wallet_weth: float = 0.0) -> LendingAccount:
    """10 WETH at the stale 3,000 (LT 0.825: 24,750 USD weighted) against 16,500 USDC:
    the protocol reports 1.5; at the venues' 2,500 it is 1.25, under the 1.3 trigger."""
    collateral = weth(price_usd=3_000.0, supplied=10.0, wallet=wallet_weth, underlying="ETH")
    debt = usdc(debt=16_500.0, wallet=wallet_usdc)
    return LendingAccount("aave", (collateral, debt), 1.5)


def tick(account: LendingAccount, *doubts: OracleDoubt) -> PolicyInput:
    return PolicyInput(now=NOW, lending=(account,), oracle_doubts=doubts)


def test_a_fresh_oracle_changes_nothing() -> None:
    account = frozen_loan()
    assert decide(tick(account), STATIC).intents == ()
    assert at_worse_prices(account, ()) is account
    other = OracleDoubt("BTC", 50_000.0, "oracle_stale")  # a feed this account does not use
    assert at_worse_prices(account, (other,)) is account
    assert decide(tick(account, other), STATIC) == decide(tick(account), STATIC)
    rising = at_worse_prices(account, (replace(STALE, market_usd=3_300.0),))
    assert health_factor(rising) == pytest.approx(1.5, rel=1e-12), "collateral at the lower"


def test_a_stale_oracle_repair_is_sized_on_the_market_price() -> None:
    """Repay exactly the gap to 1.6 at 2,500: G = 1.6 x 16,500 - 10 x 2,500 x 0.825."""
    decision = decide(tick(frozen_loan(), STALE), STATIC)
    (repay,) = decision.intents
    assert (repay.action, repay.asset, repay.risk_reducing) == (Action.REPAY, "USDC", True)
    assert repay.quantity == pytest.approx((1.6 * 16_500 - 20_625) / 1.6, rel=1e-12)
    assert "health factor 1.2500 at market prices (ETH: oracle_stale)" in repay.reason
    (steered,) = decision.steering
    assert steered.market_priced == ("ETH: oracle_stale",)
    assert steered.health == pytest.approx(1.25, rel=1e-12)
    assert not any(a.code.value == "health_model" for a in decision.alerts), decision.alerts


def test_a_stale_oracle_supply_is_sized_and_valued_at_the_market_price() -> None:
    account = frozen_loan(wallet_usdc=0.0, wallet_weth=20.0)
    (supply,) = decide(tick(account, STALE), STATIC).intents
    assert (supply.action, supply.asset) == (Action.SUPPLY, "WETH")
    gap = 1.6 * 16_500 - 20_625
    assert supply.quantity == pytest.approx(gap / (2_500 * 0.825), rel=1e-12)
    assert supply.reference_price == 2_500.0
    assert supply.notional_usd == pytest.approx(supply.quantity * 2_500, rel=1e-12)
    repriced = at_worse_prices(account, (STALE,))
    assert repriced.asset("WETH").oracle_price_usd == 3_000.0
    (found,) = [r for r in repairs(repriced, 1.6, 0.0) if r.action is Action.SUPPLY]
    after = apply(repriced, Step(found, supply.quantity))
    assert health_factor(after) == pytest.approx(1.6, rel=1e-9), "1.6 when the feed catches up"
    assert health_factor(at_oracle_prices(after)) == pytest.approx(1.6 * 3_000 / 2_500)


def test_a_debt_in_the_doubted_underlying_is_priced_at_the_higher() -> None:
    """5 WETH owed against 40,000 USDC (LT 0.78): the feed says 3,000, the venues 3,300."""
    owed = weth(price_usd=3_000.0, debt=5.0, underlying="ETH")
    collateral = usdc(supplied=40_000.0, collateral_enabled=True)
    account = LendingAccount("aave", (owed, collateral), 31_200 / 15_000)
    rising = at_worse_prices(account, (replace(STALE, market_usd=3_300.0),))
    assert rising.asset("WETH").price_usd == 3_300.0
    assert health_factor(rising) == pytest.approx(31_200 / 16_500, rel=1e-12)
    falling = at_worse_prices(account, (STALE,))
    assert health_factor(falling) == pytest.approx(31_200 / 15_000, rel=1e-12)


@given(
    oracle=st.floats(500.0, 5_000.0),
    market=st.floats(500.0, 5_000.0),
    eth_supplied=st.floats(0.0, 10.0),
    eth_debt=st.floats(0.0, 5.0),
)
def test_the_worse_prices_never_show_a_healthier_account(
    oracle: float, market: float, eth_supplied: float, eth_debt: float
) -> None:
    """Whatever the feed's error, the health assessed is at most the lower of the
    protocol's and the market's (collateral at the lower price, debt at the higher)."""
    account = LendingAccount(
        "aave",
        (
            weth(price_usd=oracle, supplied=eth_supplied, debt=eth_debt, underlying="ETH"),
            usdc(price_usd=1.0, supplied=30_000.0, collateral_enabled=True, debt=8_000.0),
        ),
        1.0,
    )
    doubt = OracleDoubt("ETH", market, "oracle_deviation")
    worse = health_factor(at_worse_prices(account, (doubt,)))
    at_market = replace(account, assets=(replace(account.assets[0], price_usd=market),
                                         account.assets[1]))  # fmt: skip
    assert worse <= min(health_factor(account), health_factor(at_market)) * (1 + 1e-12)


def test_while_stale_a_repair_passes_the_guard_and_risk_is_still_refused() -> None:
    """Under REDUCE_ONLY with the guard valuing ETH at the venues' consensus (the tick
    passes it, ``agent.tick.exposures.guard_context``): the repair passes; a borrow, a
    withdrawal or a hedge that adds delta is refused; and had the guard kept the stale
    price, it would refuse the repair as valued 17% off it (never acting on it)."""
    (supply,) = decide(tick(frozen_loan(wallet_usdc=0.0, wallet_weth=20.0), STALE), STATIC).intents
    context = guard_context(
        kill_state=KillState.REDUCE_ONLY,
        reference_prices={"ETH": 2_500.0, "WETH": 2_500.0, "USDC": 1.0},
        net_delta={"ETH": -5.0},
    )
    guard = limits()
    _, passed = evaluate(Proposal(supply), context, guard)
    assert passed == ()
    for action, asset in ((Action.BORROW, "USDC"), (Action.WITHDRAW, "WETH")):
        risky = replace(supply, action=action, asset=asset, risk_reducing=True)
        _, refused = evaluate(Proposal(risky), context, guard)
        assert ReasonCode.KILL_SWITCH in {r.code for r in refused}, (action, refused)
    hedge = replace(supply, venue="deribit", action=Action.SELL, asset="ETH", quantity=1.0,
                    limit_price=2_490.0, notional_usd=2_500.0, risk_reducing=False)  # fmt: skip
    _, refused = evaluate(Proposal(hedge), context, guard)
    assert ReasonCode.KILL_SWITCH in {r.code for r in refused}, refused
    stale = replace(context, reference_prices={"ETH": 3_000.0, "WETH": 3_000.0, "USDC": 1.0})
    _, refused = evaluate(Proposal(supply), stale, guard)
    assert [r.code for r in refused] == [ReasonCode.REFERENCE_DEVIATION]


def test_realized_vol_follows_the_venues_while_the_feed_is_frozen() -> None:
    """Ten minutes of a fall from 2,950 to 2,550 while the feed still says 2,950: measured
    on the venues the vol shows the fall as it happens; on the feed it would be zero."""
    on_market, on_feed = RealizedVols(3_600.0), RealizedVols(3_600.0)
    for minute, market in enumerate((2_950.0, 2_850.0, 2_750.0, 2_650.0, 2_550.0)):
        at = NOW + timedelta(minutes=2 * minute)
        doubt = replace(STALE, market_usd=market)
        on_market.observe(at, market_spots({"ETH": 2_950.0, "BTC": 60_000.0}, (doubt,)))
        on_feed.observe(at, {"ETH": 2_950.0})
    assert on_feed.vol("ETH") == 0.0
    assert (on_market.vol("ETH") or 0.0) > 1.0  # a 14 % fall in 8 minutes: over 100 % a year
    assert market_spots({"BTC": 60_000.0}, (STALE,)) == {"BTC": 60_000.0}


def test_many_accounts_repriced_at_once_as_one_by_one_and_ours_at_the_oracle() -> None:
    # decide reprices a tick's accounts with the doubts gathered once, and reads our
    # health at the protocol's prices without rebuilding each account: the same floats.
    accounts = [
        frozen_loan(),
        frozen_loan(wallet_weth=2.0),
        LendingAccount("aave", (weth(price_usd=3_000.0, debt=4.0, underlying="ETH"),), 1.2),
        LendingAccount(
            "aave",
            (weth(price_usd=3_000.0, supplied=1.0, underlying="ETH", collateral_enabled=False),),
            float("inf"),
        ),
        LendingAccount("aave", (usdc(supplied=1_000.0, debt=10.0),), 80.0),  # nothing doubted
    ]
    doubts = (STALE, OracleDoubt("BTC", 60_000.0, "oracle_at_bound"))
    for market in (2_500.0, 3_500.0):
        each = (replace(STALE, market_usd=market), doubts[1])
        together = all_at_worse_prices(accounts, each)
        assert together == tuple(at_worse_prices(account, each) for account in accounts)
        for repriced in together:
            expected = health_factor(at_oracle_prices(repriced))
            assert repr(oracle_health_factor(repriced)) == repr(expected)
    assert all_at_worse_prices(accounts, ()) == tuple(accounts)
