"""Lending health repairs: amounts computed by hand from HF = N / D."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.config.models import HealthSettings
from agent.intents import Action
from agent.policy.alerts import AlertCode, Severity, relative_difference
from agent.policy.health import Step, apply, health_factor, plan_lending, quiet, repairs
from agent.policy.inputs import LendingAccount, LendingAsset
from agent.policy.plan import Plan
from agent.policy.settings import SECONDS_PER_YEAR, PolicyParameters
from agent.policy.steering import Steering
from tests.unit.policy.builders import NOW, PARAMETERS, usdc, weth

HEALTH = HealthSettings()  # trigger 1.3, target 1.6


def account(*assets: LendingAsset, reported: float | None = None) -> LendingAccount:
    made = LendingAccount(venue="aave", assets=assets, health_factor=math.inf)
    return replace(made, health_factor=health_factor(made) if reported is None else reported)


# 10 WETH at 2000 with LT 0.825: N = 16,500 USD. 13,750 USDC of debt: HF = 1.2.
# Target 1.6: T * D = 22,000, so the gap is G = 5,500 USD.
COLLATERAL = weth(supplied=10.0)
DEBT = usdc(debt=13_750.0)


def after(plan_account: LendingAccount, actions: list[tuple[Action, str, float]]) -> float:
    state = plan_account
    for action, symbol, tokens in actions:
        match = [r for r in repairs(state, 1.6, 0.0) if (r.action, r.symbol) == (action, symbol)]
        state = apply(state, Step(match[0], tokens))
    return health_factor(state)


def summary(plan_account: LendingAccount) -> list[tuple[Action, str, float]]:
    plan = plan_lending(plan_account, HEALTH, PARAMETERS, NOW)
    return [(i.action, i.asset, i.quantity) for i in plan.intents]


@pytest.mark.parametrize(
    ("name", "assets", "expected"),
    [
        # Repay from the wallet: x = G / (T p) = 5,500 / 1.6 = 3,437.5 USDC.
        ("repay", (COLLATERAL, replace(DEBT, wallet=5_000.0)), [(Action.REPAY, "USDC", 3_437.5)]),
        # No USDC in the wallet; 5 WETH close 8,250: y = G / (p LT) = 5,500 / 1,650 WETH.
        (
            "supply",
            (replace(COLLATERAL, wallet=5.0), DEBT),
            [(Action.SUPPLY, "WETH", 5_500 / 1_650)],
        ),
        # Wallet USDC closes only 1,000 * 1.6 = 1,600 of the gap; supply could close it
        # alone, but repaying 1,000 first saves 6 % on them (-1.15 USD over 7 days):
        # repay 1,000 (G -> 3,900), then supply 3,900 / 1,650 = 2.3636 WETH.
        (
            "repay, then supply the rest",
            (replace(COLLATERAL, wallet=5.0), replace(DEBT, wallet=1_000.0)),
            [(Action.REPAY, "USDC", 1_000.0), (Action.SUPPLY, "WETH", 3_900 / 1_650)],
        ),
        # Wallet: 1,000 USDC and 3 WETH, neither enough alone. Combined, cheapest per
        # USD of gap first: repay (-0.06 / 1.6) before supply (0 / 0.825):
        # repay 1,000 (G -> 3,900), then supply 3,900 / 1,650 = 2.3636 WETH.
        (
            "repay then supply",
            (replace(COLLATERAL, wallet=3.0), replace(DEBT, wallet=1_000.0)),
            [(Action.REPAY, "USDC", 1_000.0), (Action.SUPPLY, "WETH", 3_900 / 1_650)],
        ),
        # Paused USDC cannot be repaid: the WETH in the wallet goes in instead.
        (
            "paused debt reserve",
            (replace(COLLATERAL, wallet=5.0), replace(DEBT, wallet=9_000.0, paused=True)),
            [(Action.SUPPLY, "WETH", 5_500 / 1_650)],
        ),
        # Frozen WETH takes no supply; USDC can still be repaid.
        (
            "frozen collateral reserve",
            (replace(COLLATERAL, wallet=5.0, frozen=True), replace(DEBT, wallet=9_000.0)),
            [(Action.REPAY, "USDC", 3_437.5)],
        ),
    ],
)
def test_restores_exactly_the_target(
    name: str, assets: tuple[LendingAsset, ...], expected: list[tuple[Action, str, float]]
) -> None:
    start = account(*assets)
    assert health_factor(start) == pytest.approx(1.2)
    got = summary(start)
    assert [(a, s) for a, s, _ in got] == [(a, s) for a, s, _ in expected], name
    for (_, _, tokens), (_, _, want) in zip(got, expected, strict=True):
        assert tokens == pytest.approx(want, rel=1e-12)
    assert after(start, got) == pytest.approx(1.6, rel=1e-12)


def test_repay_with_atokens_when_the_wallet_is_short() -> None:
    # WETH N = 16,500; 8,000 aUSDC as collateral at LT 0.78: N = 22,740. Debt 18,950
    # USDC: HF = 1.2; G = 1.6 * 18,950 - 22,740 = 7,580. Wallet 1,000 USDC closes 1,600;
    # repayWithATokens closes 1.6 - 0.78 = 0.82 per token, 6,560 for all 8,000.
    # Repay first (-0.06 / 1.6 < -0.02 / 0.82), then 5,980 / 0.82 aUSDC.
    start = account(
        COLLATERAL,
        usdc(supplied=8_000.0, collateral_enabled=True, debt=18_950.0, wallet=1_000.0),
    )
    assert health_factor(start) == pytest.approx(1.2)
    got = summary(start)
    assert got == [
        (Action.REPAY, "USDC", 1_000.0),
        (Action.REPAY_WITH_COLLATERAL, "USDC", pytest.approx(5_980 / 0.82, rel=1e-12)),
    ]
    assert after(start, got) == pytest.approx(1.6, rel=1e-12)


def test_repay_with_atokens_not_collateral_closes_a_full_target_per_token() -> None:
    # aUSDC not enabled as collateral: burning it takes nothing from N, x = G / (T p).
    start = account(COLLATERAL, replace(DEBT, supplied=10_000.0))
    assert summary(start) == [(Action.REPAY_WITH_COLLATERAL, "USDC", pytest.approx(3_437.5))]


def test_the_cheapest_single_repair_wins_and_rates_can_flip_it() -> None:
    # Both close the gap alone. Over 7 days: repaying 3,437.5 USDC saves 6 %:
    # -3.96 USD; supplying 3.333 WETH (6,666.67 USD) earning 2 % gains 2.56 USD.
    assets = (replace(COLLATERAL, wallet=5.0, supply_apr=0.02), replace(DEBT, wallet=5_000.0))
    assert [a for a, _, _ in summary(account(*assets))] == [Action.REPAY]
    # At 10 % on WETH supply, supplying gains 12.79 USD: it wins.
    rich = (replace(assets[0], supply_apr=0.10), assets[1])
    assert [a for a, _, _ in summary(account(*rich))] == [Action.SUPPLY]


def test_gas_can_make_one_step_cheaper_than_two() -> None:
    # As "repay, then supply the rest", but each action costs 5 USD of gas: two steps
    # cost 10 - 1.15 USD, supplying 3.333 WETH alone 5 USD.
    assets = (replace(COLLATERAL, wallet=5.0), replace(DEBT, wallet=1_000.0))
    start = replace(account(*assets), gas_usd=5.0)
    plan = plan_lending(start, HEALTH, PARAMETERS, NOW)
    assert [(i.action, i.quantity) for i in plan.intents] == [
        (Action.SUPPLY, pytest.approx(5_500 / 1_650))
    ]


def test_carry_and_gas_per_token() -> None:
    repair = repairs(account(COLLATERAL, replace(DEBT, wallet=5_000.0)), 1.6, 7 / 365)[0]
    assert repair.carry_per_token_usd == pytest.approx(-0.06 * 7 / 365)
    assert repair.cost_usd(100.0, 2.0) == pytest.approx(2.0 - 100 * 0.06 * 7 / 365)


@pytest.mark.parametrize(
    ("debt", "acts"),
    [
        (16_500 / 1.35, False),  # above the trigger
        (16_500 / 1.3, False),  # exactly at the trigger: not under it
        (16_500 / 1.2999, True),
    ],
)
def test_acts_only_under_the_trigger(debt: float, acts: bool) -> None:
    start = account(COLLATERAL, usdc(debt=debt, wallet=20_000.0))
    assert bool(summary(start)) is acts


def test_intents_are_urgent_risk_reducing_and_priced_at_the_oracle() -> None:
    plan = plan_lending(account(COLLATERAL, replace(DEBT, wallet=5_000.0)), HEALTH, PARAMETERS, NOW)
    (intent,) = plan.intents
    assert intent.venue == "aave"
    assert intent.risk_reducing
    assert intent.urgent
    assert intent.reference_price == 1.0
    assert intent.notional_usd == pytest.approx(3_437.5)
    assert intent.created_at == NOW
    assert math.isfinite(intent.quantity)
    assert plan.alerts == ()


def test_not_enough_anywhere_does_what_it_can_and_alerts() -> None:
    # 1,000 USDC and 2 WETH close 1,600 + 3,300 = 4,900 of 5,500: HF 19,800 / 12,750.
    start = account(replace(COLLATERAL, wallet=2.0), replace(DEBT, wallet=1_000.0))
    plan = plan_lending(start, HEALTH, PARAMETERS, NOW)
    assert [(i.action, i.quantity) for i in plan.intents] == [
        (Action.REPAY, 1_000.0),
        (Action.SUPPLY, 2.0),
    ]
    (alert,) = plan.alerts
    assert alert.code is AlertCode.HEALTH_UNRESTORED
    assert alert.severity is Severity.CRITICAL
    assert alert.values["reachable"] == pytest.approx(19_800 / 12_750)


def test_no_debt_means_no_repair() -> None:
    plan = plan_lending(account(COLLATERAL, usdc(wallet=1_000.0)), HEALTH, PARAMETERS, NOW)
    assert plan.intents == ()
    assert plan.alerts == ()


def test_a_venue_figure_under_the_trigger_is_acted_on_and_reported() -> None:
    # Ours says 1.5 (under the target, over the trigger); the venue says 1.25.
    start = account(COLLATERAL, usdc(debt=11_000.0, wallet=5_000.0), reported=1.25)
    plan = plan_lending(start, HEALTH, PARAMETERS, NOW)
    assert [i.action for i in plan.intents] == [Action.REPAY]
    assert [a.code for a in plan.alerts] == [AlertCode.HEALTH_MODEL]


def test_a_low_venue_figure_that_ours_cannot_explain_is_critical() -> None:
    start = account(COLLATERAL, usdc(debt=5_000.0, wallet=5_000.0), reported=1.1)
    plan = plan_lending(start, HEALTH, PARAMETERS, NOW)
    assert plan.intents == ()
    assert [(a.code, a.severity) for a in plan.alerts] == [
        (AlertCode.HEALTH_MODEL, Severity.CRITICAL)
    ]


def test_never_supplies_and_burns_the_same_atokens() -> None:
    # USDC is both supplied (collateral) and owed, with USDC in the wallet.
    start = account(
        COLLATERAL, usdc(supplied=500.0, collateral_enabled=True, debt=14_140.0, wallet=400.0)
    )
    actions = {(i.action, i.asset) for i in plan_lending(start, HEALTH, PARAMETERS, NOW).intents}
    assert not {(Action.SUPPLY, "USDC"), (Action.REPAY_WITH_COLLATERAL, "USDC")} <= actions


amounts = st.floats(min_value=0.0, max_value=50_000.0)


@given(
    weth_wallet=st.floats(0.0, 50.0),
    usdc_wallet=amounts,
    ausdc=amounts,
    hf=st.floats(0.5, 1.2999),
    weth_supply_apr=st.floats(0.0, 0.2),
)
def test_lands_on_the_target_whenever_it_can(
    weth_wallet: float, usdc_wallet: float, ausdc: float, hf: float, weth_supply_apr: float
) -> None:
    collateral = 16_500 + ausdc * 0.78
    start = account(
        replace(COLLATERAL, wallet=weth_wallet, supply_apr=weth_supply_apr),
        usdc(supplied=ausdc, collateral_enabled=True, debt=collateral / hf, wallet=usdc_wallet),
    )
    plan = plan_lending(start, HEALTH, PolicyParameters(), NOW)
    state = start
    for intent in plan.intents:
        asset = state.asset(intent.asset)
        assert intent.quantity > 0
        if intent.action is Action.REPAY:
            assert intent.quantity <= min(asset.wallet, asset.debt) * (1 + 1e-12)
        if intent.action is Action.SUPPLY:
            assert intent.quantity <= asset.wallet * (1 + 1e-12)
        match = [
            r
            for r in repairs(state, 1.6, PolicyParameters().health_horizon_s / SECONDS_PER_YEAR)
            if (r.action, r.symbol) == (intent.action, intent.asset)
        ]
        state = apply(state, Step(match[0], intent.quantity))
    unrestored = any(a.code is AlertCode.HEALTH_UNRESTORED for a in plan.alerts)
    if unrestored:
        assert health_factor(state) < 1.6
    else:
        assert health_factor(state) == pytest.approx(1.6, rel=1e-9)
    assert health_factor(state) >= health_factor(start)


def test_no_atoken_repair_below_its_liquidation_threshold() -> None:
    # HF 0.7 < LT 0.78 of the aUSDC: burning it would lower HF further. 16,500 + 7,800
    # = 24,300 of weighted collateral, debt 24,300 / 0.7.
    start = account(COLLATERAL, usdc(supplied=10_000.0, collateral_enabled=True, debt=24_300 / 0.7))
    burnt = account(
        COLLATERAL, usdc(supplied=9_000.0, collateral_enabled=True, debt=24_300 / 0.7 - 1_000)
    )
    assert health_factor(burnt) < health_factor(start)  # why it is left out
    plan = plan_lending(start, HEALTH, PARAMETERS, NOW)
    assert plan.intents == ()
    assert [a.code for a in plan.alerts] == [AlertCode.HEALTH_UNRESTORED]


def test_a_repay_that_lifts_health_over_the_threshold_lets_atokens_follow() -> None:
    # N = 16,500 + 0.78 * 10,000 = 24,300; debt 32,400: HF 0.75 < 0.78, so no aToken burn
    # yet (even at a 0 % supply rate, where it is cheaper per USD of gap than repaying).
    # Repay all 12,500 of the wallet: D = 19,900, HF 1.221; G = 1.6 * 19,900 - 24,300 =
    # 7,540, then burn 7,540 / 0.82 = 9,195.12 aUSDC.
    start = account(
        COLLATERAL,
        usdc(
            supplied=10_000.0,
            collateral_enabled=True,
            debt=32_400.0,
            wallet=12_500.0,
            supply_apr=0.0,
        ),
    )
    assert health_factor(start) == pytest.approx(0.75)
    got = summary(start)
    assert got == [
        (Action.REPAY, "USDC", 12_500.0),
        (Action.REPAY_WITH_COLLATERAL, "USDC", pytest.approx(7_540 / 0.82, rel=1e-12)),
    ]
    assert after(start, got) == pytest.approx(1.6, rel=1e-12)


@pytest.mark.parametrize("debt", [0.0, 5_000.0, 13_750.0, 14_000.0])
@pytest.mark.parametrize("reported", [None, 1.1, math.inf])
def test_a_health_factor_passed_in_plans_as_one_computed(
    debt: float, reported: float | None
) -> None:
    # decide passes the health factor it ranks accounts by: the same plan and alerts
    loan = account(COLLATERAL, usdc(debt=debt, wallet=1_000.0), reported=reported)
    plan = plan_lending(loan, HEALTH, PolicyParameters(), NOW)
    assert plan_lending(loan, HEALTH, PolicyParameters(), NOW, None, health_factor(loan)) == plan


def test_quiet_agreement_is_the_written_test_for_every_special_value() -> None:
    # Ours and the venue's agree when both are infinite (no debt), or the venue's is
    # finite and within tolerance of ours (relative_difference): told here of special
    # values with no trigger in the way.
    values = (0.0, -0.0, 1.3, 1.31, -2.0, math.inf, -math.inf, math.nan)
    steering = Steering("aave", "lending", 1.0, 0.6, -0.3, 0.01, 1.3, 1.7, False)
    for ours in values:
        for reported in values:
            loan = LendingAccount("aave", (), reported)
            for tolerance in (0.0, 0.01, math.nan):
                agree = (math.isinf(ours) and math.isinf(reported)) or (
                    math.isfinite(reported) and relative_difference(ours, reported) <= tolerance
                )
                expected = ours >= -math.inf and reported >= -math.inf and agree
                found = quiet(loan, ours, steering, -math.inf, tolerance)
                assert found == expected, (ours, reported, tolerance)


def test_an_account_told_quiet_is_one_plan_lending_leaves_alone() -> None:
    # decide skips plan_lending for the accounts ``quiet`` names: each of them must get
    # the empty plan from it, whatever its health, reported figure, steering and tolerance.
    told = []
    for debt in (0.0, 5_000.0, 12_680.0, 12_720.0, 13_750.0):  # HF inf, 3.3, 1.301, 1.297, 1.2
        for shift in (None, 0.0, 0.004, -0.004, 0.03, math.inf, math.nan):
            made = account(COLLATERAL, usdc(debt=debt, wallet=1_000.0))
            reported = None if shift is None else made.health_factor + shift
            if shift is not None and math.isinf(made.health_factor):
                reported = 2.0 if math.isinf(shift) else made.health_factor
            loan = account(COLLATERAL, usdc(debt=debt, wallet=1_000.0), reported=reported)
            for acting in (False, True):
                for tolerance in (0.0, 0.01):
                    steering = Steering("aave", "lending", 1.0, 0.6, -0.3, 0.01, 1.3, 1.7, acting)
                    parameters = PolicyParameters(health_model_tolerance=tolerance)
                    ours = health_factor(loan)
                    found = quiet(loan, ours, steering, HEALTH.lending_trigger, tolerance)
                    told.append(found)
                    plan = plan_lending(loan, HEALTH, parameters, NOW, steering, ours)
                    assert not found or plan == Plan(), (debt, shift, acting, tolerance)
                    doubted = replace(loan, market_priced=("ETH: oracle_stale",))
                    assert not quiet(doubted, ours, steering, HEALTH.lending_trigger, tolerance)
    assert True in told
    assert False in told
    assert told.count(True) >= 8
