"""The Deribit simulator's instruments, margin rules and fault plan."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from sim.market import MarketState
from sim.venues.deribit.exchange import DeribitExchange
from sim.venues.deribit.instruments import Pricer, expiries, expiry_code, nice_step, strikes
from sim.venues.deribit.margin import MarginRules, margins
from sim.venues.deribit.orders import DeribitError
from sim.venues.faults import FaultPlan

STATE = MarketState(
    timestamp=1_760_000_000,
    prices={"BTC": 60_000.0, "ETH": 3_000.0},
    implied_vols={"BTC": 0.6, "ETH": 0.7},
    funding_annual={"BTC": 0.1, "ETH": 0.1},
)


def test_expiries_are_fridays_at_eight_then_a_quarterly() -> None:
    dates = [datetime.fromtimestamp(ms / 1000, UTC) for ms in expiries(STATE.timestamp)]
    assert all(d.weekday() == 4 and d.hour == 8 for d in dates)
    assert dates == sorted(dates)
    assert dates[-1].month in (3, 6, 9, 12)
    assert expiry_code(int(datetime(2025, 1, 3, 8, tzinfo=UTC).timestamp() * 1000)) == "3JAN25"


def test_strike_grids_are_round_and_centred() -> None:
    assert nice_step(3_000.0) == 2_500.0
    assert nice_step(120.0) == 100.0
    assert nice_step(140.0) == 200.0
    grid = strikes(60_000.0)
    assert 60_000.0 in grid
    assert grid == sorted(grid)
    assert {b - a for a, b in itertools.pairwise(grid)} == {2_500.0}


def test_names_and_specs_follow_deribit() -> None:
    exchange = DeribitExchange(STATE)
    perp = exchange.instruments["BTC-PERPETUAL"]
    assert (perp.contract_size, perp.inverse, perp.perpetual) == (10.0, True, True)
    linear = exchange.instruments["BTC_USDC-PERPETUAL"]
    assert (linear.settle, linear.inverse) == ("USDC", False)
    assert any(
        name.startswith("ETH-") and name.endswith("-3000-P") for name in exchange.instruments
    )
    assert exchange.currencies == ["BTC", "ETH", "USDC"]


def test_short_option_margins_follow_the_standard_margin_formulas() -> None:
    exchange = DeribitExchange(STATE)
    pricer = Pricer(STATE)
    rules = MarginRules()
    call = next(
        i for i in exchange.instruments.values() if i.strike == 67_500 and i.option_type == "call"
    )
    mark = pricer.mark(call)
    initial, maintenance = margins(call, -2.0, pricer, rules)
    assert initial == pytest.approx(2 * (max(0.15 - 7_500 / 60_000, 0.1) + mark))
    assert maintenance == pytest.approx(2 * (0.075 + mark))
    put = next(
        i for i in exchange.instruments.values() if i.strike == 52_500 and i.option_type == "put"
    )
    put_mark = pricer.mark(put)
    initial, maintenance = margins(put, -1.0, pricer, rules)
    assert maintenance == pytest.approx(max(0.075, 0.075 * put_mark) + put_mark)
    assert initial == pytest.approx(max(max(0.15 - 7_500 / 60_000, 0.1) + put_mark, maintenance))
    assert margins(call, 3.0, pricer, rules) == (0.0, 0.0)


def test_future_margin_grows_with_size() -> None:
    exchange = DeribitExchange(STATE)
    perp = exchange.instruments["BTC-PERPETUAL"]
    small = margins(perp, 60_000.0, Pricer(STATE), MarginRules())
    large = margins(perp, 60_000_000.0, Pricer(STATE), MarginRules())
    assert small == pytest.approx((1.0 * 0.02005, 1.0 * 0.01505))
    assert large[0] / 1_000 == pytest.approx(0.02 + 0.005 * 1_000 / 100)


def test_orders_off_tick_or_off_size_are_refused() -> None:
    exchange = DeribitExchange(STATE)
    account = exchange.add_account("a", "s", {"BTC": 1.0})
    with pytest.raises(DeribitError, match="invalid_amount"):
        exchange.place(account, "BTC-PERPETUAL", "buy", 15.0, price=60_000.0)
    with pytest.raises(DeribitError, match="price_wrong_tick"):
        exchange.place(account, "BTC-PERPETUAL", "buy", 10.0, price=60_000.3)
    with pytest.raises(DeribitError, match="reduce_only"):
        exchange.place(account, "BTC-PERPETUAL", "sell", 10.0, price=50_000.0, reduce_only=True)


def test_an_inverse_round_trip_realises_coin_pnl() -> None:
    exchange = DeribitExchange(STATE)
    account = exchange.add_account("a", "s", {"BTC": 1.0})
    exchange.place(account, "BTC-PERPETUAL", "buy", 60_000.0, price=None)
    entry = account.holdings["BTC-PERPETUAL"].average_price
    exchange.on_market(
        replace(STATE, timestamp=STATE.timestamp, prices={"BTC": 66_000.0, "ETH": 3_000.0})
    )
    exchange.place(account, "BTC-PERPETUAL", "sell", 60_000.0, price=None)
    exit_price = next(o for o in account.orders.values() if o.direction == "sell").average_price
    fees = sum(o.commission for o in account.orders.values())
    assert account.balances["BTC"] == pytest.approx(
        1.0 + 60_000 * (1 / entry - 1 / exit_price) - fees
    )
    assert account.holdings["BTC-PERPETUAL"].size == 0


def test_fault_plan_counts_and_expires() -> None:
    now = [0.0]
    plan = FaultPlan(monotonic=lambda: now[0])
    plan.rate_limit(requests=2, retry_after_s=3)
    assert [plan.take_rate_limit() for _ in range(3)] == [3, 3, None]
    plan.hide_order("x", lookups=1)
    assert plan.peek_hidden("x")
    assert plan.hidden("x") is not None
    assert plan.hidden("x") is None
    plan.hide_order("y", seconds=10)
    now[0] = 11.0
    assert not plan.peek_hidden("y")
    assert plan.hidden("y") is None
    plan.drop_order_replies(1)
    assert (plan.take_drop(), plan.take_drop()) == (True, False)
    plan.slow_replies(delay_s=0.5, requests=1)
    assert (plan.take_delay(), plan.take_delay()) == (0.5, 0.0)
