"""Margin repairs: equity / maintenance restored to the target, computed by hand."""

from __future__ import annotations

import pytest

from agent.config.models import HealthSettings
from agent.intents import Action
from agent.policy.alerts import AlertCode
from agent.policy.inputs import MarginAccount, MarginPosition
from agent.policy.margin import DeltaView, plan_margin
from tests.unit.policy.builders import NOW, PARAMETERS, eth_risk, instrument

HEALTH = HealthSettings()  # margin trigger 1.5, target 2.0

# 10 ETH long at 2,000 with 5 % maintenance: M = 1,000 USD. Equity 1,200: ratio 1.2.
# Target 2.0: gap G = 2 * 1,000 - 1,200 = 800 USD.
LONG = MarginPosition(instrument("gmx"), 10.0, 2_000.0, 0.05, 0.0005)


def margin(**fields: object) -> MarginAccount:
    defaults: dict[str, object] = {
        "venue": "gmx",
        "equity_usd": 1_200.0,
        "maintenance_margin_usd": 1_000.0,
        "positions": (LONG,),
    }
    return MarginAccount(**{**defaults, **fields})  # type: ignore[arg-type]


def view(delta: float) -> DeltaView:
    return DeltaView({"ETH": eth_risk(delta)}, {"ETH": 0.0}, {("gmx", "ETH"): 10.0})


def ratio_after(account: MarginAccount, actions: list[tuple[Action, float]]) -> float:
    equity, maintenance = account.equity_usd, account.maintenance_margin_usd
    for action, quantity in actions:
        if action is Action.SUPPLY:
            equity += quantity * account.collateral_price_usd
        else:
            equity -= quantity * LONG.mark_price_usd * LONG.taker_fee_rate
            maintenance -= quantity * LONG.mark_price_usd * LONG.maintenance_rate
    return equity / maintenance


@pytest.mark.parametrize(
    ("name", "account", "expected"),
    [
        # 800 USDC moved in: (1,200 + 800) / 1,000 = 2.
        ("collateral", margin(collateral_available=5_000.0), [(Action.SUPPLY, 800.0)]),
        # Reduce r: the gap falls by r * 2,000 * (2 * 0.05 - 0.0005) = 199 r: r = 800 / 199.
        ("reduce", margin(), [(Action.SELL, 800 / 199)]),
        # 300 USDC, then (800 - 300) / 199 ETH.
        (
            "collateral then reduce",
            margin(collateral_available=300.0),
            [(Action.SUPPLY, 300.0), (Action.SELL, 500 / 199)],
        ),
    ],
)
def test_restores_exactly_the_margin_target(
    name: str, account: MarginAccount, expected: list[tuple[Action, float]]
) -> None:
    plan = plan_margin(account, HEALTH, PARAMETERS, view(5.0), NOW)
    got = [(i.action, i.quantity) for i in plan.intents]
    assert got == [(a, pytest.approx(q, rel=1e-12)) for a, q in expected], name
    assert ratio_after(account, got) == pytest.approx(2.0, rel=1e-12)
    assert plan.alerts == ()
    assert all(i.urgent and i.risk_reducing for i in plan.intents)


def test_the_reduction_is_a_bounded_order_on_the_position_itself() -> None:
    (intent,) = plan_margin(margin(), HEALTH, PARAMETERS, view(5.0), NOW).intents
    assert intent.instrument == LONG.instrument
    assert intent.asset == "ETH"
    assert intent.reference_price == 2_000.0
    # Mark 2,000 less the 0.2 % bound; the 1 % cap from the reference is further away.
    assert intent.limit_price == pytest.approx(1_996.0)


@pytest.mark.parametrize(("ratio", "acts"), [(1.6, False), (1.5, False), (1.4999, True)])
def test_acts_only_under_the_trigger(ratio: float, acts: bool) -> None:
    account = margin(equity_usd=1_000.0 * ratio)
    assert bool(plan_margin(account, HEALTH, PARAMETERS, view(5.0), NOW).intents) is acts


def test_prefers_the_reduction_that_moves_delta_toward_its_target() -> None:
    # Long and short ETH on one account; the book is long (delta +5): cut the long,
    # though the short is cheaper to cut (no fee).
    short = MarginPosition(instrument("gmx", "ETH-PERP-2"), -10.0, 2_000.0, 0.05, 0.0)
    account = margin(maintenance_margin_usd=2_000.0, equity_usd=2_400.0, positions=(LONG, short))
    (intent,) = plan_margin(account, HEALTH, PARAMETERS, view(5.0), NOW).intents
    assert (intent.action, intent.instrument) == (Action.SELL, LONG.instrument)
    (intent,) = plan_margin(account, HEALTH, PARAMETERS, view(-5.0), NOW).intents
    assert (intent.action, intent.instrument) == (Action.BUY, short.instrument)


def test_not_enough_alerts_with_the_shortfall() -> None:
    # Only 2 ETH to cut: the gap falls by 2 * 199 = 398 of 800; 402 USD short.
    small = MarginPosition(instrument("gmx"), 2.0, 2_000.0, 0.05, 0.0005)
    plan = plan_margin(margin(positions=(small,)), HEALTH, PARAMETERS, view(5.0), NOW)
    assert [(i.action, i.quantity) for i in plan.intents] == [(Action.SELL, 2.0)]
    (alert,) = plan.alerts
    assert alert.code is AlertCode.HEALTH_UNRESTORED
    assert alert.values["shortfall_usd"] == pytest.approx(402.0)


def test_a_position_without_a_reference_price_is_not_traded() -> None:
    empty = DeltaView({}, {}, {})
    plan = plan_margin(margin(), HEALTH, PARAMETERS, empty, NOW)
    assert plan.intents == ()
    assert [a.code for a in plan.alerts] == [AlertCode.HEALTH_UNRESTORED]


def test_never_cuts_both_legs_of_one_underlying() -> None:
    # A long and a short of 2 ETH each: cutting both would close 796 of the 800 gap
    # (and fight); only the long (toward the book's target) is cut.
    long = MarginPosition(instrument("gmx"), 2.0, 2_000.0, 0.05, 0.0005)
    short = MarginPosition(instrument("gmx", "ETH-PERP-2"), -2.0, 2_000.0, 0.05, 0.0005)
    account = margin(positions=(long, short))
    plan = plan_margin(account, HEALTH, PARAMETERS, view(5.0), NOW)
    assert [(i.action, i.quantity) for i in plan.intents] == [(Action.SELL, 2.0)]
    assert [a.code for a in plan.alerts] == [AlertCode.HEALTH_UNRESTORED]
