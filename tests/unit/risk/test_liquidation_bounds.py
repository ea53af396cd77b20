"""The walk's shortcut (``liquidation_bounds.safe_between``) never calls a stretch of the
grid safe where a move in it fails in the walk's own floats, and does prove the stretches
of a well-margined options account safe (else the walk would price every move)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk import liquidation
from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.liquidation_bounds import safe_between
from agent.risk.liquidation_kernels import health_of
from agent.risk.terms import OptionType, Settlement

from .books import NOW
from .test_liquidation_walk import MARKET, books


def _searches(book: Book) -> list[tuple[liquidation._Search, int]]:
    """Each (search, margin account) the walk asks about."""
    arrays = book.arrays
    layout = liquidation._Layout.of(arrays)
    lending = len(arrays.lending_accounts)
    found = []
    for underlying, account in layout.queries.tolist():
        if account >= lending:
            found.append((liquidation._Search.of(layout, underlying, np.array([account])), account))
    return found


def _healths(search: liquidation._Search, account: int, shocks: np.ndarray) -> np.ndarray:
    multipliers = 1.0 + shocks
    health = np.empty(shocks.shape[0])
    scratch = np.empty((4, shocks.shape[0]))
    book = search.layout.book()
    health_of(book, search.search, account, multipliers, np.log(multipliers), health, scratch)
    return health


def _safe(search: liquidation._Search, account: int, low: float, high: float) -> bool:
    ends = np.array([[1.0 + low, 1.0 + high], [np.log1p(low), np.log1p(high)]])
    return bool(safe_between(search.layout.book(), search.search, account, ends))


@settings(max_examples=40, deadline=None)
@given(books(), st.data())
def test_a_stretch_called_safe_holds_no_failing_move(book: Book, data: st.DataObject) -> None:
    for search, account in _searches(book):
        grid = data.draw(st.sampled_from([liquidation._DOWN_SHOCKS, liquidation._UP_SHOCKS]))
        start = data.draw(st.integers(0, grid.shape[0] - 2))
        stop = data.draw(st.integers(start + 1, min(start + 300, grid.shape[0] - 1)))
        if _safe(search, account, float(grid[start]), float(grid[stop])):
            assert (_healths(search, account, grid[start : stop + 1]) >= 1.0).all()


def _options_account(cash: float, *, short_puts: float = 0.0) -> Book:
    expiry = NOW + timedelta(days=30)
    rows: list[risk.Position] = [
        risk.OptionPosition(
            "call", "deribit", "ETH", OptionType.CALL, 3300.0, expiry, 2.0,
            Settlement.INVERSE, account="deribit", maintenance_margin_rate=0.075,
        ),
        risk.OptionPosition(
            "put", "deribit", "ETH", OptionType.PUT, 2500.0, expiry, -short_puts,
            Settlement.INVERSE, account="deribit", maintenance_margin_rate=0.075,
        ),
    ]  # fmt: skip
    if not short_puts:
        rows.pop()
    account = risk.MarginAccount("deribit", "deribit", cash)
    return Book.from_records(NOW, MARKET, rows, [account])


def test_a_well_margined_account_is_proved_safe_and_a_failing_stretch_is_not() -> None:
    (search, account), *_ = _searches(_options_account(20_000.0))
    assert _safe(search, account, 0.0, float(liquidation._DOWN_SHOCKS[-1]))
    assert _safe(search, account, 0.0, float(liquidation._UP_SHOCKS[-1]))
    # Short puts sink the account as ETH falls: it fails inside the down side.
    (search, account), *_ = _searches(_options_account(5_000.0, short_puts=10.0))
    health = _healths(search, account, liquidation._DOWN_SHOCKS)
    assert health[0] >= 1.0
    assert (health < 1.0).any()
    assert not _safe(search, account, 0.0, float(liquidation._DOWN_SHOCKS[-1]))
    first = int(np.argmax(health < 1.0))
    assert _safe(search, account, 0.0, float(liquidation._DOWN_SHOCKS[first // 2]))
    assert not _safe(search, account, float(liquidation._DOWN_SHOCKS[first - 1]), -0.99)
