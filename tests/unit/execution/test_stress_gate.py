"""The stress gate: one test per rule, each against a full revaluation of the book
rebuilt by hand with the intent applied (the gate itself revalues only changed rows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.execution import stress_gate
from agent.execution.gate_accounts import account_rows, changed_rows, nearest_move_of
from agent.execution.guard import Guard
from agent.execution.intent_rows import row_change
from agent.execution.proposal import Proposal, ReasonCode
from agent.execution.stress_gate import (
    StressBaseline,
    StressLimits,
    applied,
    check_stress,
    nearest_move,
    try_intent,
)
from agent.intents import Action, Intent
from agent.model import Instrument, Kind, Settlement
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.stress import stress_test
from agent.risk.terms import OptionType
from agent.risk.terms import Settlement as RiskSettlement
from tests.unit.execution.guard_builders import NOW, context, limits, trade

MARKET = {
    "ETH": risk.MarketState(spot=3000.0, vol=0.6),
    "USDC": risk.MarketState(spot=1.0, pegged=True),
}
# Aave: 60 WETH (LT 0.825) against 100k USDC: HF 1.485, liquidated 32.7% lower.
AAVE = (
    risk.LendingSupplyPosition("aave:WETH::lending_supply", "aave", "ETH", 60.0, 0.825),
    risk.LendingDebtPosition("aave:USDC::lending_debt", "aave", "USDC", 100_000.0),
)
# Hyperliquid cross: 25 ETH short, 20k USDC, 2% maintenance: liquidated 24.2% higher.
HYPERLIQUID = risk.PerpetualPosition(
    "hyperliquid:ETH/USDC:USDC::perp", "hyperliquid", "ETH", -25.0, entry_price=3000.0,
    account="hyperliquid:USDC", maintenance_margin_rate=0.02,
)  # fmt: skip
DERIBIT = risk.PerpetualPosition(
    "deribit:ETH-PERPETUAL::perp", "deribit", "ETH", 1.0, entry_price=3000.0,
    account="deribit:USDC", maintenance_margin_rate=0.02,
)  # fmt: skip
WALLET = risk.SpotPosition("wallet:WETH::spot", "wallet", "ETH", 10.0)
ACCOUNTS = (
    risk.MarginAccount("hyperliquid:USDC", "hyperliquid", 20_000.0),
    risk.MarginAccount("deribit:USDC", "deribit", 100_000.0),
)
POSITIONS = (*AAVE, HYPERLIQUID, DERIBIT, WALLET)
# Net +46 ETH: the worst cell is spot -66%, a loss of 46 * 3000 * 0.66 = 91,080 USD.
WORST = 91_080.0


def book(positions: tuple[risk.Position, ...] = POSITIONS, **cash: float) -> Book:
    accounts = [replace(a, cash_usd=cash.get(a.venue, a.cash_usd)) for a in ACCOUNTS]
    return Book.from_records(NOW, MARKET, positions, accounts)


BASELINE = StressBaseline.measure(book())
HL_PERP = Instrument("hyperliquid", "ETH/USDC:USDC", "ETH", Kind.PERP)


def intent(action: Action, venue: str, asset: str, quantity: float, **fields: Any) -> Intent:
    return Intent(
        venue=venue, action=action, asset=asset, quantity=quantity, reason="test",
        reference_price=fields.pop("reference_price", 3000.0 if asset == "ETH" else 1.0),
        created_at=NOW, **fields,
    )  # fmt: skip


def hedge(action: Action, quantity: float) -> Intent:
    return intent(action, "hyperliquid", "ETH", quantity, instrument=HL_PERP)


def with_hyperliquid(quantity: float) -> Book:
    return book((*AAVE, replace(HYPERLIQUID, quantity=quantity), DERIBIT, WALLET))


def test_the_baseline_is_the_whole_books_stress() -> None:
    assert BASELINE.worst() == pytest.approx((WORST, -0.66, -0.25))
    assert BASELINE.moves["aave"] == pytest.approx(1 - 1 / 1.485, rel=1e-9)
    assert BASELINE.moves["hyperliquid:USDC"] == pytest.approx(18_500 / 76_500, rel=1e-9)


def test_raising_the_worst_loss_past_the_limit_is_refused_naming_cell_and_amount() -> None:
    buy = hedge(Action.BUY, 5.0)  # the short shrinks to 20: 51 ETH long
    full = stress_test(with_hyperliquid(-20.0)).worst[0]  # independent full revaluation
    assert -full == pytest.approx(WORST + 5 * 3000 * 0.66, rel=1e-12)
    (rejection,) = check_stress(BASELINE, buy, StressLimits(max_stress_loss_usd=95_000.0))
    assert rejection.code is ReasonCode.STRESS_LOSS
    assert "(spot -66%, vol -25%) would lose 100,980 USD, +9,900 USD more" in rejection.message
    assert "above the limit 95,000 USD" in rejection.message
    assert check_stress(BASELINE, buy, StressLimits(max_stress_loss_usd=101_000.0)) == []


def test_a_reducing_intent_passes_though_the_book_is_over_the_limit() -> None:
    sell = hedge(Action.SELL, 5.0)  # loss falls to 81,180, still over 50,000
    assert check_stress(BASELINE, sell, StressLimits(max_stress_loss_usd=50_000.0)) == []


def test_moving_a_liquidation_nearer_than_the_limit_is_refused_even_if_loss_falls() -> None:
    sell = hedge(Action.SELL, 5.0)  # 30 short: liquidated at 18,200 / 91,800 = 19.8% up
    expected = nearest_move(with_hyperliquid(-30.0))["hyperliquid:USDC"]
    assert expected == pytest.approx(18_200 / 91_800, rel=1e-9)
    gate = StressLimits(max_stress_loss_usd=50_000.0, min_liquidation_move=0.2)
    (rejection,) = check_stress(BASELINE, sell, gate)
    assert rejection.code is ReasonCode.LIQUIDATION_MOVE
    assert rejection.message.startswith(
        f"hyperliquid:USDC: first liquidation would be a {expected:.2%} move away (now 24.18%)"
    )
    assert check_stress(BASELINE, sell, replace(gate, min_liquidation_move=0.19)) == []


def test_a_repair_of_an_account_already_too_near_passes_and_a_borrow_does_not() -> None:
    gate = StressLimits(min_liquidation_move=0.4)  # Aave is at 32.7% already
    assert check_stress(BASELINE, intent(Action.REPAY, "aave", "USDC", 20_000.0), gate) == []
    (rejection,) = check_stress(BASELINE, intent(Action.BORROW, "aave", "USDC", 5_000.0), gate)
    assert rejection.code is ReasonCode.LIQUIDATION_MOVE
    assert rejection.message.startswith("aave: first liquidation")


def test_venue_failure_loss_past_its_limit_is_refused_unless_it_repairs() -> None:
    # Deribit holds 100k cash: topping it up raises what its failure costs.
    gate = StressLimits(max_loss_on_venue_failure_usd={"deribit": 100_000.0, "aave": 60_000.0})
    (rejection,) = check_stress(BASELINE, intent(Action.SUPPLY, "deribit", "USDC", 5_000.0), gate)
    assert rejection.code is ReasonCode.VENUE_FAILURE_LOSS
    assert rejection.message == (
        "if deribit failed the book would lose 105,000 USD, +5,000 USD more than now, "
        "above the limit 100,000 USD"
    )
    # Aave's equity (180k - 100k) is over 60k and a repay raises it, but it moves the
    # loan's liquidation further out: a repair comes first.
    assert check_stress(BASELINE, intent(Action.REPAY, "aave", "USDC", 10_000.0), gate) == []


def test_each_intent_of_a_tick_is_judged_on_the_book_the_earlier_ones_left() -> None:
    after = applied(BASELINE, hedge(Action.BUY, 5.0))
    rebuilt = StressBaseline.measure(with_hyperliquid(-20.0))
    assert after.worst() == pytest.approx(rebuilt.worst(), rel=1e-12)
    assert after.moves == pytest.approx(rebuilt.moves, rel=1e-9)
    gate = StressLimits(max_stress_loss_usd=101_000.0)
    assert check_stress(BASELINE, hedge(Action.BUY, 5.0), gate) == []
    assert [r.code for r in check_stress(after, hedge(Action.BUY, 5.0), gate)] == [
        ReasonCode.STRESS_LOSS
    ]


def test_the_same_intent_applied_twice_keeps_the_tick_alive() -> None:
    """Identical intents share an id, so their gate rows would collide: the second leaves
    the baseline as it was instead of raising out of the tick."""
    repay = intent(Action.REPAY, "aave", "USDC", 10_000.0)
    after = applied(BASELINE, repay)
    assert applied(after, repay) is after


def test_the_guard_runs_the_gate_on_its_context() -> None:
    guard = Guard(limits(), StressLimits(max_stress_loss_usd=92_000.0))
    proposal = Proposal(trade(quantity=2.0))  # a deribit perp bought: +2 ETH
    verdict = guard.check(proposal, context(stress=BASELINE))
    assert [r.code for r in verdict.rejections] == [ReasonCode.STRESS_LOSS]
    assert guard.check(proposal, context()).rejections == ()  # no baseline: no gate


GMX_PERP = Instrument("gmx", "ETH/USD", "ETH", Kind.PERP)
GMX_SHORT = risk.PerpetualPosition(
    "gmx:ETH/USD:k1:perp", "gmx", "ETH", -10.0, entry_price=3000.0, collateral_usd=6000.0,
    maintenance_margin_rate=0.01,
)  # fmt: skip


def test_an_isolated_position_brings_and_keeps_collateral_as_the_connector_does() -> None:
    baseline = StressBaseline.measure(Book.from_records(NOW, MARKET, [GMX_SHORT]))
    before = baseline.moves["gmx:ETH/USD:k1:perp (isolated)"]
    gate = StressLimits(min_liquidation_move=before * 0.999)
    # A hedge that grows the short brings collateral at the same leverage: same move.
    grow = intent(Action.SELL, "gmx", "ETH", 5.0, instrument=GMX_PERP)
    assert check_stress(baseline, grow, gate) == []
    grown = applied(baseline, grow)
    assert grown.moves["gmx:ETH/USD:k1:perp (isolated)"] == pytest.approx(before, rel=1e-9)
    # A repair's cut keeps all the collateral in: the liquidation moves further out.
    cut = intent(Action.BUY, "gmx", "ETH", 5.0, instrument=GMX_PERP, urgent=True)
    assert applied(baseline, cut).moves["gmx:ETH/USD:k1:perp (isolated)"] > before * 1.5


def test_a_new_inverse_perp_joins_its_account_in_usd_face_value() -> None:
    inverse = Instrument("deribit", "ETH-PERPETUAL-INV", "ETH", Kind.PERP, Settlement.INVERSE)
    buy = intent(Action.BUY, "deribit", "ETH", 2.0, instrument=inverse)
    (row,) = row_change(BASELINE.book, buy).added
    assert isinstance(row, risk.PerpetualPosition)
    assert (row.quantity, row.account, row.maintenance_margin_rate) == (
        6000.0, "deribit:USDC", 0.02,
    )  # fmt: skip
    assert check_stress(BASELINE, buy, StressLimits(min_liquidation_move=0.05)) == []


def test_what_the_gate_cannot_model_stops_new_risk_but_never_a_repair() -> None:
    # The lending account is named: a perp bought "on aave" would join it, which the
    # risk engine refuses (no margin account of that name).
    supply = replace(AAVE[0], account="aave-main")
    debt = replace(AAVE[1], account="aave-main")
    baseline = StressBaseline.measure(Book.from_records(NOW, MARKET, [supply, debt]))
    odd = intent(
        Action.BUY, "aave", "ETH", 1.0, instrument=Instrument("aave", "X", "ETH", Kind.PERP)
    )
    gate = StressLimits(max_stress_loss_usd=1e9)
    (rejection,) = check_stress(baseline, odd, gate)
    assert rejection.code is ReasonCode.STRESS_UNMODELLED
    assert "unknown margin account 'aave-main'" in rejection.message
    assert check_stress(baseline, odd, gate, risk_reducing=True) == []
    assert applied(baseline, odd) is baseline


# The fast path against full revaluation, on random intents of every kind the gate maps.
DERIBIT_PERP = Instrument("deribit", "ETH-PERPETUAL", "ETH", Kind.PERP)
_ETH = st.floats(0.1, 50.0)
_USDC = st.floats(100.0, 90_000.0)
INTENTS = st.one_of(
    st.builds(hedge, st.sampled_from([Action.BUY, Action.SELL]), _ETH),
    st.builds(
        lambda action, quantity, instrument: intent(
            action, instrument.venue, "ETH", quantity, instrument=instrument
        ),
        st.sampled_from([Action.BUY, Action.SELL]),
        _ETH,
        st.sampled_from([DERIBIT_PERP, GMX_PERP]),
    ),
    st.builds(lambda q: intent(Action.BUY, "uniswap", "ETH", q), _ETH),  # spot
    st.builds(
        lambda action, q: intent(action, "aave", "USDC", q),
        st.sampled_from([Action.REPAY, Action.BORROW, Action.REPAY_WITH_COLLATERAL]),
        _USDC,
    ),
    st.builds(
        lambda action, q: intent(action, "aave", "WETH", q),
        st.sampled_from([Action.SUPPLY, Action.WITHDRAW]),
        _ETH,
    ),
    st.builds(lambda q: intent(Action.SUPPLY, "deribit", "USDC", q), _USDC),  # top-up
)


def _rebuilt(book_before: Book, applied_intent: Intent) -> Book:
    """The book with the intent applied, every row and account rebuilt."""
    change = row_change(book_before, applied_intent)
    kept = [change.replaced.get(i, p) for i, p in enumerate(book_before.positions)]
    rows = [p for p in kept if p is not None] + list(change.added)
    cash = change.cash_usd or {}
    accounts = [
        replace(a, cash_usd=a.cash_usd + cash.get(name, 0.0))
        for name, a in book_before.margin_accounts.items()
    ]
    return Book.from_records(NOW, MARKET, rows, accounts)


def _same_moves(fast: Mapping[str, float], full: Mapping[str, float]) -> None:
    assert fast.keys() == full.keys()
    for account, move in full.items():
        assert fast[account] == pytest.approx(move, rel=1e-9, abs=1e-12), account


def _account_search_is_the_rebuilt_books(baseline: StressBaseline, each: Intent) -> None:
    """Every account the intent changes is searched on the baseline's rows with the
    changed ones swapped in, and finds exactly what a book rebuilt for it finds."""
    change = row_change(baseline.book, each)
    rows = changed_rows(change)
    book_now = baseline.book
    loose = Book.from_records(NOW, MARKET, [stress_gate._loose(r) for r in rows]) if rows else None
    for account in stress_gate._changed_accounts(baseline, change):
        found = account_rows(book_now, baseline.accounts, baseline.cash_usd, change, loose, account)
        assert found is not None, account  # the fast path, not the fallback
        rebuilt = stress_gate._account_book(baseline, change, account)
        assert nearest_move_of(found) == nearest_move(rebuilt).get(account), account


# Beside BASELINE: an isolated GMX short, and short puts in the Deribit cross account
# (its health is no longer linear in the price: the search's false position iterates).
SHORT_PUTS = risk.OptionPosition(
    "deribit:ETH-P2800::option", "deribit", "ETH", OptionType.PUT, 2800.0,
    NOW + timedelta(days=30), -40.0, RiskSettlement.LINEAR, account="deribit:USDC",
    maintenance_margin_rate=0.1,
)  # fmt: skip
RICHER = StressBaseline.measure(book((*POSITIONS, GMX_SHORT, SHORT_PUTS)))


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from([BASELINE, RICHER]),
    st.lists(INTENTS, min_size=1, max_size=3, unique_by=lambda each: each.intent_id),
)
def test_the_fast_path_agrees_with_full_revaluation_on_random_intents(
    start: StressBaseline, intents: list[Intent]
) -> None:
    fast, full_book = start, start.book
    for each in intents:
        _account_search_is_the_rebuilt_books(fast, each)
        trial = try_intent(fast, each)
        full_book = _rebuilt(full_book, each)
        full = StressBaseline.measure(full_book)
        if trial is not None:
            assert trial.total == pytest.approx(full.total_pnl, rel=1e-9, abs=1e-6)
            reached = {account: m for account, m in trial.moves.items() if m is not None}
            _same_moves(reached, {a: full.moves[a] for a in trial.moves if a in full.moves})
        fast = applied(fast, each)  # the next intent is judged on what this one left
        assert fast.total_pnl == pytest.approx(full.total_pnl, rel=1e-9, abs=1e-6)
        assert fast.worst() == pytest.approx(full.worst(), rel=1e-9, abs=1e-6)
        _same_moves(fast.moves, full.moves)
        assert fast.venue_equity() == pytest.approx(full.venue_equity(), rel=1e-9, abs=1e-6)
