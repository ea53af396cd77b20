"""The stress grid in one kernel call (``stress_kernel``) against the steps it replaced,
bit for bit on random books and grids (with and without a cell of no move, one cell):
``spot_multipliers_for``, the values on one thread, ``account_health_kernel``, the
failing cells from numpy's ``health < 1.0``, the P&L against the book revalued as it
is, numpy's sums and ``np.argmin`` of the worst cell;
and the thread pool's values the same floats."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk import positions as risk
from agent.risk import stress
from agent.risk.book import Book
from agent.risk.scenario_kernels import account_health_kernel, scenario_values_serial
from agent.risk.scenarios import revalue, spot_multipliers_for
from agent.risk.stress import StressGrid, _liquidations, stress_and_worst
from agent.risk.stress_kernels import _first_least

from .books import NOW, market
from .test_liquidation_walk import books

SHOCKS = st.lists(st.sampled_from((-0.66, -0.3, -0.05, 0.0, 0.05, 0.4, 1.0)), min_size=1,
                  max_size=5, unique=True).map(sorted).map(tuple)  # fmt: skip
VOLS = st.lists(st.sampled_from((-0.25, 0.0, 0.5)), min_size=1, max_size=3, unique=True).map(tuple)


def _replaced(book: Book, grid: StressGrid) -> tuple:
    """(values, health, P&L, worst P&L) as the steps before the kernel made them."""
    arrays = book.arrays
    spot_count, vol_count = len(grid.spot_shocks), len(grid.vol_shocks)
    shocks = np.repeat(np.array(grid.spot_shocks), vol_count)
    vols = np.tile(1.0 + np.array(grid.vol_shocks), spot_count)
    multipliers = spot_multipliers_for(book, shocks)
    now = arrays.valuation_seconds
    values = scenario_values_serial(arrays.terms, arrays.codes, arrays.market, now, multipliers,
                                    vols)  # fmt: skip
    health = account_health_kernel(
        arrays.terms, arrays.codes, arrays.market, now, multipliers, values,
        len(arrays.lending_accounts), arrays.margin_cash,
    ).reshape(-1, spot_count, vol_count)  # fmt: skip
    values -= revalue(book, np.ones((len(arrays.underlyings), 1)), np.ones(1))
    pnl = values.sum(axis=0).reshape(spot_count, vol_count)
    worst = pnl[np.unravel_index(int(np.argmin(pnl)), pnl.shape)]
    return values.reshape(-1, spot_count, vol_count), health, pnl, float(worst)


@settings(max_examples=40, deadline=None)
@given(books(), SHOCKS, VOLS)
def test_the_grid_is_the_steps_it_replaced(book: Book, spots: tuple, vols: tuple) -> None:
    grid = StressGrid(spots, vols)
    result, worst = stress_and_worst(book, grid)
    values, health, pnl, expected_worst = _replaced(book, grid)
    assert result.position_pnl_usd.tobytes() == values.tobytes()
    assert result.position_pnl_usd.shape == values.shape
    assert result.health.tobytes() == health.tobytes()
    assert result.health.shape == health.shape
    accounts = book.arrays.lending_accounts + book.arrays.margin_accounts
    failing = _liquidations(book, health < 1.0, result.accounts, accounts)
    assert (result.liquidated, result.liquidated_positions) == failing
    assert result.pnl_usd.tobytes() == pnl.tobytes()
    assert result.pnl_usd.shape == pnl.shape
    assert np.float64(worst).tobytes() == np.float64(expected_worst).tobytes()
    assert np.float64(worst).tobytes() == np.float64(result.worst[0]).tobytes()


def test_a_loan_just_under_one_fails_in_its_cells() -> None:
    rows = [  # health 1.2 as it is, 0.96 at -20% (below 1, above 0.9)
        risk.LendingSupplyPosition("eth", "aave", "ETH", 2.0, 0.8, "aave:1"),
        risk.LendingDebtPosition("usdc", "aave", "USDC", 4_000.0, "aave:1"),
    ]
    book = Book.from_records(NOW, market(), rows)
    result, _ = stress_and_worst(book)
    _, health, _, _ = _replaced(book, StressGrid())
    assert result.health.tobytes() == health.tobytes()
    failing = [shock for shock, row in zip(StressGrid().spot_shocks, result.liquidated, strict=True)
               if row[0]]  # fmt: skip
    assert failing == [-0.66, -0.5, -0.3, -0.25, -0.2]
    assert result.liquidated_positions[4][1] == ("eth", "usdc")


@settings(max_examples=15, deadline=None)
@given(books())
def test_a_grid_priced_on_the_thread_pool_is_the_same_floats(book: Book) -> None:
    serial, serial_worst = stress_and_worst(book)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stress, "PARALLEL_THRESHOLD", 0)  # every grid on the pool's kernel
        pooled, pooled_worst = stress_and_worst(book)
    for field in ("position_pnl_usd", "health", "pnl_usd"):
        assert getattr(pooled, field).tobytes() == getattr(serial, field).tobytes()
    assert np.float64(pooled_worst).tobytes() == np.float64(serial_worst).tobytes()
    assert pooled.liquidated_positions == serial.liquidated_positions


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from((-1.0, -0.0, 0.0, 2.0, -np.inf, np.nan)), min_size=1, max_size=9))
def test_the_worst_cell_is_argmins(values: list) -> None:
    assert _first_least(np.array(values)) == int(np.argmin(np.array(values)))
