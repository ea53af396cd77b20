"""P&L attribution between two snapshots of a book, by Greek.

The P&L of holding the first snapshot's positions from its valuation time to the
second's is split, position by position, into the Taylor terms of the first snapshot's
Greeks, and what they leave unexplained (cross terms, higher orders, model changes):

    delta * dS + 1/2 gamma * dS**2 + vega * dsigma/0.01 + theta * days + rho * dr/0.01

where dS, dsigma and dr are the changes of the position's spot, effective vol and rate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from agent.risk.book import MARKET_VOL, RATE, SPOT, UNDERLYING, VOL, Book, IntArray
from agent.risk.portfolio import book_greeks
from agent.risk.positions import OptionPosition, Position
from agent.risk.terms import RATE_POINT, VOL_POINT
from agent.risk.validation import FloatArray, RiskInputError
from agent.risk.valuation import DELTA, GAMMA, RHO, THETA, VALUE, VEGA

COMPONENTS = ("delta", "gamma", "vega", "theta", "rho", "unexplained")


@dataclass(frozen=True, slots=True)
class PnlAttribution:
    """USD P&L per position (rows in ``position_ids`` order) and component.

    ``components`` has the columns of ``COMPONENTS``; ``total_usd`` is the actual
    revaluation P&L, equal to the sum of the components.
    """

    position_ids: tuple[str, ...]
    total_usd: FloatArray
    components: FloatArray

    def summary(self) -> dict[str, float]:
        """Book totals: {"total": ..., "delta": ..., ..., "unexplained": ...} in USD."""
        sums = self.components.sum(axis=0)
        return {
            "total": float(self.total_usd.sum()),
            **{name: float(value) for name, value in zip(COMPONENTS, sums, strict=True)},
        }


def attribute_pnl(before: Book, after: Book) -> PnlAttribution:
    """Explain the P&L of ``before``'s positions when the market moves to ``after``'s.

    Positions are matched by id; ``before``'s contract terms and quantities are revalued
    at ``after``'s time, market and vol overrides. Positions only in ``after`` (new
    trades) are not part of the P&L; positions missing from ``after`` raise.
    """
    after_index = {position.id: index for index, position in enumerate(after.positions)}
    missing = [position.id for position in before.positions if position.id not in after_index]
    if missing:
        raise RiskInputError(
            f"positions missing from the later snapshot: {missing}", field="positions"
        )
    if set(before.market) - set(after.market):
        raise RiskInputError(
            "the later snapshot lacks underlyings of the earlier one", field="market"
        )
    start = before.arrays
    greeks = book_greeks(before).positions
    # The earlier positions, with the later snapshot's vol overrides, in the later market.
    held = [
        _with_vol_of(position, after.positions[after_index[position.id]])
        for position in before.positions
    ]
    moved = Book.from_records(
        after.valuation_time, after.market, held, before.margin_accounts.values()
    )
    revalued = book_greeks(moved).positions
    market = moved.arrays.market[
        [moved.arrays.underlyings.index(name) for name in start.underlyings]
    ]
    terms = moved.arrays.terms
    total = revalued[:, VALUE] - greeks[:, VALUE]
    underlying = start.codes[:, UNDERLYING]
    spot_change = market[underlying, SPOT] - start.market[underlying, SPOT]
    vol_change = _effective_vol(terms, market, underlying) - _effective_vol(
        start.terms, start.market, underlying
    )
    rate_change = market[underlying, RATE] - start.market[underlying, RATE]
    days = (moved.arrays.valuation_seconds - start.valuation_seconds) / 86400.0
    explained = np.column_stack(
        [
            greeks[:, DELTA] * spot_change,
            0.5 * greeks[:, GAMMA] * spot_change**2,
            greeks[:, VEGA] * np.nan_to_num(vol_change) / VOL_POINT,
            greeks[:, THETA] * days,
            greeks[:, RHO] * rate_change / RATE_POINT,
        ]
    )
    unexplained = total - explained.sum(axis=1)
    components = np.column_stack([explained, unexplained])
    return PnlAttribution(tuple(position.id for position in before.positions), total, components)


def _with_vol_of(position: Position, later: Position) -> Position:
    if isinstance(position, OptionPosition) and isinstance(later, OptionPosition):
        return replace(position, vol=later.vol)
    return position


def _effective_vol(terms: FloatArray, market: FloatArray, underlying: IntArray) -> FloatArray:
    override = terms[:, VOL]
    result: FloatArray = np.where(np.isnan(override), market[underlying, MARKET_VOL], override)
    return result


def held_through(before: Book, after: Book) -> Book | None:
    """``before`` restricted to the positions still open in ``after``; None when the two
    cannot be compared (a market underlying went missing)."""
    open_ids = {position.id for position in after.positions}
    if set(before.market) - set(after.market):
        return None
    kept = [position for position in before.positions if position.id in open_ids]
    return Book.from_records(
        before.valuation_time, before.market, kept, before.margin_accounts.values()
    )
