"""Stress grid: full revaluation, liquidations per cell, pegged assets, the default grid."""

from __future__ import annotations

import numpy as np
import pytest

from agent.risk.black import option_greeks
from agent.risk.book import Book
from agent.risk.positions import (
    LendingDebtPosition,
    LendingSupplyPosition,
    OptionPosition,
    PerpetualPosition,
)
from agent.risk.scenarios import revalue, spot_multipliers_for
from agent.risk.stress import StressGrid, stress_test
from agent.risk.terms import OptionType, Settlement
from agent.risk.validation import RiskInputError

from .books import EXPIRY, NOW, example_book, market


def test_default_grid_covers_the_issue():
    grid = StressGrid()
    spots = set(grid.spot_shocks)
    assert {round(-0.30 + 0.05 * step, 10) for step in range(13)} <= {round(s, 10) for s in spots}
    assert {-0.66, -0.5, 1.0} <= spots
    assert grid.vol_shocks == (-0.25, 0.0, 0.5)
    assert np.all(np.diff(grid.spot_shocks) > 0)


def test_options_are_repriced_not_approximated():
    option = OptionPosition(
        "o", "deribit", "ETH", OptionType.PUT, 2800.0, EXPIRY, -7.0, Settlement.INVERSE
    )
    result = stress_test(Book.from_records(NOW, market(), [option]))
    grid = result.grid
    years = 34 / 365
    base = option_greeks(False, 3000.0, 2800.0, years, 0.03, 0.6).value
    for i, spot in enumerate(grid.spot_shocks):
        for j, vol in enumerate(grid.vol_shocks):
            shocked = option_greeks(
                False, 3000.0 * (1 + spot), 2800.0, years, 0.03, 0.6 * (1 + vol)
            ).value
            assert result.pnl_usd[i, j] == pytest.approx(
                -7.0 * (shocked - base), rel=1e-12, abs=1e-9
            )
    assert result.pnl_usd[grid.spot_shocks.index(0.0), grid.vol_shocks.index(0.0)] == 0.0


def test_linear_positions_and_pegged_debt():
    supply = LendingSupplyPosition("s", "aave", "ETH", 10.0, 0.8)
    debt = LendingDebtPosition("d", "aave", "USDC", 15_000.0)
    perp = PerpetualPosition(
        "p",
        "gmx",
        "ETH",
        -4.0,
        entry_price=3000.0,
        collateral_usd=2000.0,
        maintenance_margin_rate=0.01,
    )
    result = stress_test(Book.from_records(NOW, market(), [supply, debt, perp]))
    shocks = np.array(result.grid.spot_shocks)
    expected = (10.0 - 4.0) * 3000.0 * shocks  # the USDC debt does not move
    np.testing.assert_allclose(result.pnl_usd[:, 1], expected, atol=1e-9)
    np.testing.assert_allclose(result.position_pnl_usd[1], 0.0)
    # Aave fails below 15000 / 8 = 1875 (-37.5%); the short perpetual above (3000*4 + 2000) / 4.04.
    for i, shock in enumerate(result.grid.spot_shocks):
        price = 3000.0 * (1 + shock)
        expected_accounts = tuple(
            name
            for name, fails in (("aave", price < 1875.0), ("p (isolated)", price > 14_000.0 / 4.04))
            if fails
        )
        assert result.liquidated[i][1] == expected_accounts
        if "aave" in expected_accounts:
            assert {"s", "d"} <= set(result.liquidated_positions[i][1])


def test_worst_cell_and_health_grid():
    result = stress_test(example_book())
    pnl, spot, vol = result.worst
    assert pnl == result.pnl_usd.min()
    assert (
        result.pnl_usd[result.grid.spot_shocks.index(spot), result.grid.vol_shocks.index(vol)]
        == pnl
    )
    assert result.health.shape == (
        len(result.accounts),
        len(result.grid.spot_shocks),
        len(result.grid.vol_shocks),
    )
    failing = result.health < 1.0
    for i in range(failing.shape[1]):
        for j in range(failing.shape[2]):
            assert set(result.liquidated[i][j]) == {
                result.accounts[a] for a in np.flatnonzero(failing[:, i, j])
            }


def test_custom_grid_and_invalid_grids():
    result = stress_test(example_book(), StressGrid(spot_shocks=(-0.1, 0.1), vol_shocks=(0.0,)))
    assert result.pnl_usd.shape == (2, 1)
    with pytest.raises(RiskInputError):
        StressGrid(spot_shocks=(-1.0, 0.0))
    with pytest.raises(RiskInputError):
        StressGrid(vol_shocks=())


@pytest.mark.parametrize(
    "grid",
    [StressGrid(), StressGrid(spot_shocks=(-0.2, 0.3), vol_shocks=(0.1,))],  # with, without 0
)
def test_pnl_is_against_the_book_revalued_as_it_is_and_liquidations_name_members(grid):
    # The P&L subtracts the cell of no move where the grid has one: it must be exactly the
    # book revalued unshocked (options live and expired, perps, loans).
    rows = [
        OptionPosition("call", "deribit", "ETH", OptionType.CALL, 3100.0, EXPIRY, 3.0),
        OptionPosition("gone", "deribit", "ETH", OptionType.PUT, 3200.0, NOW, -2.0),
        PerpetualPosition(
            "perp", "gmx", "ETH", -4.0, entry_price=2900.0, collateral_usd=2500.0,
            maintenance_margin_rate=0.01, fees_usd=1.5,
        ),
        LendingSupplyPosition("eth", "aave", "ETH", 2.0, 0.8),
        LendingDebtPosition("usdc", "aave", "USDC", 4000.0),
    ]  # fmt: skip
    book = Book.from_records(NOW, market(), rows)
    result = stress_test(book, grid)
    spot_count, vol_count = len(grid.spot_shocks), len(grid.vol_shocks)
    shocks = np.repeat(np.array(grid.spot_shocks), vol_count)
    multipliers = spot_multipliers_for(book, shocks)
    vols = np.tile(1.0 + np.array(grid.vol_shocks), spot_count)
    values = revalue(book, multipliers, vols)
    values -= revalue(book, np.ones((multipliers.shape[0], 1)), np.ones(1))
    expected = values.reshape(-1, spot_count, vol_count)
    assert np.array_equal(result.position_pnl_usd, expected)
    for i in range(spot_count):
        for j in range(vol_count):
            held = [
                position.id
                for account in book.arrays.lending_accounts + book.arrays.margin_accounts
                if account.name in result.liquidated[i][j]
                for position in (book.positions[k] for k in account.positions)
            ]
            assert list(result.liquidated_positions[i][j]) == held
    assert any(cell for row in result.liquidated for cell in row)
