"""Kernels that revalue a book under many scenarios, and sum its accounts in each.

Options dominate the cost of a stress grid, so they take a dedicated path: everything
that does not depend on the scenario (log-moneyness, discount, carry, sqrt T) is
computed once per option, and the loop over scenarios is straight-line code that LLVM
vectorises, four scenarios at a time. Other positions go through ``linear_position_row``.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from agent.risk.book import (
    EXPIRY,
    FEES,
    FORWARD_RATIO,
    IS_CALL,
    KIND,
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    MARKET_VOL,
    QUANTITY,
    RATE,
    SPOT,
    STRIKE,
    THRESHOLD,
    UNDERLYING,
    VOL,
    IntArray,
)
from agent.risk.elementary import exp, log, norm_cdf
from agent.risk.jit import inline_kernel, kernel, parallel_kernel
from agent.risk.terms import SECONDS_PER_YEAR
from agent.risk.validation import FloatArray
from agent.risk.valuation import linear_position_row, maintenance_terms, plain_terms

_OPTION, _PERP, _FUTURE, _SUPPLY, _DEBT = 0, 1, 2, 4, 5
_MINIMUM_TOTAL_VOL = 1e-150
_MINIMUM_YEARS = 1e-300


# An option's scenario-independent terms (``option_setup``), in this order.
OptionSetup = tuple[float, float, float, float, float, float, float, float, float, float]
OPTION_SETUP_SIZE = 10


@inline_kernel
def option_setup(
    terms: FloatArray, codes: IntArray, index: int, market: FloatArray, now: float
) -> OptionSetup:
    """What option ``index``'s value in a scenario needs that no scenario changes:
    (quantity, sign, strike, underlying price, expired (1.0 or 0.0), vol, sqrt of the
    years, log-moneyness with carry, discounted forward, discounted strike); the last
    five are NaN for an expired option, whose value is its intrinsic value."""
    underlying = codes[index, UNDERLYING]
    quantity = terms[index, QUANTITY]
    strike = terms[index, STRIKE]
    spot = market[underlying, SPOT]
    rate = market[underlying, RATE]
    years = (terms[index, EXPIRY] - now) / SECONDS_PER_YEAR
    override = terms[index, VOL]
    vol = market[underlying, MARKET_VOL] if math.isnan(override) else override
    ratio = terms[index, FORWARD_RATIO]
    black76 = not math.isnan(ratio)
    sign = 1.0 if codes[index, IS_CALL] == 1 else -1.0
    underlying_price = spot * ratio if black76 else spot
    if years <= 0.0:
        nan = math.nan
        return (quantity, sign, strike, underlying_price, 1.0, nan, nan, nan, nan, nan)
    time = max(years, _MINIMUM_YEARS)
    root_time = math.sqrt(time)
    discount = exp(-rate * time)
    log_moneyness = log(underlying_price / strike) + (0.0 if black76 else rate * time)
    discounted_forward = discount * underlying_price if black76 else underlying_price
    discounted_strike = discount * strike
    return (
        quantity, sign, strike, underlying_price, 0.0, vol, root_time, log_moneyness,
        discounted_forward, discounted_strike,
    )  # fmt: skip


@inline_kernel
def option_values(
    setup: OptionSetup,
    log_multipliers: FloatArray,
    spot_multipliers: FloatArray,
    vol_multipliers: FloatArray,
    out: FloatArray,
) -> None:
    """Values of the option ``setup`` describes in every scenario into ``out`` (same
    formulas as ``black.option_row``)."""
    if setup[4] == 1.0:
        for scenario in range(out.shape[0]):
            out[scenario] = intrinsic_value(setup, spot_multipliers[scenario])
        return
    for scenario in range(out.shape[0]):
        out[scenario] = black_value(
            setup, log_multipliers[scenario], spot_multipliers[scenario], vol_multipliers[scenario]
        )


@inline_kernel
def intrinsic_value(setup: OptionSetup, spot_multiplier: float) -> float:
    """An expired option's value (its intrinsic value) at one spot multiplier."""
    quantity, sign, strike, underlying_price = setup[0], setup[1], setup[2], setup[3]
    moved = underlying_price * spot_multiplier
    return quantity * max(sign * (moved - strike), 0.0)


@inline_kernel
def black_value(
    setup: OptionSetup, log_multiplier: float, spot_multiplier: float, vol_multiplier: float
) -> float:
    """A live option's value at one scenario (Black-Scholes or Black-76 on the setup)."""
    quantity, sign = setup[0], setup[1]
    vol, root_time, log_moneyness, discounted_forward, discounted_strike = setup[5:]
    total_vol = max(vol * vol_multiplier * root_time, _MINIMUM_TOTAL_VOL)
    d1 = (log_moneyness + log_multiplier) / total_vol + 0.5 * total_vol
    forward_leg = discounted_forward * spot_multiplier * norm_cdf(sign * d1)
    strike_leg = discounted_strike * norm_cdf(sign * (d1 - total_vol))
    return quantity * max(sign * (forward_leg - strike_leg), 0.0)


@kernel
def _option_scenarios(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    log_multipliers: FloatArray,
    spot_multipliers: FloatArray,
    vol_multipliers: FloatArray,
    out: FloatArray,
) -> None:
    """Values of option ``index`` in every scenario (``option_values`` of its setup).

    Not inlined into the threaded loop that calls it once per option: its own loop over
    scenarios is what is vectorised, and keeping it out of the parallel kernel's body
    keeps that kernel's compile time down.
    """
    setup = option_setup(terms, codes, index, market, now)
    option_values(setup, log_multipliers, spot_multipliers, vol_multipliers, out)


@kernel
def _rows_scenarios(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    spot_multipliers: FloatArray,
    log_multipliers: FloatArray,
    vol_multipliers: FloatArray,
    values: FloatArray,
    rows: tuple[int, int],
) -> None:
    """Values of positions ``rows[0]`` to ``rows[1]`` (excluded) in every scenario into
    their rows of ``values``.

    The loop over positions is here, with a row's branches written out in it: with the
    row's work inlined into the kernels' loops as a function of its own, each position
    paid for reference counting the arrays passed to it, two thirds of a stress grid's
    pricing on a book of loans. A spot or lending row is ``linear_values``' loop on the
    whole arrays."""
    for index in range(rows[0], rows[1]):
        underlying = codes[index, UNDERLYING]
        kind = codes[index, KIND]
        if kind == _OPTION:
            _option_scenarios(
                terms, codes, index, market, now, log_multipliers[underlying],
                spot_multipliers[underlying], vol_multipliers, values[index],
            )  # fmt: skip
        elif kind in (_PERP, _FUTURE):
            multipliers = spot_multipliers[underlying]
            linear_values(terms, codes, index, market, now, multipliers, values[index])
        else:
            quantity, spot = plain_terms(terms, codes, index, market)
            for scenario in range(values.shape[1]):
                values[index, scenario] = quantity * (spot * spot_multipliers[underlying, scenario])


@inline_kernel
def linear_values(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    multipliers: FloatArray,
    out: FloatArray,
) -> None:
    """Values of position ``index`` (not an option) at each spot multiplier into ``out``:
    ``linear_position_row``'s value. Spot and lending rows, quantity * (spot * multiplier),
    as straight-line code: through the row, one thread paid ~30 ns a move instead of ~1."""
    kind = codes[index, KIND]
    if kind in (_PERP, _FUTURE):
        for scenario in range(out.shape[0]):
            row = linear_position_row(terms, codes, index, market, now, multipliers[scenario])
            out[scenario] = row[0]
        return
    quantity, spot = plain_terms(terms, codes, index, market)
    for scenario in range(out.shape[0]):
        out[scenario] = quantity * (spot * multipliers[scenario])


# Positions per task of the threaded kernel: enough to pay for a task, few enough to
# share a thousand positions' options among the threads.
_ROWS_PER_TASK = 32


@parallel_kernel
def scenario_values_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    spot_multipliers: FloatArray,
    vol_multipliers: FloatArray,
) -> FloatArray:
    """Values (n, scenarios) in USD; spot_multipliers is (underlyings, scenarios)."""
    values = np.empty((terms.shape[0], vol_multipliers.shape[0]))
    log_multipliers = np.log(spot_multipliers)
    tasks = (terms.shape[0] + _ROWS_PER_TASK - 1) // _ROWS_PER_TASK
    for task in numba.prange(tasks):
        start = task * _ROWS_PER_TASK
        rows = (start, min(start + _ROWS_PER_TASK, terms.shape[0]))
        _rows_scenarios(
            terms, codes, market, now, spot_multipliers, log_multipliers, vol_multipliers,
            values, rows,
        )  # fmt: skip
    return values


@kernel
def scenario_values_serial(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    spot_multipliers: FloatArray,
    vol_multipliers: FloatArray,
) -> FloatArray:
    """``scenario_values_kernel`` on one thread, for grids too small to pay for waking
    the pool (the same floats: each position's values are computed alike)."""
    values = np.empty((terms.shape[0], vol_multipliers.shape[0]))
    log_multipliers = np.log(spot_multipliers)
    _rows_scenarios(
        terms, codes, market, now, spot_multipliers, log_multipliers, vol_multipliers,
        values, (0, terms.shape[0]),
    )  # fmt: skip
    return values


@kernel
def account_states_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    spot_multipliers: FloatArray,
    values: FloatArray,
    lending_count: int,
    margin_cash: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """(assets, requirement), (accounts, scenarios): lending accounts first (threshold-
    weighted collateral, debt), then margin accounts (equity, maintenance); written in
    place, not stacked afterwards (two copies of the grid).

    ``values`` are the positions' scenario values from ``scenario_values_kernel``.
    """
    scenarios = values.shape[1]
    accounts = lending_count + margin_cash.shape[0]
    assets = np.zeros((accounts, scenarios))
    requirement = np.zeros((accounts, scenarios))
    for account in range(margin_cash.shape[0]):
        assets[lending_count + account, :] = margin_cash[account]
    for index in range(terms.shape[0]):
        lending = codes[index, LENDING_ACCOUNT]
        margin = codes[index, MARGIN_ACCOUNT]
        if lending >= 0:  # element by element: whole-row expressions allocated a temporary
            if codes[index, KIND] == _SUPPLY:
                threshold = terms[index, THRESHOLD]
                for scenario in range(scenarios):
                    assets[lending, scenario] += values[index, scenario] * threshold
            else:
                for scenario in range(scenarios):
                    requirement[lending, scenario] -= values[index, scenario]
        elif margin >= 0:
            account = lending_count + margin
            underlying = codes[index, UNDERLYING]
            multipliers = spot_multipliers[underlying]
            spot = market[underlying, SPOT]
            fees = terms[index, FEES]
            fixed, per_spot, basis = maintenance_terms(terms, codes, index, market, now)
            for scenario in range(scenarios):
                assets[account, scenario] += values[index, scenario] - fees
                moved = spot * multipliers[scenario]
                requirement[account, scenario] += fixed + per_spot * moved * basis
    return assets, requirement


@kernel
def account_health_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    spot_multipliers: FloatArray,
    values: FloatArray,
    lending_count: int,
    margin_cash: FloatArray,
) -> FloatArray:
    """``health_kernel`` of ``account_states_kernel`` in one call (the stress grid's:
    it reads only the health), written over the assets (no third grid of cold memory)."""
    assets, requirement = account_states_kernel(
        terms, codes, market, now, spot_multipliers, values, lending_count, margin_cash
    )
    _health_into(assets, requirement, assets)
    return assets


@kernel
def pnl_kernel(values: FloatArray, unshocked: FloatArray) -> FloatArray:
    """Subtracts each row's ``unshocked`` value from its row of ``values`` (positions,
    cells) in place, and returns the rows' sums per cell: ``values -= unshocked[:,
    None]`` then ``values.sum(axis=0)``, whose reduction over rows adds them one after
    another to 0.0 (so a lone -0.0 sums to 0.0; tests compare the floats) when there
    are two cells or more. Not for one cell: numpy sums a single column pairwise. Each
    row's ``unshocked`` is read before the row changes: it may be a column of ``values``."""
    totals = np.zeros(values.shape[1])
    for index in range(values.shape[0]):
        base = unshocked[index]
        for cell in range(values.shape[1]):
            values[index, cell] -= base
            totals[cell] += values[index, cell]
    return totals


@kernel
def health_kernel(assets: FloatArray, requirement: FloatArray) -> FloatArray:
    """Health (accounts, scenarios): assets / requirement where something is required,
    else inf with assets > 0 and 0 without (one pass: numpy's masked division and
    selects took four)."""
    health = np.empty(assets.shape)
    _health_into(assets, requirement, health)
    return health


@inline_kernel
def _health_into(assets: FloatArray, requirement: FloatArray, health: FloatArray) -> None:
    """``health_kernel``'s figures into ``health``, which may be ``assets`` itself (each
    element is read before it is written)."""
    for account in range(assets.shape[0]):
        for scenario in range(assets.shape[1]):
            owed, held = requirement[account, scenario], assets[account, scenario]
            if owed > 0.0:
                health[account, scenario] = held / owed
            else:
                health[account, scenario] = math.inf if held > 0.0 else 0.0
