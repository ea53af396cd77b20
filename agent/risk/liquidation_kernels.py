"""The health of single accounts at single moves of one underlying, for the liquidation
search (``agent.risk.liquidation``).

The search asks many (account, shock) questions: along a grid, then one per account at
each refinement step. Revaluing the whole book for each shock, as a stress grid does,
prices every position of every account at every account's point; here a query prices
only its own account's positions, and those on other underlyings (which do not move)
are valued once. Every figure is the float ``scenarios.health_under`` gives for the
same move: the same pricing functions on the same inputs, summed in the same order
(the account's positions by book index, as ``account_states_kernel`` does).
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.book import (
    FEES,
    KIND,
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    SPOT,
    THRESHOLD,
    IntArray,
)
from agent.risk.book import UNDERLYING as UNDERLYING_CODE
from agent.risk.jit import inline_kernel, kernel
from agent.risk.scenario_kernels import _option_scenarios
from agent.risk.validation import BoolArray, FloatArray
from agent.risk.valuation import linear_position_row, maintenance_terms

_OPTION, _SPOT, _SUPPLY, _DEBT = 0, 3, 4, 5


@inline_kernel
def _row_values(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    log_multipliers: FloatArray,
    multipliers: FloatArray,
    ones: FloatArray,
    out: FloatArray,
) -> None:
    """Values of position ``index`` at each spot multiplier (vol unmoved) into ``out``."""
    if codes[index, KIND] == _OPTION:
        _option_scenarios(terms, codes, index, market, now, log_multipliers, multipliers, ones, out)
        return
    for scenario in range(out.shape[0]):
        row = linear_position_row(terms, codes, index, market, now, multipliers[scenario])
        out[scenario] = row[0]


@kernel
def steady_values_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    members: IntArray,
    underlying: int,
) -> FloatArray:
    """Values at the current market of the ``members`` not on ``underlying`` (by book
    index; the others are left unset): they do not move when ``underlying`` does."""
    ones = np.ones(1)
    zero = np.zeros(1)
    out = np.empty(1)
    steady = np.empty(terms.shape[0])
    for index in members:
        if codes[index, UNDERLYING_CODE] != underlying:
            _row_values(terms, codes, index, market, now, zero, ones, ones, out)
            steady[index] = out[0]
    return steady


@inline_kernel
def _add_position(
    terms: FloatArray,
    codes: IntArray,
    index: int,
    market: FloatArray,
    now: float,
    lending: bool,
    moving: bool,
    multipliers: FloatArray,
    values: FloatArray,
    assets: FloatArray,
    requirement: FloatArray,
) -> None:
    """Add position ``index``'s ``values`` to its account's assets and requirement, as
    ``account_states_kernel`` does (lending: weighted collateral and debt; margin: equity
    less fees, and maintenance at the moved spot)."""
    moves = values.shape[0]
    if lending:
        if codes[index, KIND] == _SUPPLY:
            threshold = terms[index, THRESHOLD]
            for move in range(moves):
                assets[move] += values[move] * threshold
        else:
            for move in range(moves):
                requirement[move] -= values[move]
        return
    fees = terms[index, FEES]
    spot = market[codes[index, UNDERLYING_CODE], SPOT]
    fixed, per_spot, basis = maintenance_terms(terms, codes, index, market, now)
    for move in range(moves):
        assets[move] += values[move] - fees
        moved = spot * (multipliers[move] if moving else 1.0)
        requirement[move] += fixed + per_spot * moved * basis


@kernel
def account_health_kernel(
    terms: FloatArray,
    codes: IntArray,
    market: FloatArray,
    now: float,
    lending_count: int,
    margin_cash: FloatArray,
    members: IntArray,
    starts: IntArray,
    underlying: int,
    steady: FloatArray,
    accounts: IntArray,
    shocks: FloatArray,
) -> FloatArray:
    """Health (queries, moves) of account ``accounts[q]`` when ``underlying`` moves by
    each of ``shocks[q]`` (a row per query).

    Accounts are numbered lending first, then margin; ``members[starts[a]:starts[a+1]]``
    are account a's positions in book order; ``steady`` the values of those on other
    underlyings (``steady_values_kernel``).
    """
    moves = shocks.shape[1]
    ones = np.ones(moves)
    values = np.empty(moves)
    assets = np.empty(moves)
    requirement = np.empty(moves)
    multipliers = 1.0 + shocks
    log_multipliers = np.log(multipliers)
    health = np.empty(shocks.shape)
    for query in range(shocks.shape[0]):
        account = accounts[query]
        lending = account < lending_count
        assets[:] = 0.0 if lending else margin_cash[account - lending_count]
        requirement[:] = 0.0
        for slot in range(starts[account], starts[account + 1]):
            index = members[slot]
            position_underlying = codes[index, UNDERLYING_CODE]
            moving = position_underlying == underlying
            if moving:
                _row_values(
                    terms,
                    codes,
                    index,
                    market,
                    now,
                    log_multipliers[query],
                    multipliers[query],
                    ones,
                    values,
                )
            else:
                values[:] = steady[index]
            _add_position(
                terms, codes, index, market, now, lending, moving, multipliers[query], values,
                assets, requirement,
            )  # fmt: skip
        for move in range(moves):
            if requirement[move] > 0.0:
                health[query, move] = assets[move] / requirement[move]
            else:
                health[query, move] = math.inf if assets[move] > 0.0 else 0.0
    return health


def account_members(
    codes: IntArray, lending_count: int, account_count: int
) -> tuple[IntArray, IntArray]:
    """(members, starts): every account's positions in book order, accounts numbered
    lending first, then margin (as ``account_health_kernel`` reads them)."""
    lending = codes[:, LENDING_ACCOUNT]
    margin = codes[:, MARGIN_ACCOUNT]
    owner = np.where(lending >= 0, lending, np.where(margin >= 0, lending_count + margin, -1))
    rows = np.flatnonzero(owner >= 0)
    order = np.argsort(owner[rows], kind="stable")
    members: IntArray = rows[order]
    counts = np.bincount(owner[rows], minlength=account_count)
    starts: IntArray = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return members.astype(np.int64), starts


def linear_accounts(codes: IntArray, members: IntArray, starts: IntArray) -> BoolArray:
    """Per account: whether all its positions are spot, supply or debt, so that its assets
    and requirement are both affine in the underlying's price."""
    count = starts.shape[0] - 1
    owner = np.repeat(np.arange(count), np.diff(starts))
    kinds = codes[members, KIND]
    other = (kinds != _SPOT) & (kinds != _SUPPLY) & (kinds != _DEBT)
    linear: BoolArray = np.bincount(owner[other], minlength=count) == 0
    return linear
