"""Liquidation distance: how far each underlying can move before an account fails.

For every account and every non-pegged underlying it holds, the smallest move down and
up (the other underlyings and all vols unchanged) at which its health drops below 1,
found by full revaluation on a grid (0.25% steps to -99.75% and +100%, then 5% steps
to +1000%; both directions in one revaluation) and refined to 1e-14 by false position
(Illinois) on assets - requirement, with bisection steps. Each refinement step also
revalues a point half the tolerance either side of its guess, so a guess that lands on
the root closes the bracket at once: assets - requirement is linear in the price for
perpetuals, futures and lending, where the first guess is the root. Per underlying,
the book's distance is the nearest such move across accounts, with the account that
fails first. A window of liquidation narrower than a grid step can be missed; none
arises from perpetuals, futures or lending, whose health is monotonic in each price.

``account_rows_levels`` runs the same search on one account's rows as arrays (the
stress gate's changed account, without building a book for it): the same kernels on
the same rows give the same floats as the book's search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agent.risk.book import UNDERLYING, Book, IntArray
from agent.risk.bracket_kernels import narrow, open_brackets, probe_points
from agent.risk.scenario_kernels import account_states_kernel, scenario_values_kernel
from agent.risk.scenarios import health_under, spot_multipliers_for
from agent.risk.validation import FloatArray

_DOWN_GRID: FloatArray = -np.arange(1, 400, dtype=np.float64) * 0.0025
_UP_GRID: FloatArray = np.concatenate(
    [np.arange(1, 401, dtype=np.float64) * 0.0025, 1.0 + np.arange(1, 181, dtype=np.float64) * 0.05]
)
# One revaluation for both directions: no move, then down outwards, then up outwards.
_SHOCKS: FloatArray = np.concatenate([[0.0], _DOWN_GRID, _UP_GRID])
_SIDE_COLUMNS = (
    (1, 1 + _DOWN_GRID.shape[0]),
    (1 + _DOWN_GRID.shape[0], _SHOCKS.shape[0]),
)
_MAX_STEPS = 120  # a third of them bisections: enough for any bracket of the grid


@dataclass(frozen=True, slots=True)
class LiquidationLevel:
    """A move of one underlying that liquidates an account.

    ``shock`` is relative (-0.23: 23% down), ``price`` the underlying's USD price there.
    """

    shock: float
    price: float
    account: str
    venue: str
    positions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LiquidationDistance:
    """Nearest liquidations of the book when one underlying moves down or up."""

    underlying: str
    spot: float
    down: LiquidationLevel | None
    up: LiquidationLevel | None


def account_liquidation_levels(
    book: Book,
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """(account, underlying) -> (down shock, up shock) at which the account's health < 1.

    None when no move inside the grid liquidates it; 0.0 when it is liquidatable already.
    Only underlyings the account holds positions in are listed.
    """
    arrays = book.arrays
    levels: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for underlying, name in enumerate(arrays.underlyings):
        if arrays.pegged[underlying]:
            continue
        exposed = _exposed_accounts(book, underlying)
        if not exposed:
            continue
        down, up = _search(_BookStates(book, underlying), exposed)
        accounts = arrays.lending_accounts + arrays.margin_accounts
        for account in exposed:
            levels[(accounts[account].name, name)] = (down[account], up[account])
    return levels


@dataclass(frozen=True, slots=True)
class AccountRows:
    """One account's positions as the kernels read them, in its book's market.

    ``terms`` and ``codes`` are rows of ``BookArrays`` with the account columns set to
    account 0 (``LENDING_ACCOUNT`` for a lending account's rows, else ``MARGIN_ACCOUNT``);
    ``cash_usd`` is a margin account's cash or an isolated position's collateral.
    """

    terms: FloatArray
    codes: IntArray
    market: FloatArray
    pegged: np.ndarray[tuple[int, ...], np.dtype[np.bool_]]
    underlyings: tuple[str, ...]
    valuation_seconds: float
    lending: bool
    cash_usd: float = 0.0


def account_rows_levels(rows: AccountRows) -> dict[str, tuple[float | None, float | None]]:
    """underlying -> (down shock, up shock) at which this account's health < 1, for each
    non-pegged underlying it holds (as ``account_liquidation_levels``)."""
    levels: dict[str, tuple[float | None, float | None]] = {}
    held = set(rows.codes[:, UNDERLYING].tolist())
    for underlying, name in enumerate(rows.underlyings):
        if rows.pegged[underlying] or underlying not in held:
            continue
        down, up = _search(_RowStates(rows, underlying), [0])
        levels[name] = (down[0], up[0])
    return levels


def liquidation_distance(book: Book) -> dict[str, LiquidationDistance]:
    """Per non-pegged underlying: the nearest liquidation down and up, and who fails."""
    arrays = book.arrays
    accounts = {
        account.name: account for account in arrays.lending_accounts + arrays.margin_accounts
    }
    levels = account_liquidation_levels(book)
    result: dict[str, LiquidationDistance] = {}
    for underlying, name in enumerate(arrays.underlyings):
        if arrays.pegged[underlying]:
            continue
        spot = float(arrays.market[underlying, 0])
        nearest: list[LiquidationLevel | None] = [None, None]
        for (account_name, level_underlying), shocks in levels.items():
            if level_underlying != name:
                continue
            for side, shock in enumerate(shocks):
                if shock is None:
                    continue
                current = nearest[side]
                if current is None or abs(shock) < abs(current.shock):
                    account = accounts[account_name]
                    members = tuple(book.positions[index].id for index in account.positions)
                    nearest[side] = LiquidationLevel(
                        shock, spot * (1.0 + shock), account.name, account.venue, members
                    )
        result[name] = LiquidationDistance(name, spot, nearest[0], nearest[1])
    return result


def _exposed_accounts(book: Book, underlying: int) -> list[int]:
    arrays = book.arrays
    accounts = arrays.lending_accounts + arrays.margin_accounts
    holds = arrays.codes[:, UNDERLYING] == underlying
    return [index for index, account in enumerate(accounts) if any(holds[list(account.positions)])]


States = Callable[[FloatArray], tuple[FloatArray, FloatArray]]


class _BookStates:
    """(assets, requirement), each (accounts, shocks), when one underlying of a book moves."""

    def __init__(self, book: Book, underlying: int) -> None:
        self.book, self.underlying = book, underlying

    def __call__(self, shocks: FloatArray) -> tuple[FloatArray, FloatArray]:
        multipliers = spot_multipliers_for(self.book, shocks, only=self.underlying)
        states = health_under(self.book, multipliers, np.ones(shocks.shape[0]))
        return states.assets, states.requirement


class _RowStates:
    """(assets, requirement), each (1, shocks), of one account's rows (``health_under``'s
    kernels, called on the rows directly)."""

    def __init__(self, rows: AccountRows, underlying: int) -> None:
        self.rows, self.underlying = rows, underlying
        self.cash = np.array([] if rows.lending else [rows.cash_usd], dtype=np.float64)

    def __call__(self, shocks: FloatArray) -> tuple[FloatArray, FloatArray]:
        rows = self.rows
        multipliers = np.ones((rows.market.shape[0], shocks.shape[0]))
        multipliers[self.underlying] = 1.0 + shocks
        now = rows.valuation_seconds
        values = scenario_values_kernel(
            rows.terms, rows.codes, rows.market, now, multipliers, np.ones(shocks.shape[0])
        )
        collateral, debt, equity, maintenance = account_states_kernel(
            rows.terms, rows.codes, rows.market, now, multipliers, values,
            1 if rows.lending else 0, self.cash,
        )  # fmt: skip
        return (collateral, debt) if rows.lending else (equity, maintenance)


def _health(assets: FloatArray, requirement: FloatArray) -> FloatArray:
    """As ``AccountStates.health``: the ratio, inf when nothing is owed (0 if unbacked)."""
    result: FloatArray = np.where(assets > 0.0, math.inf, 0.0)
    np.divide(assets, requirement, out=result, where=requirement > 0.0)
    return result


def _search(
    states: States, exposed: list[int]
) -> tuple[dict[int, float | None], dict[int, float | None]]:
    """Per exposed account, the move nearest 0 down and up (ordered outwards) that fails."""
    assets, requirement = states(_SHOCKS)
    rows = np.array(exposed, dtype=np.int64)
    fails = np.asarray(_health(assets[rows], requirement[rows]) < 1.0)
    failing_now: list[bool] = fails[:, 0].tolist()
    margin = (assets - requirement)[rows]
    sides: tuple[dict[int, float | None], dict[int, float | None]] = ({}, {})
    found: list[tuple[int, int, int, int]] = []  # (side, row, safe column, failing column)
    for side, (start, stop) in enumerate(_SIDE_COLUMNS):
        block = fails[:, start:stop]
        failing: list[bool] = np.any(block, axis=1).tolist()
        first: list[int] = (start + block.argmax(axis=1)).tolist()
        for row, account in enumerate(exposed):
            if failing_now[row]:
                sides[side][account] = 0.0
            elif not failing[row]:
                sides[side][account] = None
            else:
                column = first[row]
                found.append((side, row, 0 if column == start else column - 1, column))
    if found:
        side_of, row_of, safe_at, failing_at = np.array(found, dtype=np.int64).T
        refined = _refine(
            states,
            rows[row_of],
            _SHOCKS[safe_at],
            _SHOCKS[failing_at],
            margin[row_of, safe_at],
            margin[row_of, failing_at],
        )
        for side, row, shock in zip(side_of.tolist(), row_of.tolist(), refined, strict=True):
            sides[side][exposed[row]] = shock
    return sides


def _refine(
    states: States,
    accounts: IntArray,
    safe: FloatArray,
    failing: FloatArray,
    f_safe: FloatArray,
    f_fail: FloatArray,
) -> list[float]:
    """Shrink every bracket (a safe and a failing shock, with assets - requirement at
    each) together to ``TOLERANCE`` (relative) and return the failing ends.

    Illinois false position on assets - requirement (linear in the price for
    perpetuals, futures and lending, smooth with options); every third step is a
    bisection, which bounds the worst case. Each step revalues its guess and a point
    half the tolerance either side of it: the bracket becomes the last point that holds
    and the first that fails, in order from the safe end, so a guess on the root ends
    the search (``agent.risk.bracket_kernels``).
    """
    safe, failing = safe.astype(np.float64), failing.astype(np.float64)
    f_safe, f_fail = f_safe.astype(np.float64), f_fail.astype(np.float64)
    last = np.zeros(accounts.shape[0], dtype=np.int64)  # 1: only safe moved, -1: failing
    remaining = open_brackets(safe, failing)
    step = 0
    while remaining and step < _MAX_STEPS:
        points = probe_points(safe, failing, f_safe, f_fail, step % 3 == 2)
        assets, requirement = states(points.ravel())
        remaining = narrow(
            safe, failing, f_safe, f_fail, last, points, accounts, assets, requirement
        )
        step += 1
    result: list[float] = failing.tolist()
    return result
