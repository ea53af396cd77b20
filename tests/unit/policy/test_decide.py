"""decide: health first, then band hedges, then interval rebalances; deterministic ids;
no intents that fight; claims and prices the guard accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from agent.config.models import BandSettings
from agent.execution.limits import ExposureCap, GasCaps, GuardLimits
from agent.execution.proposal import GuardContext, Proposal, ReasonCode
from agent.execution.rules import evaluate
from agent.intents import Action, KillState
from agent.model import Instrument, Kind
from agent.policy import (
    AlertCode,
    HedgeRoute,
    LendingAccount,
    MarginAccount,
    MarginPosition,
    PolicyInput,
    PolicySettings,
    PolicyState,
    UnderlyingRisk,
    decide,
)
from agent.policy.plan import signed_trade
from tests.unit.policy.builders import NOW, eth_risk, instrument, route, rules, usdc, weth

# Aave at HF 1.2: 16,500 / 13,750; repaying 3,437.5 USDC restores 1.6.
AAVE = LendingAccount(
    venue="aave",
    assets=(weth(supplied=10.0), usdc(debt=13_750.0, wallet=5_000.0)),
    health_factor=1.2,
)
# GMX at margin ratio 1.4: 10 ETH long, M = 1,000, E = 1,400; target 2 needs a 600 USD
# gap closed at 199 USD per coin cut: sell 600 / 199 = 3.015 ETH.
GMX_LONG = MarginPosition(instrument("gmx"), 10.0, 2_000.0, 0.05, 0.0005)
GMX = MarginAccount(
    venue="gmx", equity_usd=1_400.0, maintenance_margin_usd=1_000.0, positions=(GMX_LONG,)
)
ROUTES = (route("gmx"), route("hyperliquid", taker_fee_rate=0.0003))
SETTINGS = PolicySettings(underlyings={"ETH": rules()})


def tick(**fields: object) -> PolicyInput:
    defaults: dict[str, object] = {
        "now": NOW,
        "underlyings": (eth_risk(5.0),),
        "lending": (AAVE,),
        "margin": (GMX,),
        "routes": ROUTES,
        "state": PolicyState({"ETH": NOW - timedelta(seconds=60)}),
    }
    return PolicyInput(**{**defaults, **fields})  # type: ignore[arg-type]


def test_health_first_nearest_liquidation_first_then_the_hedge() -> None:
    decision = decide(tick(), SETTINGS)
    got = [(i.venue, i.action, i.asset, i.quantity) for i in decision.intents]
    # After the GMX cut the delta is 5 - 3.015 = 1.985, outside +-1: sell it all, on
    # Hyperliquid (GMX's margin is strained this tick, so it takes no hedge).
    assert got == [
        ("aave", Action.REPAY, "USDC", pytest.approx(3_437.5)),
        ("gmx", Action.SELL, "ETH", pytest.approx(600 / 199)),
        ("hyperliquid", Action.SELL, "ETH", pytest.approx(5 - 600 / 199)),
    ]
    assert [i.sequence for i in decision.intents] == [0, 1, 2]
    assert {i.created_at for i in decision.intents} == {NOW}
    assert [i.urgent for i in decision.intents] == [True, True, False]
    assert decision.hedged == ("ETH",)


def test_same_input_same_intents_and_ids() -> None:
    first, second = decide(tick(), SETTINGS), decide(tick(), SETTINGS)
    assert first == second
    assert [i.intent_id for i in first.intents] == [i.intent_id for i in second.intents]
    assert len({i.intent_id for i in first.intents}) == len(first.intents)
    later = decide(tick(now=NOW + timedelta(seconds=10)), SETTINGS)
    assert not {i.intent_id for i in later.intents} & {i.intent_id for i in first.intents}


def test_a_hedge_against_a_health_trade_waits_for_the_next_tick() -> None:
    # The book is short 5; the only way to save GMX's margin is to cut its long, which
    # sells 3.015 more. The hedge (a buy) waits: no buy and sell of ETH in one tick.
    decision = decide(tick(underlyings=(eth_risk(-5.0),), lending=()), SETTINGS)
    assert [(i.venue, i.action) for i in decision.intents] == [("gmx", Action.SELL)]
    assert AlertCode.HEDGE_DEFERRED in [a.code for a in decision.alerts]
    assert decision.hedged == ()


def test_a_healthy_book_inside_its_band_does_nothing() -> None:
    healthy = replace(AAVE, assets=(weth(supplied=10.0), usdc(debt=5_000.0)), health_factor=3.3)
    margin = replace(GMX, equity_usd=3_000.0)
    decision = decide(
        tick(underlyings=(eth_risk(0.5),), lending=(healthy,), margin=(margin,)), SETTINGS
    )
    assert decision.intents == ()
    assert decision.alerts == ()


BTC_PERP = Instrument(venue="hyperliquid", symbol="BTC-PERP", underlying="BTC", kind=Kind.PERP)


def btc_route() -> HedgeRoute:
    return replace(route("hyperliquid"), instrument=BTC_PERP, bid_usd=59_990.0, ask_usd=60_010.0)


def test_band_breaches_widest_first_then_interval_rebalances() -> None:
    two = PolicySettings(
        underlyings={
            "ETH": rules(),
            "BTC": rules(band=BandSettings(half_width_coin=0.1), hedge_venues=["hyperliquid"]),
            "SOL": rules(hedge_venues=["hyperliquid"]),
        }
    )
    sol = Instrument(venue="hyperliquid", symbol="SOL-PERP", underlying="SOL", kind=Kind.PERP)
    sol_route = replace(route("hyperliquid"), instrument=sol, bid_usd=99.99, ask_usd=100.01)
    decision = decide(
        tick(
            lending=(),
            margin=(),
            underlyings=(
                eth_risk(1.5),  # 1.5 x its band
                UnderlyingRisk("BTC", 60_000.0, -0.3),  # 3 x its band
                UnderlyingRisk("SOL", 100.0, 0.4),  # inside, but never hedged
            ),
            routes=(*ROUTES, btc_route(), sol_route),
            state=PolicyState({"ETH": NOW, "BTC": NOW}),
        ),
        two,
    )
    assert [(i.asset, i.action) for i in decision.intents] == [
        ("BTC", Action.BUY),
        ("ETH", Action.SELL),
        ("SOL", Action.SELL),
    ]
    assert [i.sequence for i in decision.intents] == [0, 1, 2]
    assert decision.hedged == ("BTC", "ETH", "SOL")


def test_hedge_slices_are_numbered_after_the_health_intents() -> None:
    # The hedge's slices come numbered where decide puts them, after the two health
    # intents (decide keeps an intent already numbered where it stands).
    sliced = PolicySettings(underlyings={"ETH": rules(max_slice_coin=0.5)})
    decision = decide(tick(), sliced)
    assert [i.sequence for i in decision.intents] == list(range(6))
    hedges = decision.intents[2:]
    assert [i.reason.rsplit(" ", 1)[1] for i in hedges] == ["1/4", "2/4", "3/4", "4/4"]
    assert sum(i.quantity for i in hedges) == pytest.approx(5 - 600 / 199)


def test_an_underlying_without_risk_figures_is_reported() -> None:
    both = PolicySettings(underlyings={"ETH": rules(), "BTC": rules()})
    decision = decide(tick(), both)
    (alert,) = [a for a in decision.alerts if a.code is AlertCode.MISSING_RISK]
    assert alert.subject == "BTC"
    assert decision.alerts[0].severity.rank >= decision.alerts[-1].severity.rank


def test_alerts_from_every_policy_most_severe_first() -> None:
    limits = replace(
        SETTINGS, alerts=SETTINGS.alerts.model_copy(update={"max_abs_gamma": {"ETH": 0.1}})
    )
    poor = replace(AAVE, assets=(weth(supplied=10.0), usdc(debt=13_750.0)))  # no wallet
    decision = decide(
        tick(lending=(poor,), underlyings=(eth_risk(0.0, gamma=0.2),), margin=()), limits
    )
    assert [a.code for a in decision.alerts] == [AlertCode.HEALTH_UNRESTORED, AlertCode.GAMMA_LIMIT]


# --- the guard agrees ---------------------------------------------------------------

GWEI = 10**9
GUARD = GuardLimits(
    max_notional_per_action_usd=1e12,
    max_notional_per_hour_usd=1e12,
    venue_caps={
        v: ExposureCap(max_usd=1e12, max_fraction_of_book=1.0)
        for v in ("aave", "gmx", "hyperliquid")
    },
    max_slippage=0.01,
    max_reference_deviation=0.02,
    gas=GasCaps(max_fee_per_gas_wei=GWEI, max_priority_fee_per_gas_wei=0),
    emergency_gas=GasCaps(max_fee_per_gas_wei=GWEI, max_priority_fee_per_gas_wei=0),
    max_input_age_s=30.0,
    max_intent_age_s=10.0,
)
POLICY_FAULTS = {
    ReasonCode.INVALID_INTENT,
    ReasonCode.RISK_CLAIM_MISMATCH,
    ReasonCode.MISSING_REFERENCE_PRICE,
    ReasonCode.NO_PRICE_BOUND,
    ReasonCode.SLIPPAGE,
    ReasonCode.REFERENCE_DEVIATION,
    ReasonCode.KILL_SWITCH,
}


@settings(max_examples=150, deadline=None)
@given(
    delta=st.floats(-30.0, 30.0),
    target=st.floats(-5.0, 5.0),
    gmx_position=st.floats(-20.0, 20.0),
    hyperliquid_position=st.floats(-20.0, 20.0),
    equity=st.floats(500.0, 20_000.0),
    hedge_to=st.sampled_from(["edge", "target"]),
    hyperliquid_fee=st.sampled_from([0.0, 0.0003]),
)
def test_the_guard_accepts_every_claim_and_price(
    delta: float,
    target: float,
    gmx_position: float,
    hyperliquid_position: float,
    equity: float,
    hedge_to: str,
    hyperliquid_fee: float,
) -> None:
    """Every intent passes the guard's checks of the policy's work (validity, prices,
    the risk claim: those claimed risk-reducing pass in REDUCE_ONLY); and no tick both
    buys and sells an underlying."""
    position = replace(GMX_LONG, quantity=gmx_position or 1.0)
    maintenance = abs(position.quantity) * 2_000 * 0.05
    margin = replace(
        GMX, positions=(position,), equity_usd=equity, maintenance_margin_usd=maintenance
    )
    routes = (
        replace(
            ROUTES[0],
            venue_position_coin=position.quantity,
            position_coin=position.quantity,
            taker_fee_rate=0.0002,
        ),
        replace(
            ROUTES[1],
            venue_position_coin=hyperliquid_position,
            position_coin=hyperliquid_position,
            taker_fee_rate=hyperliquid_fee,
        ),
    )
    rule = rules(delta_target_coin=target, hedge_to=hedge_to, max_slice_coin=3.0)
    decision = decide(
        tick(underlyings=(eth_risk(delta),), margin=(margin,), routes=routes),
        PolicySettings(underlyings={"ETH": rule}),
    )
    context = GuardContext(
        now=NOW,
        kill_state=KillState.REDUCE_ONLY,
        book_value_usd=1e9,
        inputs_observed_at=NOW,
        reference_prices={"ETH": 2_000.0, "USDC": 1.0, "WETH": 2_000.0},
        positions={("gmx", "ETH"): position.quantity, ("hyperliquid", "ETH"): hyperliquid_position},
        net_delta={"ETH": delta},
    )
    for intent in decision.intents:
        state = KillState.REDUCE_ONLY if intent.risk_reducing else KillState.ACTIVE
        event(f"{intent.venue} {intent.action.value} claimed={intent.risk_reducing}")
        _, rejections = evaluate(Proposal(intent), replace(context, kill_state=state), GUARD)
        assert not {r.code for r in rejections} & POLICY_FAULTS, (intent, rejections)
    directions = {signed_trade(i) > 0 for i in decision.intents if signed_trade(i) != 0}
    assert len(directions) <= 1


def test_a_venues_room_goes_to_the_widest_breach_first() -> None:
    # Hyperliquid can take 8,000 USD more. BTC is 3.3 bands out (buy 0.1 BTC, 6,000
    # USD), ETH 1.5 bands out (sell 1.5 ETH, 3,000 USD): BTC gets the room, ETH none.
    both = PolicySettings(
        underlyings={
            "ETH": rules(hedge_venues=["hyperliquid"]),
            "BTC": rules(band=BandSettings(half_width_coin=0.03), hedge_venues=["hyperliquid"]),
        }
    )
    eth_route = replace(ROUTES[1], room_usd=8_000.0)
    btc = replace(btc_route(), room_usd=8_000.0)
    decision = decide(
        tick(
            lending=(),
            margin=(),
            underlyings=(eth_risk(1.5), UnderlyingRisk("BTC", 60_000.0, -0.1)),
            routes=(eth_route, btc),
        ),
        both,
    )
    assert [(i.asset, i.action, i.quantity) for i in decision.intents] == [
        ("BTC", Action.BUY, pytest.approx(0.1))
    ]
    assert [(a.code, a.subject) for a in decision.alerts] == [(AlertCode.NO_HEDGE_ROUTE, "ETH")]


def test_two_accounts_saved_in_opposite_directions_block_hedges_both_ways() -> None:
    # GMX cuts its long (sells 3.015), Hyperliquid cuts its short (buys 3.015): each
    # saves its own account. The book's delta (+5, outside its band) waits.
    short = MarginPosition(instrument("hyperliquid"), -10.0, 2_000.0, 0.05, 0.0005)
    other = replace(GMX, venue="hyperliquid", positions=(short,))
    decision = decide(tick(lending=(), margin=(GMX, other)), SETTINGS)
    assert [(i.venue, i.action) for i in decision.intents] == [
        ("gmx", Action.SELL),
        ("hyperliquid", Action.BUY),
    ]
    assert AlertCode.HEDGE_DEFERRED in [a.code for a in decision.alerts]


def test_every_configured_underlying_reports_its_band_inside_or_out() -> None:
    fixed = PolicySettings(underlyings={"ETH": rules(band=BandSettings(half_width_coin=2.5))})
    inside = decide(tick(underlyings=(eth_risk(1.0),), lending=(), margin=()), fixed)
    assert inside.intents == ()
    assert inside.band_half_widths == {"ETH": 2.5}
    wide = BandSettings(mode="whalley_wilmott", half_width_coin=0.5, risk_aversion_per_usd=1e-4)
    gamma_book = (eth_risk(8.0, gamma=0.05),)
    outside = decide(
        tick(underlyings=gamma_book, lending=(), margin=()),
        PolicySettings(underlyings={"ETH": rules(band=wide)}),
    )
    assert outside.intents, "8 coins off target is outside any band here"
    assert outside.band_half_widths["ETH"] > 0.5  # Whalley-Wilmott widened it
