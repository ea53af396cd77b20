"""The stress gate's changed accounts: where each fails once an intent is applied,
searched on the baseline's rows instead of a book rebuilt for the account.

The baseline's book already holds every position as kernel rows (``BookArrays``). An
intent changes a few of them, and their rows are compiled once for the trial (its
loose book), so the changed account's rows are the baseline's with those swapped in:
the same rows in the same order as the account's own book would have, hence the same
floats from the same search (``agent.risk.liquidation.arrays_liquidation_levels``). Where
that does not hold (an account the baseline does not know, a row that would join an
account of the other kind, which the risk engine refuses), the caller rebuilds the
account's book, which also says what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from agent.execution.intent_rows import Row, RowChange
from agent.risk import positions as risk
from agent.risk.book import (
    LENDING_ACCOUNT,
    MARGIN_ACCOUNT,
    OPTION_ROWS,
    Account,
    AccountKind,
    Book,
    BookArrays,
    account_of,
)
from agent.risk.liquidation import arrays_liquidation_levels


def _is_lending(row: Row) -> bool:
    return isinstance(row, risk.LendingSupplyPosition | risk.LendingDebtPosition)


def changed_rows(change: RowChange) -> tuple[Row, ...]:
    """The rows an intent brings, in the order its loose book compiles them: the
    replacements (removals left out), then the added rows."""
    return tuple(r for r in change.replaced.values() if r is not None) + change.added


def account_rows(
    book: Book,
    accounts: Mapping[str, Account],
    cash_usd: Mapping[str, float],
    change: RowChange,
    loose: Book | None,
    name: str,
) -> BookArrays | None:
    """Account ``name``'s book as arrays with ``change`` applied (``loose`` compiles the
    changed rows, in ``changed_rows`` order); None when only a rebuilt book can say."""
    account = accounts.get(name)
    if account is None:
        return None
    lending = account.kind is AccountKind.LENDING
    replaced = (i for i, r in change.replaced.items() if r is not None)
    slots = {index: slot for slot, index in enumerate(replaced)}
    first_added = len(slots)
    sources: list[tuple[bool, int]] = []  # (from the loose book, row there)
    members: list[Row] = []
    for index in account.positions:
        if index not in change.replaced:
            sources.append((False, index))
            members.append(book.positions[index])
            continue
        row = change.replaced[index]
        if row is None:
            continue
        if account_of(row) != name or _is_lending(row) != lending:
            return None
        sources.append((True, slots[index]))
        members.append(row)
    for offset, row in enumerate(change.added):
        if account_of(row) == name:
            if _is_lending(row) != lending:
                return None
            sources.append((True, first_added + offset))
            members.append(row)
    if loose is None and any(from_loose for from_loose, _ in sources):
        return None
    cash = _cash(account, members, cash_usd, change)
    return _arrays(
        book, loose, sources, replace(account, positions=tuple(range(len(sources)))), cash
    )


def _cash(
    account: Account, members: list[Row], cash_usd: Mapping[str, float], change: RowChange
) -> float:
    """A cross account's cash after the change, an isolated position's collateral."""
    if account.kind is AccountKind.CROSS_MARGIN:
        return cash_usd[account.name] + (change.cash_usd or {}).get(account.name, 0.0)
    if account.kind is AccountKind.ISOLATED_MARGIN and members:
        return getattr(members[0], "collateral_usd", 0.0) or 0.0
    return 0.0


def _arrays(
    book: Book, loose: Book | None, sources: list[tuple[bool, int]], account: Account, cash: float
) -> BookArrays:
    arrays = book.arrays
    lending = account.kind is AccountKind.LENDING
    from_loose = np.array([flag for flag, _ in sources], dtype=np.bool_)
    where = np.array([index for _, index in sources], dtype=np.int64)
    terms = np.empty((len(sources), arrays.terms.shape[1]))
    codes = np.empty((len(sources), arrays.codes.shape[1]), dtype=np.int64)
    kept = ~from_loose
    terms[kept], codes[kept] = arrays.terms[where[kept]], arrays.codes[where[kept]]
    if loose is not None and from_loose.any():
        terms[from_loose] = loose.arrays.terms[where[from_loose]]
        codes[from_loose] = loose.arrays.codes[where[from_loose]]
    # Account 0 of its own kind, as the account's own book would number it.
    codes[:, LENDING_ACCOUNT] = 0 if lending else -1
    codes[:, MARGIN_ACCOUNT] = -1 if lending else 0
    return BookArrays(
        arrays.underlyings, arrays.market, arrays.pegged, terms, codes,
        (account,) if lending else (), () if lending else (account,),
        np.array([] if lending else [cash], dtype=np.float64), arrays.valuation_seconds,
        arrays.spot, np.zeros((OPTION_ROWS, 0)),  # options' pricing rows: not searched
    )  # fmt: skip


def nearest_move_of(arrays: BookArrays) -> float | None:
    """The smallest move of one underlying (fraction, either way) that liquidates the
    account; None when no move in range does (as ``stress_gate.nearest_move``)."""
    nearest: float | None = None
    # One account: its whole grid in one revaluation rather than a walk in chunks.
    for shocks in arrays_liquidation_levels(arrays, whole_grid=True).values():
        for shock in shocks:
            if shock is not None and (nearest is None or abs(shock) < nearest):
                nearest = abs(shock)
    return nearest
