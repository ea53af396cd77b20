"""Full revaluation of a book under scenarios, and the health of its accounts in each.

A scenario multiplies each underlying's spot by a factor and every option's vol by a
factor; options are repriced, not approximated by their Greeks. Health is the same
number for every kind of account: >= 1 is safe, < 1 is liquidatable.

- lending (Aave): health factor = sum(supply * price * liquidation threshold) / debt;
- margin (cross or isolated): equity / maintenance margin, where equity is cash (or the
  isolated collateral) plus the positions' values minus pending fees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agent.risk.book import LENDING_ACCOUNT, MARGIN_ACCOUNT, Account, Book, IntArray
from agent.risk.scenario_kernels import (
    account_states_kernel,
    health_kernel,
    scenario_values_kernel,
    scenario_values_serial,
)
from agent.risk.validation import FloatArray

# Below this many position-scenarios one thread is done before the pool would wake
# (a tick's stress grid on a 1,000-position book is about 50,000).
PARALLEL_THRESHOLD = 200_000


@dataclass(frozen=True, slots=True)
class AccountStates:
    """Accounts (lending first, then margin; as ``accounts``) x scenarios, USD."""

    accounts: tuple[Account, ...]
    lending_count: int
    assets: FloatArray  # threshold-weighted collateral (lending) or equity (margin)
    requirement: FloatArray  # debt (lending) or maintenance margin (margin)

    @property
    def health(self) -> FloatArray:
        """Health per account and scenario (inf when nothing is owed and assets > 0, 0
        when neither)."""
        result: FloatArray = health_kernel(self.assets, self.requirement)
        return result


def spot_multipliers_for(book: Book, shocks: FloatArray, *, only: int | None = None) -> FloatArray:
    """(underlyings, scenarios) multipliers 1 + shock, for every non-pegged underlying.

    With ``only``, just that underlying moves and the others stay at 1.
    """
    arrays = book.arrays
    moves = np.ones(len(arrays.underlyings), dtype=np.bool_) & ~arrays.pegged
    if only is not None:
        moves[:] = False
        moves[only] = True
    multipliers = np.ones((len(arrays.underlyings), shocks.shape[0]))
    multipliers[moves] = 1.0 + shocks
    return multipliers


def revalue(
    book: Book,
    spot_multipliers: FloatArray,
    vol_multipliers: FloatArray,
    rows: IntArray | None = None,
) -> FloatArray:
    """Values (positions, scenarios) in USD under the given multipliers.

    ``rows`` restricts the revaluation to those positions (in that order).
    """
    arrays = book.arrays
    terms, codes = (
        (arrays.terms, arrays.codes) if rows is None else (arrays.terms[rows], arrays.codes[rows])
    )
    parallel = terms.shape[0] * vol_multipliers.shape[0] >= PARALLEL_THRESHOLD
    compute = scenario_values_kernel if parallel else scenario_values_serial
    return compute(
        terms,
        codes,
        arrays.market,
        arrays.valuation_seconds,
        np.ascontiguousarray(spot_multipliers, dtype=np.float64),
        np.ascontiguousarray(vol_multipliers, dtype=np.float64),
    )


def account_states(
    book: Book, spot_multipliers: FloatArray, values: FloatArray, rows: IntArray | None = None
) -> AccountStates:
    """Assets and requirements of every account in every scenario of ``values``.

    ``values`` come from ``revalue`` with the same ``rows``; positions left out must not
    belong to any account.
    """
    arrays = book.arrays
    terms, codes = (
        (arrays.terms, arrays.codes) if rows is None else (arrays.terms[rows], arrays.codes[rows])
    )
    assets, requirement = account_states_kernel(
        terms,
        codes,
        arrays.market,
        arrays.valuation_seconds,
        np.ascontiguousarray(spot_multipliers, dtype=np.float64),
        values,
        len(arrays.lending_accounts),
        arrays.margin_cash,
    )
    return AccountStates(
        accounts=arrays.lending_accounts + arrays.margin_accounts,
        lending_count=len(arrays.lending_accounts),
        assets=assets,
        requirement=requirement,
    )


def account_members(book: Book) -> IntArray:
    """Indices of the positions that belong to some account (the rest never affect health)."""
    codes = book.arrays.codes
    members: IntArray = np.flatnonzero(
        (codes[:, LENDING_ACCOUNT] >= 0) | (codes[:, MARGIN_ACCOUNT] >= 0)
    )
    return members


def health_under(
    book: Book, spot_multipliers: FloatArray, vol_multipliers: FloatArray
) -> AccountStates:
    """Account states under the scenarios (revaluing only positions held in accounts)."""
    rows = account_members(book)
    values = revalue(book, spot_multipliers, vol_multipliers, rows)
    return account_states(book, spot_multipliers, values, rows)
