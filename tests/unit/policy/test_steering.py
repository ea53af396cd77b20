"""Vol-aware health: liquidation probability within the horizon, and the trigger and
target health it steers to, checked against a first-passage formula written here."""

from __future__ import annotations

import math
import pickle
from dataclasses import astuple, fields, replace

import pytest

from agent.config.models import HealthSettings
from agent.intents import Action
from agent.model import Instrument, Kind
from agent.policy.decide import decide, steerings
from agent.policy.health import Step, apply, health_factor, plan_lending, repairs
from agent.policy.inputs import LendingAccount, MarginAccount, MarginPosition, PolicyInput
from agent.policy.margin import DeltaView, plan_margin
from agent.policy.steering import (
    ProbabilityModel,
    Steering,
    lending_exposure,
    margin_exposure,
    steer,
)
from tests.unit.policy.builders import NOW, PARAMETERS, eth_risk, settings, usdc, weth

HOUR = 1.0 / (365 * 24)
HEALTH = HealthSettings()  # 1 h, ceiling 0.1 %, target 0.01 %, floors 1.3 / 1.6, 3 sigma
PROBABILITY = HealthSettings(projection_sigmas=0.0)  # the probability rule alone


def down_passage(log_distance: float, vol: float, years: float) -> float:
    """P(min ln(S_t/S_0) <= -L before T), zero-drift GBM: log drift nu = -vol**2 / 2
    (Shreve, Stochastic Calculus for Finance II, 7.2.1, reflected for a lower barrier)."""
    nu, s = -0.5 * vol * vol, vol * math.sqrt(years)

    def phi(x: float) -> float:
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    return phi((-log_distance - nu * years) / s) + math.exp(
        -2.0 * nu * log_distance / vol**2
    ) * phi((-log_distance + nu * years) / s)


def loan(health: float, **fields: float) -> LendingAccount:
    """10 WETH (LT 0.825, 16,500 USD weighted) against USDC debt for ``health``."""
    collateral = weth(supplied=10.0, underlying="ETH", **fields)
    debt = usdc(debt=16_500.0 / health, wallet=50_000.0)
    return LendingAccount("aave", (collateral, debt), health)


def test_lending_probability_is_the_first_passage_to_the_liquidation_price() -> None:
    account = loan(1.5)
    exposure = lending_exposure(account, {"ETH": 0.9})
    assert exposure.liquidation_move() == pytest.approx(1 / 1.5 - 1, rel=1e-12)
    steering = steer("aave", exposure, 0.9, HEALTH, ProbabilityModel(HEALTH))
    expected = down_passage(math.log(1.5), 0.9, HOUR)
    assert steering.probability == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_calm_market_keeps_the_static_trigger_and_target_out_of_a_three_sigma_hour() -> None:
    # At 65 % vol an hour's sigma is 0.69 %: the probability binds nowhere near 1.3 / 1.6;
    # the projection lifts them by a 3-sigma hour, e^(3 * 0.65 * sqrt(1 h)).
    steering = steer(
        "aave", lending_exposure(loan(1.4), {"ETH": 0.65}), 0.65, HEALTH, ProbabilityModel(HEALTH)
    )
    lift = math.exp(3 * 0.65 * math.sqrt(HOUR))
    assert steering.trigger == pytest.approx(1.3 * lift, rel=1e-12)
    assert steering.target == pytest.approx(1.6 * lift, rel=1e-12)
    assert (steering.acting, steering.cause) == (False, "")
    assert steering.projected_health == pytest.approx(1.4 / lift, rel=1e-12)
    assert steering.probability < 1e-100
    unprojected = steer(
        "aave", lending_exposure(loan(1.4), {"ETH": 0.65}), 0.65,
        replace_settings(projection_sigmas=0.0), ProbabilityModel(HEALTH),
    )  # fmt: skip
    assert (unprojected.trigger, unprojected.target, unprojected.projected_health) == (
        1.3, 1.6, None,
    )  # fmt: skip


def test_storm_acts_above_the_static_trigger_and_restores_to_the_target_probability() -> None:
    vol = 20.0  # 2,000 %: a flash crash's realized vol
    account = loan(1.5)
    model = ProbabilityModel(PROBABILITY)
    steering = steer("aave", lending_exposure(account, {"ETH": vol}), vol, PROBABILITY, model)
    assert steering.probability > PROBABILITY.max_liquidation_probability
    assert steering.acting
    assert steering.trigger > 1.5
    assert steering.target > steering.trigger
    # At the trigger the probability is the ceiling, at the target the lower target.
    for level, probability in (
        (steering.trigger, PROBABILITY.max_liquidation_probability),
        (steering.target, PROBABILITY.target_liquidation_probability),
    ):
        assert down_passage(math.log(level), vol, HOUR) == pytest.approx(probability, rel=1e-6)
    plan = plan_lending(account, PROBABILITY, PARAMETERS, NOW, steering)
    assert [i.action for i in plan.intents] == [Action.REPAY]
    assert "liquidation probability" in plan.intents[0].reason
    repaired = account
    for intent in plan.intents:
        match = [r for r in repairs(repaired, steering.target, 0.0) if r.action is Action.REPAY]
        repaired = apply(repaired, Step(match[0], intent.quantity))
    assert health_factor(repaired) == pytest.approx(steering.target, rel=1e-9)
    after = steer("aave", lending_exposure(repaired, {"ETH": vol}), vol, PROBABILITY, model)
    assert after.probability == pytest.approx(PROBABILITY.target_liquidation_probability, rel=1e-6)
    assert not after.acting


def test_target_is_capped_and_static_policy_ignores_vol() -> None:
    vol = 400.0
    model = ProbabilityModel(HEALTH)
    steering = steer("aave", lending_exposure(loan(1.5), {"ETH": vol}), vol, HEALTH, model)
    assert steering.target == HEALTH.max_lending_target
    static = replace_settings(vol_aware=False)
    plain = steer("aave", lending_exposure(loan(1.5), {"ETH": vol}), vol, static, model)
    assert (plain.trigger, plain.target, plain.acting) == (1.3, 1.6, False)
    assert plain.probability == steering.probability  # still measured and shown


def replace_settings(**fields: object) -> HealthSettings:
    return HealthSettings(**{**HEALTH.model_dump(), **fields})


def test_short_perp_margin_target_puts_the_liquidation_at_the_target_probability() -> None:
    # A 10 ETH short at 2,000 with 1 % maintenance: M = 200, equity 1,000 (ratio 5).
    perp = Instrument("gmx", "ETH/USD", "ETH", Kind.PERP)
    position = MarginPosition(perp, -10.0, 2000.0, 0.01)
    account = MarginAccount(
        "gmx", 1_000.0, 200.0, (position,), collateral_available=1e6, account="ETH/USD"
    )
    vol = 1.5
    model = ProbabilityModel(PROBABILITY)
    exposure = margin_exposure(account, {"ETH": vol})
    # Liquidated when 1,000 - 20,000 s = 200 (1 + s): s = 800 / 20,200.
    assert exposure.liquidation_move() == pytest.approx(800 / 20_200, rel=1e-12)
    steering = steer(account.name, exposure, vol, PROBABILITY, model)
    assert steering.acting
    assert steering.target > 5.0
    view = DeltaView({"ETH": eth_risk(0.0)}, {"ETH": 0.0}, {})
    plan = plan_margin(account, PROBABILITY, PARAMETERS, view, NOW, steering)
    (top_up,) = plan.intents
    assert top_up.action is Action.SUPPLY
    topped = replace(account, equity_usd=account.equity_usd + top_up.quantity)
    after = steer(account.name, margin_exposure(topped, {"ETH": vol}), vol, PROBABILITY, model)
    assert after.health == pytest.approx(steering.target, rel=1e-9)
    assert after.probability == pytest.approx(PROBABILITY.target_liquidation_probability, rel=1e-3)


def test_decide_reports_every_accounts_steering_and_acts_on_the_vol() -> None:
    stormy = eth_risk(0.0, vol=20.0)
    policy_input = PolicyInput(now=NOW, underlyings=(stormy,), lending=(loan(1.5),))
    decision = decide(policy_input, settings())
    (steering,) = decision.steering
    assert steering == steerings(policy_input, settings())[0]
    assert steering.account == "aave"
    assert steering.kind == "lending"
    assert [i.action for i in decision.intents] == [Action.REPAY]
    calm = replace(policy_input, underlyings=(eth_risk(0.0, vol=0.65),))
    assert decide(calm, settings()).intents == ()


def test_jump_diffusion_variant_is_seeded_and_at_least_the_diffusion() -> None:
    jumps = replace_settings(probability_model="jump_diffusion")
    exposure = lending_exposure(loan(1.1), {"ETH": 3.0})
    first = steer("aave", exposure, 3.0, jumps, ProbabilityModel(jumps))
    again = steer("aave", exposure, 3.0, jumps, ProbabilityModel(jumps))
    assert first == again
    diffusion = steer("aave", exposure, 3.0, HEALTH, ProbabilityModel(HEALTH))
    # Jumps down (mean -5 %) only add paths that touch; Monte Carlo error ~0.1 %.
    assert first.probability >= diffusion.probability - 3e-3
    assert first.target >= HEALTH.lending_target


def test_over_the_ceiling_at_the_capped_target_there_is_nothing_to_do() -> None:
    # A 2x GMX short (ratio 50) in a 2,000 % storm: 6 % likely to be liquidated within the
    # hour, but the target is capped at 20, which it already exceeds.
    perp = Instrument("gmx", "ETH/USD", "ETH", Kind.PERP)
    account = MarginAccount(
        "gmx", 15_000.0, 300.0, (MarginPosition(perp, -10.0, 3000.0, 0.01),), account="ETH/USD"
    )
    exposure = margin_exposure(account, {"ETH": 20.0})
    steering = steer(account.name, exposure, 20.0, HEALTH, ProbabilityModel(HEALTH))
    assert steering.probability > HEALTH.max_liquidation_probability
    assert steering.target == HEALTH.max_margin_target
    assert not steering.acting
    view = DeltaView({"ETH": eth_risk(0.0)}, {"ETH": 0.0}, {})
    forced = replace(steering, acting=True)
    assert plan_margin(account, HEALTH, PARAMETERS, view, NOW, forced).intents == ()


def test_a_steady_selloff_is_met_before_the_static_trigger_by_the_projection() -> None:
    # A selloff's realized vol (300 %, a trend counted as variance): at health 1.35 the
    # hour's liquidation probability is tiny, but a 3-sigma hour, e^-(3 * 3 * sqrt(1 h)),
    # takes the health under 1.3.
    vol, account = 3.0, loan(1.35)
    model = ProbabilityModel(HEALTH)
    steering = steer("aave", lending_exposure(account, {"ETH": vol}), vol, HEALTH, model)
    fall = math.exp(-3 * vol * math.sqrt(HOUR))
    assert steering.probability < HEALTH.max_liquidation_probability
    assert steering.projected_health == pytest.approx(1.35 * fall, rel=1e-12)
    assert (steering.acting, steering.cause) == (True, "projection")
    assert steering.trigger == pytest.approx(1.3 / fall, rel=1e-12)
    assert steering.target == pytest.approx(1.6 / fall, rel=1e-12)
    plan = plan_lending(account, HEALTH, PARAMETERS, NOW, steering)
    (repay,) = plan.intents
    assert repay.reason.startswith("projected health 1.2")
    assert "3-sigma move within 3600s under 1.3 (health factor 1.3500, vol 300%)" in repay.reason
    match = [r for r in repairs(account, steering.target, 0.0) if r.action is Action.REPAY]
    repaired = apply(account, Step(match[0], repay.quantity))
    after = steer("aave", lending_exposure(repaired, {"ETH": vol}), vol, HEALTH, model)
    assert after.projected_health == pytest.approx(1.6, rel=1e-9)  # the static target
    assert not after.acting
    unprojected = replace_settings(projection_sigmas=0.0)
    exposure = lending_exposure(account, {"ETH": vol})
    assert not steer("aave", exposure, vol, unprojected, model).acting


def test_a_margin_account_is_topped_up_until_its_projection_is_the_static_target() -> None:
    # 10 ETH long at 2,000, 1 % maintenance (M = 200), equity 680: ratio 3.4. At 65 % vol
    # its liquidation (-2.4 %) is under 0.1 % likely within the hour, but a 3-sigma hour
    # (-2.1 %) loses 414 USD and leaves it under the 1.5 trigger.
    perp = Instrument("gmx", "ETH/USD", "ETH", Kind.PERP)
    account = MarginAccount(
        "gmx", 680.0, 200.0, (MarginPosition(perp, 10.0, 2000.0, 0.01),),
        collateral_available=1e6, account="ETH/USD",
    )  # fmt: skip
    vol, model = 0.65, ProbabilityModel(HEALTH)
    exposure = margin_exposure(account, {"ETH": vol})
    steering = steer(account.name, exposure, vol, HEALTH, model)
    assert steering.probability < HEALTH.max_liquidation_probability
    move = math.expm1(-3 * vol * math.sqrt(HOUR))
    expected = (680.0 + 20_000.0 * move) / (200.0 * (1 + move))
    assert steering.projected_health == pytest.approx(expected, rel=1e-12)
    assert (steering.acting, steering.cause) == (True, "projection")
    view = DeltaView({"ETH": eth_risk(0.0)}, {"ETH": 0.0}, {})
    (top_up,) = plan_margin(account, HEALTH, PARAMETERS, view, NOW, steering).intents
    assert top_up.reason.startswith("projected health")
    topped = replace(account, equity_usd=account.equity_usd + top_up.quantity)
    after = steer(account.name, margin_exposure(topped, {"ETH": vol}), vol, HEALTH, model)
    assert after.projected_health == pytest.approx(HEALTH.margin_target, rel=1e-9)
    assert not after.acting


@pytest.mark.parametrize("sigmas", [-1.0, 10.5])
def test_projection_sigmas_out_of_range_is_refused(sigmas: float) -> None:
    with pytest.raises(ValueError, match="projection_sigmas"):
        replace_settings(projection_sigmas=sigmas)


def test_moves_shared_by_a_ticks_accounts_steer_as_computed_alone() -> None:
    # One model serves the tick: the moves it keeps per vol and direction (and
    # settings) must steer each account as a model of its own would, for falls and
    # rises, different vols, with and without the projection, and a stricter ceiling.
    shorted = MarginAccount(
        "hyperliquid", 5_000.0, 400.0,
        (MarginPosition(Instrument("hyperliquid", "ETH", "ETH", Kind.PERP), -5.0, 2000.0, 0.04),),
    )  # fmt: skip
    cases = [
        (lending_exposure(loan(health), {"ETH": vol}), vol, rules)
        for health in (1.35, 1.7, 2.5)
        for vol in (0.4, 0.9)
        for rules in (HEALTH, PROBABILITY, HealthSettings(max_liquidation_probability=0.01))
    ] + [(margin_exposure(shorted, {"ETH": 0.9}), 0.9, HEALTH)]
    assert any((e.liquidation_move() or 0.0) > 0 for e, _, _ in cases)  # a rise liquidates
    shared = ProbabilityModel(HEALTH)
    for exposure, vol, rules in cases:
        alone = steer("x", exposure, vol, rules, ProbabilityModel(rules))
        assert steer("x", exposure, vol, rules, shared) == alone
        assert (alone.projected_health is None) == (rules.projection_sigmas == 0)


def test_a_steering_filled_as_a_draft_is_the_one_its_class_makes() -> None:
    # steer fills a draft (agent.slots.draft_class): every field laid, the same record.
    for exposure in (lending_exposure(loan(1.2), {"ETH": 0.9}), lending_exposure(loan(3.0), {})):
        found = steer("aave", exposure, 0.9, HEALTH, ProbabilityModel(HEALTH), ("ETH: stale",))
        made = Steering(*(getattr(found, f.name) for f in fields(Steering)))
        assert type(found) is Steering
        assert found == made
        assert astuple(found) == astuple(made)
        assert pickle.dumps(found) == pickle.dumps(made)
        with pytest.raises(AttributeError):
            found.health = 2.0  # type: ignore[misc]  # frozen, as ever
