"""The risk kernels' fused paths against the steps they replace, on random books, bit
for bit: the accounts' sums laid out in one (accounts, scenarios) pair and their health
in the same call (``account_health_kernel``; it replaced four arrays stacked by numpy,
then ``health_kernel``), the stress grid's P&L taken and summed in one pass
(``pnl_kernel``; it replaced ``values -= unshocked`` and ``values.sum(axis=0)``), and
the Greeks of spot and lending rows written straight (``book_greeks_kernel``; it went
through ``linear_position_row``), the per-position Greeks table and the options' rows
in one pass (``position_rows_kernel``; it replaced six numpy steps), and the nearest
liquidation picked in a kernel (``nearest_kernel``; it replaced ``np.argmin`` over each
underlying's rows)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.risk.book import (
    FEES,
    KIND,
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    SPOT,
    THRESHOLD,
    UNDERLYING,
    Book,
)
from agent.risk.liquidation_walk import nearest_kernel
from agent.risk.scenario_kernels import (
    account_health_kernel,
    account_states_kernel,
    health_kernel,
    pnl_kernel,
    scenario_values_serial,
)
from agent.risk.scenarios import spot_multipliers_for
from agent.risk.stress import StressGrid, stress_test
from agent.risk.valuation import (
    DELTA,
    GAMMA,
    RHO,
    THETA,
    VEGA,
    book_greeks_kernel,
    linear_position_row,
    maintenance_terms,
    position_rows_kernel,
)

from .books import example_book
from .test_liquidation_walk import books

_SUPPLY = 4


def _stacked_states(book: Book, multipliers: np.ndarray, values: np.ndarray) -> tuple:
    """The accounts' sums as the replaced path made them: lending and margin accounts in
    arrays of their own, a position's row at a time in book order, then stacked."""
    arrays = book.arrays
    terms, codes, market, now = arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds
    lending_count, scenarios = len(arrays.lending_accounts), values.shape[1]
    collateral, debt = np.zeros((lending_count, scenarios)), np.zeros((lending_count, scenarios))
    equity = np.repeat(arrays.margin_cash[:, None], scenarios, axis=1)
    maintenance = np.zeros_like(equity)
    for index in range(terms.shape[0]):
        lending, margin = codes[index, LENDING_ACCOUNT], codes[index, MARGIN_ACCOUNT]
        if lending >= 0:
            if codes[index, KIND] == _SUPPLY:
                collateral[lending] += values[index] * terms[index, THRESHOLD]
            else:
                debt[lending] -= values[index]
        elif margin >= 0:
            underlying = codes[index, UNDERLYING]
            fixed, per_spot, basis = maintenance_terms(terms, codes, index, market, now)
            equity[margin] += values[index] - terms[index, FEES]
            moved = market[underlying, SPOT] * multipliers[underlying]
            maintenance[margin] += fixed + per_spot * moved * basis
    return np.vstack([collateral, equity]), np.vstack([debt, maintenance])


def _grid(
    book: Book, data: st.DataObject, least: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = data.draw(st.integers(least, 40))
    shocks = np.array(data.draw(st.lists(st.floats(-0.99, 3.0), min_size=count, max_size=count)))
    vols = np.array(data.draw(st.lists(st.floats(0.1, 3.0), min_size=count, max_size=count)))
    multipliers = spot_multipliers_for(book, shocks)
    arrays = book.arrays
    values = scenario_values_serial(
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, multipliers, vols
    )
    return multipliers, vols, values


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_account_sums_and_health_are_the_stacked_paths(book: Book, data: st.DataObject) -> None:
    multipliers, _, values = _grid(book, data)
    arrays = book.arrays
    inputs = (
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, multipliers,
        values, len(arrays.lending_accounts), arrays.margin_cash,
    )  # fmt: skip
    assets, requirement = account_states_kernel(*inputs)
    expected_assets, expected_requirement = _stacked_states(book, multipliers, values)
    assert assets.tobytes() == expected_assets.tobytes()
    assert requirement.tobytes() == expected_requirement.tobytes()
    health = account_health_kernel(*inputs)
    assert health.tobytes() == health_kernel(expected_assets, expected_requirement).tobytes()


@settings(max_examples=60, deadline=None)
@given(books(), st.data())
def test_pnl_is_numpys_difference_and_sum(book: Book, data: st.DataObject) -> None:
    _, _, values = _grid(book, data, least=2)  # numpy sums a single column pairwise
    values[0, : values.shape[1] // 2] = -0.0  # a lone -0.0 sums to 0.0, as numpy's does
    cell = data.draw(st.integers(0, values.shape[1] - 1))
    expected = values - values[:, cell : cell + 1].copy()
    found = values.copy()
    totals = pnl_kernel(found, found[:, cell])  # the column read before its row changes
    assert found.tobytes() == expected.tobytes()
    assert totals.tobytes() == expected.sum(axis=0).tobytes()
    other = np.array(data.draw(st.lists(st.floats(-1e6, 1e6), min_size=values.shape[0],
                                        max_size=values.shape[0])))  # fmt: skip
    found = values.copy()
    totals = pnl_kernel(found, other)
    expected = values - other[:, None]
    assert found.tobytes() == expected.tobytes()
    assert totals.tobytes() == expected.sum(axis=0).tobytes()


@settings(max_examples=30, deadline=None)
@given(books())
def test_the_grids_pnl_sums_its_positions_pnl(book: Book) -> None:
    grids = (StressGrid(), StressGrid((-0.3, 0.2), (0.5,)), StressGrid((-0.1,), (0.0,)))
    for grid in grids:  # the last: one cell, no cell of no move
        result = stress_test(book, grid)
        expected = result.position_pnl_usd.sum(axis=0)
        assert result.pnl_usd.tobytes() == expected.tobytes()


def _greeks_rows_are_the_row_functions(book: Book) -> None:
    arrays = book.arrays
    terms, codes, market, now = arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds
    table = book_greeks_kernel(terms, codes, market, now, arrays.option_terms)
    for index in np.flatnonzero(codes[:, KIND] != 0).tolist():
        expected = np.array(linear_position_row(terms, codes, index, market, now, 1.0))
        assert table[index].tobytes() == expected.tobytes()


def test_every_kind_of_linear_row_has_the_row_functions_greeks() -> None:
    book = example_book()
    assert {int(kind) for kind in book.arrays.codes[:, KIND]} >= {1, 2, 3, 4, 5}
    _greeks_rows_are_the_row_functions(book)


@settings(max_examples=40, deadline=None)
@given(books())
def test_random_books_rows_have_the_row_functions_greeks(book: Book) -> None:
    _greeks_rows_are_the_row_functions(book)


def _argmin_nearest(found: np.ndarray, queries: np.ndarray, underlyings: int) -> list:
    """The replaced path: per underlying's rows, ``np.argmin`` of the shocks' sizes with
    NaN as inf; none where the nearest is inf (or there are no rows)."""
    reach = np.abs(found)
    reach[np.isnan(found)] = np.inf
    groups = np.searchsorted(queries[:, 0], np.arange(underlyings + 1))
    result = []
    for underlying in range(underlyings):
        rows = np.arange(groups[underlying], groups[underlying + 1])
        picks = []
        for side in (0, 1):
            sizes = reach[rows, side]
            first = int(np.argmin(sizes)) if sizes.size else -1
            picks.append(-1 if first < 0 or sizes[first] == np.inf else int(rows[first]))
        result.append(picks)
    return result


SHOCKS = st.sampled_from([np.nan, 0.0, -0.0, 0.25, -0.25, 0.5, -0.1, 1e-300, np.inf, 3.0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), SHOCKS, SHOCKS), max_size=30))
def test_nearest_is_the_first_argmin_of_each_underlyings_rows(rows: list) -> None:
    rows = sorted(rows, key=lambda row: row[0])  # the walk's rows are by underlying
    queries = np.array([[row[0], index] for index, row in enumerate(rows)], dtype=np.int64)
    queries = queries.reshape(-1, 2)
    found = np.array([[row[1], row[2]] for row in rows], dtype=np.float64).reshape(-1, 2)
    expected = _argmin_nearest(found, queries, 4)
    assert nearest_kernel(found, queries, 4).tolist() == expected


GREEKS = st.sampled_from([0.0, -0.0, 1.5, -2.25, 1e-310, -1e-310, 3e300, np.nan, np.inf])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 12), st.integers(1, 3), st.data())
def test_position_rows_are_numpys_table_and_option_rows(
    count: int, underlyings: int, data: st.DataObject
) -> None:
    size = (count + underlyings) * 6
    table = np.array(data.draw(st.lists(GREEKS, min_size=size, max_size=size))).reshape(-1, 6)
    spot = np.array(data.draw(st.lists(st.sampled_from([3000.0, 0.5, 1e-300]),
                                       min_size=underlyings, max_size=underlyings)))  # fmt: skip
    codes = np.zeros((count, 7), dtype=np.int64)
    codes[:, KIND] = data.draw(st.lists(st.integers(0, 5), min_size=count, max_size=count))
    codes[:, UNDERLYING] = data.draw(
        st.lists(st.integers(0, underlyings - 1), min_size=count, max_size=count)
    )
    positions = table[:count]
    expected = np.empty((count, 6))  # the replaced steps
    expected[:, 0] = positions[:, DELTA]
    expected[:, 1] = positions[:, DELTA] * spot[codes[:, UNDERLYING]]
    expected[:, 2:] = positions[:, (GAMMA, VEGA, THETA, RHO)]
    expected += 0.0
    rows, options = position_rows_kernel(table, spot, codes)
    assert rows.tobytes() == expected.tobytes()
    assert options.tolist() == np.flatnonzero(codes[:, KIND] == 0).tolist()
