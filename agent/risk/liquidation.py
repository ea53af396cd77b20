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
from operator import attrgetter

import numpy as np

from agent.risk.book import (
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    UNDERLYING,
    Account,
    Book,
    BookArrays,
    IntArray,
)
from agent.risk.liquidation_kernels import (
    BookTerms,
    SearchTerms,
    fixed_terms_kernel,
    refine_kernel,
)
from agent.risk.liquidation_walk import layout_kernel, levels_kernel, nearest_levels_kernel
from agent.risk.scenario_kernels import account_states_kernel, scenario_values_kernel
from agent.risk.scenarios import AccountStates
from agent.risk.validation import BoolArray, FloatArray

_DOWN_GRID: FloatArray = -np.arange(1, 400, dtype=np.float64) * 0.0025
_UP_GRID: FloatArray = np.concatenate(
    [np.arange(1, 401, dtype=np.float64) * 0.0025, 1.0 + np.arange(1, 181, dtype=np.float64) * 0.05]
)
_TOLERANCE = 1e-14  # relative width of the final bracket, as the bisection had
_MAX_STEPS = 120  # a third of them bisections: enough for any bracket of the grid
_ID, _NAME = attrgetter("id"), attrgetter("name")


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
    layout = _Layout.of(arrays)
    rows = _grid_levels(layout) if whole_grid else _walked_levels(layout)
    names, accounts = arrays.underlyings, layout.accounts
    return {
        (accounts[account].name, names[underlying]): shocks for underlying, account, shocks in rows
    }


def liquidation_distance(book: Book, unique: bool | None = None) -> dict[str, LiquidationDistance]:
    """Per non-pegged underlying: the nearest liquidation down and up, and who fails.
    ``unique``: whether the accounts' names are all different, if already known."""
    arrays = book.arrays
    accounts = arrays.lending_accounts + arrays.margin_accounts
    if unique is None:
        unique = len(set(map(_NAME, accounts))) == len(accounts)
    if not unique:  # accounts sharing a name share one level entry
        return _distance_by_name(book, arrays_liquidation_levels(arrays))
    failing, shocks = nearest_levels_kernel(
        _book_terms(arrays), arrays.pegged, _DOWN_SHOCKS, _UP_SHOCKS, _WALK
    )
    spots, pegged = arrays.spot.tolist(), arrays.pegged.tolist()
    result: dict[str, LiquidationDistance] = {}
    for underlying, (name, sides, moves) in enumerate(
        zip(arrays.underlyings, failing.tolist(), shocks.tolist(), strict=True)
    ):
        if pegged[underlying]:
            continue
        spot = spots[underlying]
        down, up = (
            None if account < 0 else _level(book, accounts[account], shock, spot)
            for account, shock in zip(sides, moves, strict=True)
        )
        result[name] = LiquidationDistance(name, spot, down, up)
    return result


def _distance_by_name(
    book: Book, levels: dict[tuple[str, str], tuple[float | None, float | None]]
) -> dict[str, LiquidationDistance]:
    """``liquidation_distance`` from the levels by account name, where two accounts share
    a name (the later one's shocks and positions under the earlier one's place)."""
    arrays = book.arrays
    accounts = {
        account.name: account for account in arrays.lending_accounts + arrays.margin_accounts
    }
    by_underlying: dict[str, list[tuple[str, tuple[float | None, float | None]]]] = {}
    for (account_name, held), shocks in levels.items():
        by_underlying.setdefault(held, []).append((account_name, shocks))
    result: dict[str, LiquidationDistance] = {}
    for underlying, name in enumerate(arrays.underlyings):
        if arrays.pegged[underlying]:
            continue
        spot = float(arrays.market[underlying, 0])
        nearest: list[tuple[float, str] | None] = [None, None]
        for account_name, shocks in by_underlying.get(name, ()):
            for side, shock in enumerate(shocks):
                if shock is None:
                    continue
                current = nearest[side]
                if current is None or abs(shock) < abs(current[0]):
                    nearest[side] = (shock, account_name)
        down, up = (
            None if found is None else _level(book, accounts[found[1]], found[0], spot)
            for found in nearest
        )
        result[name] = LiquidationDistance(name, spot, down, up)
    return result


def _level(book: Book, account: Account, shock: float, spot: float) -> LiquidationLevel:
    members = member_ids(book, account)
    return LiquidationLevel(shock, spot * (1.0 + shock), account.name, account.venue, members)


def member_ids(book: Book, account: Account) -> tuple[str, ...]:
    """The ids of ``account``'s positions, in book order."""
    return tuple(map(_ID, map(book.positions.__getitem__, account.positions)))


Levels = list[tuple[int, int, tuple[float | None, float | None]]]  # underlying, account, shocks


@dataclass(frozen=True, slots=True)
class _Layout:
    """What the search reads of the book's layout: its accounts (lending first, then
    margin), each account's positions and whether the account is linear, and the
    (underlying, account) pairs to search: every account on every non-pegged underlying
    it holds positions in, ordered by underlying, then account."""

    arrays: BookArrays
    accounts: tuple[Account, ...]
    members: IntArray
    starts: IntArray
    linear: BoolArray
    queries: IntArray  # (pairs, 2): underlying, account

    @classmethod
    def of(cls, arrays: BookArrays) -> _Layout:
        accounts = arrays.lending_accounts + arrays.margin_accounts
        lending_count = len(arrays.lending_accounts)
        members, starts, linear, queries = layout_kernel(
            arrays.codes, lending_count, len(accounts), arrays.pegged
        )
        return cls(arrays, accounts, members, starts, linear, queries)

    def book(self) -> BookTerms:
        """The kernels' view of the book."""
        return _book_terms(self.arrays)


def _book_terms(arrays: BookArrays) -> BookTerms:
    """The kernels' view of the book these arrays lay out."""
    return (
        arrays.terms,
        arrays.codes,
        arrays.market,
        arrays.valuation_seconds,
        len(arrays.lending_accounts),
        arrays.margin_cash,
    )


def _walk(layout: _Layout) -> FloatArray:
    """(queries, 2): each (underlying, account)'s down and up shocks, NaN for none, from
    one walk over the grid (``levels_kernel``)."""
    queries = layout.queries
    if not queries.shape[0]:
        return np.empty((0, 2))
    terms = (layout.members, layout.starts, layout.linear)
    book = layout.book()
    found: FloatArray = levels_kernel(book, terms, queries, _DOWN_SHOCKS, _UP_SHOCKS, _WALK)
    return found


def _walked_levels(layout: _Layout) -> Levels:
    """Every (underlying, account)'s shocks, None for none (``_walk``)."""
    queries, found = layout.queries, _walk(layout)
    return [
        (underlying, account, (None if down != down else down, None if up != up else up))
        for (underlying, account), (down, up) in zip(queries.tolist(), found.tolist(), strict=True)
    ]


def _grid_levels(layout: _Layout) -> Levels:
    """``_walked_levels`` with every move of the grid revalued at once, per underlying."""
    rows: Levels = []
    for underlying in np.unique(layout.queries[:, 0]).tolist():
        exposed = layout.queries[layout.queries[:, 0] == underlying, 1]
        search = _Search.of(layout, underlying, exposed)
        down = _grid_failures(search, _DOWN_GRID, exposed)
        up = _grid_failures(search, _UP_GRID, exposed)
        for account, shocks in zip(exposed.tolist(), zip(down, up, strict=True), strict=True):
            rows.append((underlying, account, shocks))
    return rows


def _owners(arrays: BookArrays) -> IntArray:
    """Per position, the account it belongs to (lending first, then margin), -1 if none."""
    codes = arrays.codes
    lending, margin = codes[:, LENDING_ACCOUNT], codes[:, MARGIN_ACCOUNT]
    owner: IntArray = np.where(
        lending >= 0, lending, np.where(margin >= 0, len(arrays.lending_accounts) + margin, -1)
    )
    return owner


def _exposed_accounts(arrays: BookArrays, underlying: int) -> list[int]:
    """The accounts (lending first, then margin) holding positions on ``underlying``."""
    owner = _owners(arrays)
    held = owner[(arrays.codes[:, UNDERLYING] == underlying) & (owner >= 0)]
    return [int(account) for account in np.unique(held)]


# The grid is walked outwards in chunks that double, and an account leaves the walk at
# its first failing move: most accounts fail (or are safe) near the current price.
_FIRST_CHUNK = 16
# An account whose assets and requirement are affine in the price has a health monotonic
# between the grid's ends (a ratio of affine functions with a denominator of one sign):
# healthy by this margin at both ends, or unbacked-but-solvent (inf) at both, it is
# healthy everywhere between, far beyond rounding.
_SAFE_ENDS = 1.0 + 1e-9
_DOWN_SHOCKS: FloatArray = np.concatenate([[0.0], _DOWN_GRID])
_UP_SHOCKS: FloatArray = np.concatenate([[0.0], _UP_GRID])
_WALK = (_FIRST_CHUNK, _SAFE_ENDS, _TOLERANCE, _MAX_STEPS)  # ``levels_kernel``'s walk


@dataclass(frozen=True, slots=True)
class _Search:
    """What the health of one account at one move of ``underlying`` needs."""

    layout: _Layout
    search: SearchTerms

    @classmethod
    def of(cls, layout: _Layout, underlying: int, accounts: IntArray) -> _Search:
        """The search of ``accounts`` (all exposed to ``underlying``)."""
        arrays = layout.arrays
        steady, setups, columns, margins = fixed_terms_kernel(
            arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds,
            layout.members, layout.starts, accounts, underlying,
        )  # fmt: skip
        return cls(
            layout, (layout.members, layout.starts, underlying, steady, setups, columns, margins)
        )

    def refine(self, brackets: list[Bracket]) -> dict[int, float]:
        """Each bracket's failing end, shrunk to ``_TOLERANCE`` (``refine_kernel``)."""
        if not brackets:
            return {}
        accounts = np.array([b.account for b in brackets], dtype=np.int64)
        ends = np.array(
            [[b.safe, b.failing, b.safe_margin, b.failing_margin] for b in brackets]
        ).T.copy()
        book = self.layout.book()
        failing = refine_kernel(book, self.search, ends, accounts, _TOLERANCE, _MAX_STEPS)
        return {int(a): float(shock) for a, shock in zip(accounts, failing, strict=True)}


def _grid_failures(search: _Search, grid: FloatArray, exposed: IntArray) -> list[float | None]:
    """Per exposed account, the move nearest 0 along ``grid`` (ordered outwards) that
    fails, refined: ``levels_kernel``'s walk with every move revalued at once."""
    arrays = search.layout.arrays
    shocks = np.concatenate([[0.0], grid])
    multipliers = np.ones((arrays.market.shape[0], shocks.shape[0]))
    multipliers[search.search[2]] = 1.0 + shocks
    now = arrays.valuation_seconds
    # The thread pool's kernel: the serial one prices linear rows far slower per move.
    values = scenario_values_kernel(
        arrays.terms, arrays.codes, arrays.market, now, multipliers, np.ones(shocks.shape[0])
    )
    assets, requirement = account_states_kernel(
        arrays.terms, arrays.codes, arrays.market, now, multipliers, values,
        len(arrays.lending_accounts), arrays.margin_cash,
    )  # fmt: skip
    health = AccountStates(
        search.layout.accounts, len(arrays.lending_accounts), assets, requirement
    ).health
    result: dict[int, float | None] = dict.fromkeys(exposed.tolist())
    brackets: list[Bracket] = []
    for account in exposed.tolist():
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
    return list(result.values())


@dataclass(frozen=True, slots=True)
class Bracket:
    """A shock that is safe and one that fails, with health - 1 at each (>= 0, < 0)."""

    account: int
    safe: float
    failing: float
    safe_margin: float
    failing_margin: float
