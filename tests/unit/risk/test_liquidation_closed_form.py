"""The liquidation search on random accounts: the shock it returns fails, lies within
the search's tolerance of the closed-form root, and is the same whether the account is
searched inside its book or on its arrays alone (the stress gate's fast path)."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from agent.risk.book import Book
from agent.risk.liquidation import account_liquidation_levels, arrays_liquidation_levels
from agent.risk.positions import (
    LendingDebtPosition,
    LendingSupplyPosition,
    MarginAccount,
    PerpetualPosition,
)
from agent.risk.scenarios import health_under, spot_multipliers_for

from .books import NOW, market

SPOT = 3000.0  # ETH in books.market()
TOLERANCE = 1e-14  # the search's relative bracket width

PERPS = st.lists(
    st.tuples(
        st.floats(-20.0, 20.0).filter(lambda q: abs(q) > 0.01),  # coin
        st.floats(2000.0, 4000.0),  # entry USD
        st.floats(0.005, 0.05),  # maintenance rate
    ),
    min_size=1,
    max_size=6,
)


def _health_at(book: Book, shock: float) -> float:
    eth = book.arrays.underlyings.index("ETH")
    shocks = np.array([shock])
    multipliers = spot_multipliers_for(book, shocks, only=eth)
    return float(health_under(book, multipliers, np.ones(1)).health[0, 0])


def _check(book: Book, name: str, root: float | None) -> None:
    down, up = account_liquidation_levels(book)[(name, "ETH")]
    assert arrays_liquidation_levels(book.arrays)[(name, "ETH")] == (down, up)
    if root is None or not -0.9975 <= root <= 10.0:
        return
    # A root of exactly 0 (a loan at health 1.0 exactly) is a fall: any fall liquidates.
    found, other = (down, up) if root <= 0 else (up, down)
    assert other is None  # health is monotonic in the price: one side only
    assert found is not None
    assert _health_at(book, found) < 1.0  # the failing end of the bracket
    assert abs(found - root) <= 4 * TOLERANCE * max(abs(root), 1e-3) + 1e-15, (found, root)


@settings(max_examples=30, deadline=None)
@given(PERPS, st.floats(500.0, 200_000.0))
def test_a_cross_margin_account_of_perps_fails_at_its_closed_form_root(
    perps: list[tuple[float, float, float]], cash: float
) -> None:
    # equity(s) = cash + sum q (S (1 + s) - entry); maintenance(s) = sum |q| S (1 + s) m
    rows = [
        PerpetualPosition(f"p{i}", "hl", "ETH", q, entry_price=e, account="hl",
                          maintenance_margin_rate=m)
        for i, (q, e, m) in enumerate(perps)
    ]  # fmt: skip
    book = Book.from_records(NOW, market(), rows, [MarginAccount("hl", "hl", cash)])
    equity = cash + sum(q * (SPOT - e) for q, e, _ in perps)
    maintenance = sum(abs(q) * SPOT * m for q, _, m in perps)
    slope = sum(q * SPOT for q, _, _ in perps) - maintenance
    root = None
    if equity < maintenance:
        root = 0.0
    elif slope != 0:
        root = (maintenance - equity) / slope
    if root is not None and root == 0.0:
        assert account_liquidation_levels(book)[("hl", "ETH")] == (0.0, 0.0)
        return
    _check(book, "hl", root)


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 100.0), st.floats(0.5, 0.9), st.floats(1_000.0, 300_000.0))
@example(1.0, 0.5, 1_500.0)  # health exactly 1.0: the root is 0, on the falling side
def test_a_loan_fails_at_its_closed_form_root(coins: float, threshold: float, debt: float) -> None:
    # health(s) = coins S (1 + s) LT / debt = 1
    rows = [
        LendingSupplyPosition("s", "aave", "ETH", coins, threshold),
        LendingDebtPosition("d", "aave", "USDC", debt),
    ]
    book = Book.from_records(NOW, market(), rows)
    health = coins * SPOT * threshold / debt
    if health < 1.0:
        assert account_liquidation_levels(book)[("aave", "ETH")] == (0.0, 0.0)
        return
    _check(book, "aave", 1.0 / health - 1.0)
