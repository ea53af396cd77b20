"""Liquidation distance: how far each underlying can move before an account fails.

For every account and every non-pegged underlying it holds, the smallest move down and
up (the other underlyings and all vols unchanged) at which its health drops below 1,
found by full revaluation of the account's positions on a grid (0.25% steps to -99.75%
and +100%, then 5% steps to +1000%; walked outwards until the account fails) and refined
to 1e-14 by false position (Illinois) with bisection steps. Per underlying, the book's
distance is the nearest such move across accounts, with the account that fails first. A
window of liquidation narrower than a grid step can be missed; none arises from
perpetuals, futures or lending, whose health is monotonic in each price.

``arrays_liquidation_levels`` runs the same search on a book's arrays alone: the stress
gate's changed account, laid out from the tick's rows without building a book for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.risk.book import (
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    UNDERLYING,
    Book,
    BookArrays,
    IntArray,
)
from agent.risk.liquidation_kernels import (
    BookTerms,
    SearchTerms,
    account_health_kernel,
    account_members,
    linear_accounts,
    refine_kernel,
    steady_values_kernel,
)
from agent.risk.scenario_kernels import account_states_kernel, scenario_values_kernel
from agent.risk.scenarios import AccountStates
from agent.risk.validation import BoolArray, FloatArray

_DOWN_GRID: FloatArray = -np.arange(1, 400, dtype=np.float64) * 0.0025
_UP_GRID: FloatArray = np.concatenate(
    [np.arange(1, 401, dtype=np.float64) * 0.0025, 1.0 + np.arange(1, 181, dtype=np.float64) * 0.05]
)
_TOLERANCE = 1e-14  # relative width of the final bracket, as the bisection had
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
    return arrays_liquidation_levels(book.arrays)


def arrays_liquidation_levels(
    arrays: BookArrays, *, whole_grid: bool = False
) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """``account_liquidation_levels`` of the book these arrays lay out. ``whole_grid``:
    revalue every move of the grid at once with the stress kernels (``health_under``'s
    floats, which the walk's kernel reproduces) instead of walking it account by
    account; cheaper for a few large accounts far from liquidation (the stress gate's
    changed account), where the walk prices each position at each move in turn."""
    levels: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for underlying, name in enumerate(arrays.underlyings):
        if arrays.pegged[underlying]:
            continue
        exposed = _exposed_accounts(arrays, underlying)
        if not exposed:
            continue
        search = _Search.of(arrays, underlying)
        failures = _grid_failures if whole_grid else _first_failures
        down = failures(search, _DOWN_GRID, exposed)
        up = failures(search, _UP_GRID, exposed)
        accounts = arrays.lending_accounts + arrays.margin_accounts
        for account in exposed:
            levels[(accounts[account].name, name)] = (down[account], up[account])
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


def _exposed_accounts(arrays: BookArrays, underlying: int) -> list[int]:
    codes = arrays.codes
    lending, margin = codes[:, LENDING_ACCOUNT], codes[:, MARGIN_ACCOUNT]
    owner = np.where(
        lending >= 0, lending, np.where(margin >= 0, len(arrays.lending_accounts) + margin, -1)
    )
    held = owner[(codes[:, UNDERLYING] == underlying) & (owner >= 0)]
    return [int(account) for account in np.unique(held)]


@dataclass(frozen=True, slots=True)
class _Search:
    """What the health of one account at one move of ``underlying`` needs."""

    arrays: BookArrays
    underlying: int
    members: IntArray
    starts: IntArray
    steady: FloatArray
    linear: BoolArray  # per account: assets and requirement affine in the price

    @classmethod
    def of(cls, arrays: BookArrays, underlying: int) -> _Search:
        count = len(arrays.lending_accounts) + len(arrays.margin_accounts)
        members, starts = account_members(arrays.codes, len(arrays.lending_accounts), count)
        steady = steady_values_kernel(
            arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, members, underlying
        )
        linear = linear_accounts(arrays.codes, members, starts)
        return cls(arrays, underlying, members, starts, steady, linear)

    def terms(self) -> tuple[BookTerms, SearchTerms]:
        """The kernels' view of the book and of this search."""
        arrays = self.arrays
        book = (
            arrays.terms,
            arrays.codes,
            arrays.market,
            arrays.valuation_seconds,
            len(arrays.lending_accounts),
            arrays.margin_cash,
        )
        return book, (self.members, self.starts, self.underlying, self.steady)

    def health(self, accounts: IntArray, shocks: FloatArray) -> FloatArray:
        """Health (queries, moves) of ``accounts[q]`` at each move of ``shocks[q]``."""
        result: FloatArray = account_health_kernel(*self.terms(), accounts, shocks)
        return result

    def refine(self, brackets: list[Bracket]) -> dict[int, float]:
        """Each bracket's failing end, shrunk to ``_TOLERANCE`` (``refine_kernel``)."""
        if not brackets:
            return {}
        accounts = np.array([b.account for b in brackets], dtype=np.int64)
        ends = np.array(
            [[b.safe, b.failing, b.safe_margin, b.failing_margin] for b in brackets]
        ).T.copy()
        failing = refine_kernel(*self.terms(), ends, accounts, _TOLERANCE, _MAX_STEPS)
        return {int(a): float(shock) for a, shock in zip(accounts, failing, strict=True)}


# The grid is walked outwards in chunks that double, and an account leaves the walk at
# its first failing move: most accounts fail (or are safe) near the current price.
_FIRST_CHUNK = 16
# An account whose assets and requirement are affine in the price has a health monotonic
# between the grid's ends (a ratio of affine functions with a denominator of one sign):
# healthy by this margin at both ends, or unbacked-but-solvent (inf) at both, it is
# healthy everywhere between, far beyond rounding.
_SAFE_ENDS = 1.0 + 1e-9


def _safe_throughout(search: _Search, grid: FloatArray, accounts: IntArray) -> BoolArray:
    """Which ``accounts`` are linear and healthy at both ends of ``grid`` (so at every move)."""
    linear = search.linear[accounts]
    safe = np.zeros(accounts.shape[0], dtype=np.bool_)
    if not linear.any():
        return safe
    tested = accounts[linear]
    ends = np.tile(np.array([0.0, float(grid[-1])]), (tested.shape[0], 1))
    health = search.health(tested, ends)
    finite = np.isfinite(health)
    healthy = (finite.all(axis=1) & (health >= _SAFE_ENDS).all(axis=1)) | (health == np.inf).all(
        axis=1
    )
    safe[linear] = healthy
    return safe


def _first_failures(
    search: _Search, grid: FloatArray, exposed: list[int]
) -> dict[int, float | None]:
    """Per exposed account, the move nearest 0 along ``grid`` (ordered outwards) that fails."""
    shocks = np.concatenate([[0.0], grid])
    result: dict[int, float | None] = dict.fromkeys(exposed)
    brackets: list[Bracket] = []
    pending = np.array(exposed, dtype=np.int64)
    pending = pending[~_safe_throughout(search, grid, pending)]
    previous = np.full(pending.shape[0], np.nan)  # health at the last move walked, per pending
    start, size = 0, _FIRST_CHUNK
    while pending.size and start < shocks.shape[0]:
        stop = min(start + size, shocks.shape[0])
        chunk = shocks[start:stop]
        health = search.health(pending, np.tile(chunk, (pending.size, 1)))
        fails = health < 1.0
        failed = fails.any(axis=1)
        for row in np.flatnonzero(failed):
            account = int(pending[row])
            first = int(np.argmax(fails[row]))
            if start + first == 0:
                result[account] = 0.0
                continue
            inside = health[row, first - 1] if first > 0 else previous[row]
            brackets.append(
                Bracket(
                    account,
                    float(shocks[start + first - 1]),
                    float(shocks[start + first]),
                    float(inside) - 1.0,
                    float(health[row, first]) - 1.0,
                )
            )
        pending, previous = pending[~failed], health[~failed, -1]
        start, size = stop, 2 * size
    brackets.sort(key=lambda bracket: bracket.account)
    result.update(search.refine(brackets))
    return result


def _grid_failures(
    search: _Search, grid: FloatArray, exposed: list[int]
) -> dict[int, float | None]:
    """``_first_failures`` with every move of ``grid`` revalued at once."""
    arrays = search.arrays
    shocks = np.concatenate([[0.0], grid])
    multipliers = np.ones((arrays.market.shape[0], shocks.shape[0]))
    multipliers[search.underlying] = 1.0 + shocks
    now = arrays.valuation_seconds
    # The thread pool's kernel: the serial one prices linear rows far slower per move.
    values = scenario_values_kernel(
        arrays.terms, arrays.codes, arrays.market, now, multipliers, np.ones(shocks.shape[0])
    )
    collateral, debt, equity, maintenance = account_states_kernel(
        arrays.terms, arrays.codes, arrays.market, now, multipliers, values,
        len(arrays.lending_accounts), arrays.margin_cash,
    )  # fmt: skip
    health = AccountStates(
        arrays.lending_accounts + arrays.margin_accounts,
        len(arrays.lending_accounts),
        np.vstack([collateral, equity]),
        np.vstack([debt, maintenance]),
    ).health
    result: dict[int, float | None] = dict.fromkeys(exposed)
    brackets: list[Bracket] = []
    for account in exposed:
        failing = np.flatnonzero(health[account] < 1.0)
        if failing.size == 0:
            continue
        first = int(failing[0])
        if first == 0:
            result[account] = 0.0
            continue
        brackets.append(
            Bracket(
                account,
                float(shocks[first - 1]),
                float(shocks[first]),
                float(health[account, first - 1]) - 1.0,
                float(health[account, first]) - 1.0,
            )
        )
    result.update(search.refine(brackets))
    return result


@dataclass(frozen=True, slots=True)
class Bracket:
    """A shock that is safe and one that fails, with health - 1 at each (>= 0, < 0)."""

    account: int
    safe: float
    failing: float
    safe_margin: float
    failing_margin: float
