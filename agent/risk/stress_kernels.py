"""The stress grid's numbers in one kernel call: scenarios, values, health, P&L and the
worst cell.

A tick's grid was three compiled calls and a dozen numpy steps between, each paying
numba's dispatch or numpy's set-up on cold caches (the grid runs right after the
tick's read has evicted them); here they are one call, each step the function it
replaced (``spot_multipliers_for``'s multipliers, ``scenario_values_*``,
``account_health_kernel``, ``pnl_kernel``, ``np.argmin``), so the same floats.
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.book import IntArray
from agent.risk.jit import kernel
from agent.risk.scenario_kernels import (
    account_health_kernel,
    pnl_kernel,
    scenario_values_serial,
)
from agent.risk.validation import BoolArray, FloatArray

# (values, health, failing, P&L, worst): see ``stress_kernel``
Stressed = tuple[FloatArray, FloatArray, BoolArray, FloatArray, int]


@kernel
def stress_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    pegged: BoolArray,
    cells: tuple[FloatArray, FloatArray, int, int],
    lending_count: int,
    margin_cash: FloatArray,
    priced: FloatArray,
) -> Stressed:
    """A grid of ``cells`` (per cell in [spot, vol] order, its spot shock and vol
    multiplier; the vol shocks' count; the cell of no move, -1 if none): per position and
    cell its P&L against the book as it is (positions, spot shocks, vol shocks); every
    account's health (accounts, spot shocks, vol shocks) and where it is below 1; the
    cells' P&L (spot shocks, vol shocks), summed only when there are two cells or more
    (numpy sums one pairwise: the caller's); and the flat cell of the least P&L, the
    first of equals, a NaN before any number (``np.argmin``'s). ``priced``: the values
    of a grid large enough for the thread pool (``scenarios.revalue``), or (0, 0) to
    price them here on one thread (a kernel calling the pool's kernel segfaulted here
    when loaded from numba's cache, numba 0.68.1)."""
    spot_shocks, vol_multipliers, vol_count, unshocked_cell = cells
    count = spot_shocks.shape[0]
    multipliers = np.ones((market.shape[0], count))  # ``spot_multipliers_for``'s
    for underlying in range(market.shape[0]):
        if not pegged[underlying]:
            for cell in range(count):
                multipliers[underlying, cell] = 1.0 + spot_shocks[cell]
    values = priced
    if priced.shape[1] == 0:  # not priced on the thread pool: on this thread
        values = scenario_values_serial(terms, codes, market, now, multipliers, vol_multipliers)
    health = account_health_kernel(
        terms, codes, market, now, multipliers, values, lending_count, margin_cash
    )
    if unshocked_cell >= 0:  # its multipliers are exactly 1 and each cell is priced alone
        unshocked = values[:, unshocked_cell]
    else:
        ones = np.ones((market.shape[0], 1))
        unshocked = scenario_values_serial(terms, codes, market, now, ones, np.ones(1))[:, 0]
    pnl = pnl_kernel(values, unshocked)
    spot_count = count // vol_count
    shape = (spot_count, vol_count)
    health = health.reshape((health.shape[0], spot_count, vol_count))
    return (
        values.reshape((values.shape[0], spot_count, vol_count)),
        health,
        health < 1.0,
        pnl.reshape(shape),
        _first_least(pnl),
    )


@kernel
def _first_least(values: FloatArray) -> int:
    """``np.argmin`` of ``values``: the first NaN if any, else the first of the least."""
    least = 0
    for index in range(values.shape[0]):
        value = values[index]
        if math.isnan(value):
            return index
        if value < values[least]:
            least = index
    return least
