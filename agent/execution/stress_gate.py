"""Stress as a pre-trade gate: the book's stress grid with the intent applied.

Once per tick the whole book is stressed (``StressBaseline.measure``: the grid's P&L
per position, each account's nearest liquidation move, each venue's equity). For an
intent only the rows it changes are revalued (``agent.execution.intent_rows``): the
grid after is the grid before less the old rows' P&L plus the new rows', and only the
accounts those rows belong to get their liquidation moves recomputed. The intent is
refused when it

- raises the worst cell's loss above ``max_stress_loss_usd`` (and above what it was);
- moves an account's first liquidation nearer than ``min_liquidation_move`` (a
  fraction of spot) and nearer than it was;
- raises a venue's loss on failure (its equity, ``agent.risk.venue_failure``) above
  its ``max_loss_on_venue_failure_usd`` and above what it was, unless the intent moves
  that venue's nearest liquidation further out (a repair comes first);

so an intent that strictly reduces the loss and keeps every liquidation where it was or
further passes even when the book is already over a limit. Each rejection names the
cell, account or venue and the amounts.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import structlog

from agent.config.models import LimitSettings
from agent.execution.gate_accounts import account_rows, changed_rows, nearest_move_of
from agent.execution.intent_rows import Row, RowChange, row_change
from agent.execution.proposal import ReasonCode, Rejection
from agent.intents import Intent
from agent.risk import positions as risk
from agent.risk.book import Account, Book, account_of
from agent.risk.liquidation import account_liquidation_levels
from agent.risk.scenarios import revalue, spot_multipliers_for
from agent.risk.stress import StressGrid, StressResult, stress_test
from agent.risk.validation import FloatArray, RiskInputError
from agent.risk.venue_failure import isolated_collateral_usd, venue_equity_usd

log = structlog.get_logger(__name__)
_TOLERANCE = 1e-9  # relative: changes smaller than this are rounding, not risk


@dataclass(frozen=True, slots=True)
class StressLimits:
    """The gate's limits (None: that rule is off). ``min_liquidation_move`` is a
    fraction of spot (0.1: no account may be liquidated by a 10% move)."""

    max_stress_loss_usd: float | None = None
    min_liquidation_move: float | None = None
    max_loss_on_venue_failure_usd: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, limits: LimitSettings) -> StressLimits:
        """The gate's limits from the configuration's ``[limits]``."""
        return cls(
            max_stress_loss_usd=limits.max_stress_loss_usd,
            min_liquidation_move=limits.min_liquidation_move,
            max_loss_on_venue_failure_usd=dict(limits.max_loss_on_venue_failure_usd),
        )

    @property
    def active(self) -> bool:
        return (
            self.max_stress_loss_usd is not None
            or self.min_liquidation_move is not None
            or bool(self.max_loss_on_venue_failure_usd)
        )


def nearest_move(book: Book) -> dict[str, float]:
    """Per account: the smallest move of one underlying (fraction, either way) that
    liquidates it; accounts no move in range liquidates are left out."""
    nearest: dict[str, float] = {}
    for (account, _), shocks in account_liquidation_levels(book).items():
        for shock in shocks:
            if shock is not None:
                nearest[account] = min(nearest.get(account, math.inf), abs(shock))
    return nearest


@dataclass(frozen=True)
class StressBaseline:
    """The book under stress at the start of a tick, with the intents let through."""

    book: Book
    grid: StressGrid
    position_pnl: FloatArray  # (positions, spot shocks, vol shocks) USD
    values: FloatArray  # (positions,) USD now
    moves: Mapping[str, float]  # account -> nearest liquidation move (fraction)
    cash_usd: Mapping[str, float]  # margin account -> cash USD

    @classmethod
    def measure(cls, book: Book, result: StressResult | None = None) -> StressBaseline:
        """Stress the whole ``book`` once (or take ``result`` of ``stress_test``)."""
        result = result or stress_test(book)
        ones = np.ones((len(book.arrays.underlyings), 1))
        values = revalue(book, ones, np.ones(1))[:, 0]
        cash = {name: a.cash_usd for name, a in book.margin_accounts.items()}
        return cls(book, result.grid, result.position_pnl_usd, values, nearest_move(book), cash)

    @functools.cached_property
    def total_pnl(self) -> FloatArray:
        total: FloatArray = self.position_pnl.sum(axis=0)
        return total

    @functools.cached_property
    def accounts(self) -> dict[str, Account]:
        """Account name -> the account (its kind and the indices of its positions)."""
        arrays = self.book.arrays
        return {a.name: a for a in arrays.lending_accounts + arrays.margin_accounts}

    @functools.cached_property
    def members(self) -> dict[str, tuple[int, ...]]:
        """Account name -> the indices of its positions."""
        return {name: account.positions for name, account in self.accounts.items()}

    @functools.cached_property
    def _cells(self) -> tuple[FloatArray, FloatArray]:
        """The grid's cells in ``stress_test``'s order, then the unshocked market: spot
        shocks and vol multipliers."""
        spots, vols = self.grid.spot_shocks, self.grid.vol_shocks
        spot_shocks = np.append(np.repeat(np.array(spots), len(vols)), 0.0)
        vol_multipliers = np.append(np.tile(1.0 + np.array(vols), len(spots)), 1.0)
        return spot_shocks, vol_multipliers

    def stress_rows(self, book: Book) -> tuple[FloatArray, FloatArray]:
        """P&L (positions, spot shocks, vol shocks) and value now (positions,) of every
        row of ``book`` on the baseline's grid: ``stress_test``'s revaluation of its
        positions, the market as it is in the same pass, without its accounts."""
        spot_shocks, vol_multipliers = self._cells
        values = revalue(book, spot_multipliers_for(book, spot_shocks), vol_multipliers)
        now = values[:, -1]
        shape = (-1, len(self.grid.spot_shocks), len(self.grid.vol_shocks))
        return (values[:, :-1] - now[:, None]).reshape(shape), now

    def worst(self, total: FloatArray | None = None) -> tuple[float, float, float]:
        """(loss USD, positive; spot shock; vol shock) of the worst cell."""
        grid = self.total_pnl if total is None else total
        spot, vol = np.unravel_index(int(np.argmin(grid)), grid.shape)
        return (
            max(-float(grid[spot, vol]), 0.0),
            self.grid.spot_shocks[spot],
            self.grid.vol_shocks[vol],
        )

    def venue_equity(self) -> dict[str, float]:
        return venue_equity_usd(self.book, self.values, self.cash_usd)


@dataclass(frozen=True)
class Trial:
    """The book with one intent applied: its grid, moves and venues' equity."""

    change: RowChange
    rows: tuple[Row, ...]  # the new and added rows, in that order
    pnl: FloatArray  # (rows, spot shocks, vol shocks)
    values: FloatArray  # (rows,)
    total: FloatArray
    moves: dict[str, float | None]  # changed accounts only
    cash_usd: dict[str, float]


def _changed_accounts(baseline: StressBaseline, change: RowChange) -> set[str]:
    names = {account_of(baseline.book.positions[i]) for i in change.replaced}
    names |= {account_of(row) for row in change.replaced.values() if row is not None}
    names |= {account_of(row) for row in change.added}
    names |= set(change.cash_usd or {})
    return {name for name in names if name is not None}


def _account_book(baseline: StressBaseline, change: RowChange, account: str) -> Book:
    book = baseline.book
    members = [
        change.replaced[i] if i in change.replaced else book.positions[i]
        for i in baseline.members.get(account, ())
    ]
    members += [row for row in change.added if account_of(row) == account]
    kept = [row for row in members if row is not None]
    accounts = []
    if account in book.margin_accounts:
        cash = baseline.cash_usd[account] + (change.cash_usd or {}).get(account, 0.0)
        accounts.append(replace(book.margin_accounts[account], cash_usd=cash))
    return Book.from_records(book.valuation_time, book.market, kept, accounts)


def _loose(row: Row) -> Row:
    """The row outside any cross account (its value does not depend on one)."""
    if isinstance(row, risk.LendingSupplyPosition | risk.LendingDebtPosition):
        return row
    return replace(row, account=None)


def try_intent(baseline: StressBaseline, intent: Intent) -> Trial | None:
    """The book with ``intent`` applied, None when it changes nothing the gate sees."""
    change = row_change(baseline.book, intent)
    if change.empty:
        return None
    rows = changed_rows(change)
    book = baseline.book
    loose = None
    if rows:
        loose = Book.from_records(book.valuation_time, book.market, [_loose(r) for r in rows])
        pnl, values = baseline.stress_rows(loose)
    else:
        pnl = np.zeros((0, *baseline.position_pnl.shape[1:]))
        values = np.zeros(0)
    old = list(change.replaced)
    total = baseline.total_pnl - baseline.position_pnl[old].sum(axis=0) + pnl.sum(axis=0)
    moves: dict[str, float | None] = {}
    for account in sorted(_changed_accounts(baseline, change)):
        found = account_rows(book, baseline.accounts, baseline.cash_usd, change, loose, account)
        if found is None:  # only a rebuilt book can say (and says what is wrong)
            moves[account] = nearest_move(_account_book(baseline, change, account)).get(account)
        else:
            moves[account] = nearest_move_of(found)
    cash = dict(baseline.cash_usd)
    for name, added in (change.cash_usd or {}).items():
        cash[name] = cash.get(name, 0.0) + added
    return Trial(change, rows, pnl, values, total, moves, cash)


def _venue_equity_after(baseline: StressBaseline, trial: Trial) -> dict[str, float]:
    equity = venue_equity_usd(baseline.book, baseline.values, trial.cash_usd)
    for index in trial.change.replaced:
        old = baseline.book.positions[index]
        equity[old.venue] -= float(baseline.values[index]) + isolated_collateral_usd(old)
    for row, value in zip(trial.rows, trial.values, strict=True):
        held = float(value) + isolated_collateral_usd(row)
        equity[row.venue] = equity.get(row.venue, 0.0) + held
    return equity


def _further(before: float | None, after: float | None) -> bool:
    """Whether the liquidation moved strictly further out (None: out of range)."""
    if before is None:
        return False
    return after is None or after > before * (1 + _TOLERANCE)


def _nearer(before: float | None, after: float | None) -> bool:
    if after is None:
        return False
    return before is None or after < before * (1 - _TOLERANCE)


def _loss_rule(baseline: StressBaseline, trial: Trial, limit: float) -> Iterator[Rejection]:
    before, _, _ = baseline.worst()
    after, spot, vol = baseline.worst(trial.total)
    if after > limit and after > before * (1 + _TOLERANCE) + _TOLERANCE:
        yield Rejection(
            ReasonCode.STRESS_LOSS,
            f"worst stress cell (spot {spot:+.0%}, vol {vol:+.0%}) would lose "
            f"{after:,.0f} USD, {after - before:+,.0f} USD more than now, above the limit "
            f"{limit:,.0f} USD",
        )


def _move_rule(baseline: StressBaseline, trial: Trial, limit: float) -> Iterator[Rejection]:
    for account, after in trial.moves.items():
        before = baseline.moves.get(account)
        if after is not None and after < limit and _nearer(before, after):
            was = "out of range" if before is None else f"{before:.2%}"
            yield Rejection(
                ReasonCode.LIQUIDATION_MOVE,
                f"{account}: first liquidation would be a {after:.2%} move away (now "
                f"{was}), nearer than the limit {limit:.2%}",
            )


def _venue_rule(
    baseline: StressBaseline, trial: Trial, limits: Mapping[str, float]
) -> Iterator[Rejection]:
    before = baseline.venue_equity()
    after = _venue_equity_after(baseline, trial)
    repaired = {
        account.split(":", 1)[0]
        for account, move in trial.moves.items()
        if _further(baseline.moves.get(account), move)
    }
    for venue, limit in sorted(limits.items()):
        was, will = max(before.get(venue, 0.0), 0.0), max(after.get(venue, 0.0), 0.0)
        repairing = venue in repaired or any(
            a.venue == venue for n, a in baseline.book.margin_accounts.items() if n in repaired
        )
        if will > limit and will > was * (1 + _TOLERANCE) + _TOLERANCE and not repairing:
            yield Rejection(
                ReasonCode.VENUE_FAILURE_LOSS,
                f"if {venue} failed the book would lose {will:,.0f} USD, {will - was:+,.0f} "
                f"USD more than now, above the limit {limit:,.0f} USD",
            )


def check_stress(
    baseline: StressBaseline, intent: Intent, limits: StressLimits, *, risk_reducing: bool = False
) -> list[Rejection]:
    """Every stress rule ``intent`` breaks (empty: it passes).

    When the gate cannot model the intent (the risk engine refuses the changed rows), an
    intent that adds risk is refused for it; a risk-reducing one passes, logged: the
    gate must never be what stops a repair.
    """
    if not limits.active:
        return []
    try:
        trial = try_intent(baseline, intent)
    except RiskInputError as error:
        log.warning("stress_gate_unmodelled", intent=intent.intent_id, error=str(error))
        if risk_reducing:
            return []
        return [
            Rejection(ReasonCode.STRESS_UNMODELLED, f"the stress gate cannot model it: {error}")
        ]
    if trial is None:
        return []
    found: list[Rejection] = []
    if limits.max_stress_loss_usd is not None:
        found += _loss_rule(baseline, trial, limits.max_stress_loss_usd)
    if limits.min_liquidation_move is not None:
        found += _move_rule(baseline, trial, limits.min_liquidation_move)
    if limits.max_loss_on_venue_failure_usd:
        found += _venue_rule(baseline, trial, limits.max_loss_on_venue_failure_usd)
    return found


def tick_baseline(
    book: Book, stress: StressResult | None, intents: Sequence[Intent], limits: StressLimits
) -> StressBaseline | None:
    """The gate's view of the book this tick (None: no limit, or nothing to judge); each
    intent that goes out is ``applied`` to it for the next one."""
    if not intents or not book.positions or not limits.active:
        return None
    return StressBaseline.measure(book, stress)


def applied(baseline: StressBaseline, intent: Intent) -> StressBaseline:
    """The baseline once ``intent`` went out (the next intent of the tick sees it); the
    same baseline when the gate cannot model the intent."""
    try:
        trial = try_intent(baseline, intent)
    except RiskInputError:
        return baseline
    if trial is None:
        return baseline
    book = baseline.book
    keep = [i for i in range(len(book.positions)) if i not in trial.change.replaced]
    positions = [book.positions[i] for i in keep] + list(trial.rows)
    accounts = [replace(a, cash_usd=trial.cash_usd[n]) for n, a in book.margin_accounts.items()]
    try:
        merged = Book.from_records(book.valuation_time, book.market, positions, accounts)
    except RiskInputError:  # e.g. the same intent applied twice: its gate rows collide
        return baseline
    moves = {k: v for k, v in baseline.moves.items() if k not in trial.moves}
    moves.update({k: v for k, v in trial.moves.items() if v is not None})
    return StressBaseline(
        merged,
        baseline.grid,
        np.concatenate([baseline.position_pnl[keep], trial.pnl]),
        np.concatenate([baseline.values[keep], trial.values]),
        moves,
        trial.cash_usd,
    )
