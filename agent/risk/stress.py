"""Stress grid: the whole book fully revalued over spot x vol shocks.

Every non-pegged underlying moves by the same relative spot shock (crypto sells off
together); every option's vol is multiplied by 1 + the vol shock. Options are repriced,
not approximated by their Greeks, and every account's health is recomputed, so each cell
also says which accounts (and their positions) would be liquidated there.

Default grid: spot -30%..+30% in 5% steps plus the extended moves -66%, -50% and +100%
(Deribit's portfolio margin range and beyond), vol -25%, 0, +50% relative.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np

from agent.risk.book import Account, Book
from agent.risk.liquidation import member_ids
from agent.risk.scenarios import PARALLEL_THRESHOLD, revalue, spot_multipliers_for
from agent.risk.stress_kernels import stress_kernel
from agent.risk.validation import FloatArray, RiskInputError

Cells = tuple[tuple[tuple[str, ...], ...], ...]
_NAME = attrgetter("name")
_DEFAULT_SPOT_SHOCKS = (-0.66, -0.5, *(step / 100.0 for step in range(-30, 31, 5)), 1.0)


@dataclass(frozen=True, slots=True)
class StressGrid:
    """Relative spot shocks (> -1) and relative vol shocks (> -1) to combine."""

    spot_shocks: tuple[float, ...] = _DEFAULT_SPOT_SHOCKS
    vol_shocks: tuple[float, ...] = (-0.25, 0.0, 0.5)

    def __post_init__(self) -> None:
        for name, shocks in (("spot_shocks", self.spot_shocks), ("vol_shocks", self.vol_shocks)):
            if not shocks:
                raise RiskInputError("must not be empty", field=name)
            if not all(np.isfinite(shocks)) or min(shocks) <= -1.0:
                raise RiskInputError("must be finite and above -1 (-100%)", field=name)


@dataclass(frozen=True, slots=True)
class StressResult:
    """P&L (USD) of the book and of each position in every cell, and who is liquidated.

    Arrays are indexed [spot shock, vol shock] (positions first for ``position_pnl_usd``);
    ``liquidated[i][j]`` names the accounts whose health is below 1 in cell (i, j), and
    ``health`` holds every account's health (accounts, spot shocks, vol shocks).
    """

    grid: StressGrid
    pnl_usd: FloatArray
    position_pnl_usd: FloatArray
    accounts: tuple[str, ...]
    health: FloatArray
    liquidated: Cells
    liquidated_positions: Cells = field(repr=False)

    @property
    def worst(self) -> tuple[float, float, float]:
        """(P&L USD, spot shock, vol shock) of the worst cell."""
        spot, vol = np.unravel_index(int(np.argmin(self.pnl_usd)), self.pnl_usd.shape)
        return (
            float(self.pnl_usd[spot, vol]),
            self.grid.spot_shocks[spot],
            self.grid.vol_shocks[vol],
        )


def stress_test(
    book: Book, grid: StressGrid | None = None, names: tuple[str, ...] | None = None
) -> StressResult:
    """Revalue the book on every cell of ``grid`` (default: the module's grid).
    ``names``: the accounts' names (lending first, then margin) if already at hand."""
    return stress_and_worst(book, grid, names)[0]


def stress_and_worst(
    book: Book, grid: StressGrid | None = None, names: tuple[str, ...] | None = None
) -> tuple[StressResult, float]:
    """``stress_test``, and its worst cell's P&L (``StressResult.worst``'s first figure)
    found in the same pass."""
    grid = grid or _DEFAULT_GRID
    arrays = book.arrays
    cells = _cells(grid)
    priced = _UNPRICED  # priced by the kernel on one thread
    if arrays.terms.shape[0] * cells[0].shape[0] >= PARALLEL_THRESHOLD:
        priced = revalue(book, spot_multipliers_for(book, cells[0]), cells[1])  # the pool's
    values, health, failing, pnl, worst = stress_kernel(
        arrays.terms, arrays.codes, arrays.market, arrays.valuation_seconds, arrays.pegged,
        cells, len(arrays.lending_accounts), arrays.margin_cash, priced,
    )  # fmt: skip
    if cells[0].shape[0] == 1:  # numpy sums one column pairwise, which the kernel does not
        pnl = values.reshape(-1, 1).sum(axis=0).reshape(1, 1)
    accounts = arrays.lending_accounts + arrays.margin_accounts
    names = names if names is not None else tuple(map(_NAME, accounts))
    liquidated, liquidated_positions = _liquidations(book, failing, names, accounts)
    result = StressResult(
        grid=grid,
        pnl_usd=pnl,
        position_pnl_usd=values,
        accounts=names,
        health=health,
        liquidated=liquidated,
        liquidated_positions=liquidated_positions,
    )
    return result, float(pnl.flat[worst])


_DEFAULT_GRID = StressGrid()
_UNPRICED = np.empty((0, 0))


@functools.lru_cache(maxsize=8)
def _cells(grid: StressGrid) -> tuple[FloatArray, FloatArray, int, int]:
    """What ``stress_kernel`` reads of a grid (settings, not market data), laid out once:
    per cell, in [spot, vol] order, its spot shock and vol multiplier; the vol shocks'
    count; the cell of no move (spot and vol multipliers exactly 1), -1 if none."""
    spot_count, vol_count = len(grid.spot_shocks), len(grid.vol_shocks)
    spot_shocks = np.repeat(np.array(grid.spot_shocks), vol_count)
    vol_multipliers = np.tile(1.0 + np.array(grid.vol_shocks), spot_count)
    unshocked = -1
    if 0.0 in grid.spot_shocks and 0.0 in grid.vol_shocks:
        unshocked = grid.spot_shocks.index(0.0) * vol_count + grid.vol_shocks.index(0.0)
    return spot_shocks, vol_multipliers, vol_count, unshocked


def _liquidations(
    book: Book, failing: np.ndarray, names: tuple[str, ...], accounts: tuple[Account, ...]
) -> tuple[Cells, Cells]:
    """Per cell, the failing accounts and the positions they hold."""
    _, spot_count, vol_count = failing.shape
    cell_count = spot_count * vol_count
    cells: dict[int, tuple[list[str], list[str]]] = {}  # the cells (spot, vol) with any
    held: dict[int, tuple[str, ...]] = {}  # the positions of the accounts failing somewhere
    # ``np.flatnonzero``'s steps as methods (its numpy wrappers cost more, caches cold)
    for flat in failing.ravel().nonzero()[0].tolist():  # by account, then cell (spot, vol)
        account, cell = divmod(flat, cell_count)
        ids = held.get(account)
        if ids is None:
            ids = held[account] = member_ids(book, accounts[account])
        names_in, ids_in = cells.setdefault(cell, ([], []))
        names_in.append(names[account])
        ids_in.extend(ids)
    failed: list[tuple[str, ...]] = [()] * cell_count  # by cell, in [spot, vol] order
    positions: list[tuple[str, ...]] = [()] * cell_count
    for cell, (names_in, ids_in) in cells.items():
        failed[cell], positions[cell] = tuple(names_in), tuple(ids_in)
    rows = range(0, cell_count, vol_count)  # slices of the flat lists, no generator a cell
    return (
        tuple([tuple(failed[row : row + vol_count]) for row in rows]),
        tuple([tuple(positions[row : row + vol_count]) for row in rows]),
    )
