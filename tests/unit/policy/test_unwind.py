"""FLATTEN's unwind: every perp and future closed in full, reduce-only in effect,
least healthy account first, largest position first, sliced; options untouched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.intents import Action
from agent.model import Instrument, Kind, OptionType
from agent.policy.inputs import MarginAccount, MarginPosition, PolicyInput
from agent.policy.unwind import unwind_intents
from tests.unit.policy.builders import NOW, PARAMETERS, eth_risk, instrument, settings

MARCH = datetime(2026, 3, 27, 8, tzinfo=UTC)
CALL = Instrument(
    venue="deribit", symbol="ETH-27MAR26-2500-C", underlying="ETH", kind=Kind.OPTION,
    option_type=OptionType.CALL, strike=2500.0, expiry=MARCH,
)  # fmt: skip
SHORT_CALL = MarginPosition(CALL, -20.0, 150.0, 0.1)
FUTURE = Instrument("deribit", "ETH-27MAR26", "ETH", Kind.FUTURE, expiry=MARCH)


def _input() -> PolicyInput:
    healthy = MarginAccount(
        venue="hyperliquid",
        equity_usd=50_000.0,
        maintenance_margin_usd=1_000.0,  # ratio 50
        positions=(MarginPosition(instrument("hyperliquid"), -4.0, 2_001.0, 0.02),),
    )
    weak = MarginAccount(
        venue="gmx",
        equity_usd=3_000.0,
        maintenance_margin_usd=2_000.0,  # ratio 1.5: goes first
        positions=(MarginPosition(instrument("gmx"), 25.0, 1_999.0, 0.01),),
    )
    deribit = MarginAccount(
        venue="deribit",
        equity_usd=20_000.0,
        maintenance_margin_usd=2_000.0,  # ratio 10
        positions=(SHORT_CALL, MarginPosition(FUTURE, 3.0, 2_010.0, 0.01)),
    )
    return PolicyInput(now=NOW, underlyings=(eth_risk(-30.0),), margin=(healthy, weak, deribit))


def test_every_hedge_is_closed_in_full_least_healthy_account_first() -> None:
    intents = unwind_intents(_input(), settings())
    steps = [(i.venue, i.action, i.quantity, i.instrument.symbol if i.instrument else None)
             for i in intents]  # fmt: skip
    assert steps == [
        # GMX (ratio 1.5): 25 ETH long sold in slices of at most 10.
        ("gmx", Action.SELL, pytest.approx(25 / 3), "ETH-PERP"),
        ("gmx", Action.SELL, pytest.approx(25 / 3), "ETH-PERP"),
        ("gmx", Action.SELL, pytest.approx(25 / 3), "ETH-PERP"),
        # Deribit (ratio 10): the future is closed, the short call stays.
        ("deribit", Action.SELL, pytest.approx(3.0), "ETH-27MAR26"),
        # Hyperliquid (ratio 50): the 4 ETH short is bought back.
        ("hyperliquid", Action.BUY, pytest.approx(4.0), "ETH-PERP"),
    ]
    assert [i.sequence for i in intents] == list(range(5))
    assert all(i.risk_reducing and i.urgent for i in intents)
    assert all(i.created_at == NOW for i in intents)


def test_limits_are_bounded_around_the_mark_and_the_oracle() -> None:
    intents = unwind_intents(_input(), settings())
    gmx_sell, hl_buy = intents[0], intents[-1]
    assert gmx_sell.limit_price == pytest.approx(
        max(1_999.0 * (1 - PARAMETERS.slippage_bound), 2_000.0 * (1 - PARAMETERS.max_slippage))
    )
    assert hl_buy.limit_price == pytest.approx(
        min(2_001.0 * (1 + PARAMETERS.slippage_bound), 2_000.0 * (1 + PARAMETERS.max_slippage))
    )
    assert gmx_sell.reference_price == 2_000.0
    assert gmx_sell.notional_usd == pytest.approx(25 / 3 * 2_000.0)


def test_nothing_to_unwind_without_hedges() -> None:
    options_only = MarginAccount(
        venue="deribit", equity_usd=1.0, maintenance_margin_usd=1.0,
        positions=(SHORT_CALL,),
    )  # fmt: skip
    assert unwind_intents(PolicyInput(now=NOW, margin=(options_only,)), settings()) == ()
