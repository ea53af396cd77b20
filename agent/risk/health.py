"""Health of every account in a book: now, under spot shocks, and where it liquidates.

Health >= 1 is safe and < 1 liquidatable, for every kind of account (see ``scenarios``):
the Aave health factor for lending accounts, equity / maintenance margin for margin
accounts (whose Hyperliquid-style margin ratio is its inverse). The closed forms for a
single isolated perpetual are here too; the book-level numbers come from revaluation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.risk.book import AccountKind, Book
from agent.risk.liquidation import account_liquidation_levels
from agent.risk.positions import MarginBasis
from agent.risk.scenarios import health_under, spot_multipliers_for
from agent.risk.terms import Settlement
from agent.risk.validation import (
    RiskInputError,
    require_finite,
    require_non_negative,
    require_positive,
)

DEFAULT_HEALTH_SHOCKS = (-0.5, -0.3, -0.2, -0.1, 0.1, 0.2, 0.3, 0.5)


@dataclass(frozen=True, slots=True)
class AccountHealth:
    """One account's health now.

    ``assets_usd``: threshold-weighted collateral (lending) or equity (margin);
    ``requirement_usd``: debt (lending) or maintenance margin (margin). ``health`` is
    their ratio (inf when nothing is required). ``liquidation_prices`` maps each
    underlying the account holds to the (down, up) USD prices at which it fails when
    that underlying alone moves (None: not within -99.75%..+1000%). ``under_shocks`` maps
    a relative move of every non-pegged underlying together to the health there.
    """

    account: str
    venue: str
    kind: AccountKind
    positions: tuple[str, ...]
    health: float
    assets_usd: float
    requirement_usd: float
    liquidation_prices: dict[str, tuple[float | None, float | None]]
    under_shocks: dict[float, float]

    @property
    def liquidatable(self) -> bool:
        """Whether the account can be liquidated now (health < 1)."""
        return self.health < 1.0

    @property
    def margin_ratio(self) -> float | None:
        """Maintenance margin / equity for margin accounts (liquidation at >= 1)."""
        if self.kind is AccountKind.LENDING:
            return None
        if self.assets_usd <= 0.0:
            return math.inf
        return self.requirement_usd / self.assets_usd


def account_health(
    book: Book, shocks: Sequence[float] = DEFAULT_HEALTH_SHOCKS
) -> tuple[AccountHealth, ...]:
    """Health of every account in the book, with liquidation prices and shocked health."""
    arrays = book.arrays
    moves = np.array([0.0, *shocks])
    states = health_under(book, spot_multipliers_for(book, moves), np.ones(moves.shape[0]))
    health = states.health
    levels = account_liquidation_levels(book)
    spot = dict(zip(arrays.underlyings, arrays.market[:, 0], strict=True))
    result = []
    for index, account in enumerate(states.accounts):
        prices = {
            underlying: tuple(
                None if shock is None else float(spot[underlying]) * (1.0 + shock) for shock in pair
            )
            for (name, underlying), pair in levels.items()
            if name == account.name
        }
        result.append(
            AccountHealth(
                account=account.name,
                venue=account.venue,
                kind=account.kind,
                positions=tuple(book.positions[member].id for member in account.positions),
                health=float(health[index, 0]),
                assets_usd=float(states.assets[index, 0]),
                requirement_usd=float(states.requirement[index, 0]),
                liquidation_prices=prices,  # type: ignore[arg-type]
                under_shocks={
                    float(s): float(h) for s, h in zip(shocks, health[index, 1:], strict=True)
                },
            )
        )
    return tuple(result)


def health_factor(
    collateral_usd: Sequence[float], liquidation_thresholds: Sequence[float], debt_usd: float
) -> float:
    """Aave v3 health factor: sum(collateral_i * LT_i) / total debt (inf without debt)."""
    weighted = sum(
        require_non_negative(value, "collateral_usd") * threshold
        for value, threshold in zip(collateral_usd, liquidation_thresholds, strict=True)
    )
    if require_non_negative(debt_usd, "debt_usd") == 0.0:
        return math.inf
    return weighted / debt_usd


def isolated_liquidation_price(
    quantity: float,
    entry_price: float,
    collateral_usd: float,
    maintenance_margin_rate: float,
    *,
    basis: MarginBasis = MarginBasis.MARK,
    settlement: Settlement = Settlement.LINEAR,
    fees_usd: float = 0.0,
) -> float | None:
    """Price at which an isolated perpetual's equity meets its maintenance margin.

    Equity = collateral - fees + P&L; maintenance = rate * |q| * price (mark basis,
    Hyperliquid/Deribit), rate * |q| * entry (entry basis, GMX v2) or rate * |N| for an
    inverse contract of USD face N. None when no positive price liquidates it.
    """
    require_finite(quantity, "quantity")
    require_positive(entry_price, "entry_price")
    cushion = require_non_negative(collateral_usd, "collateral_usd") - require_non_negative(
        fees_usd, "fees_usd"
    )
    rate = require_non_negative(maintenance_margin_rate, "maintenance_margin_rate")
    if quantity == 0.0:
        return None
    if settlement is Settlement.INVERSE:  # C - f + N (S/E - 1) = rate |N|
        price = entry_price * (1.0 + (rate * abs(quantity) - cushion) / quantity)
    elif basis is MarginBasis.ENTRY:  # C - f + q (S - E) = rate |q| E
        price = entry_price + (rate * abs(quantity) * entry_price - cushion) / quantity
    else:  # C - f + q (S - E) = rate |q| S
        slope = quantity - rate * abs(quantity)
        if slope == 0.0:
            raise RiskInputError(
                "a maintenance rate of 1 leaves no liquidation price",
                field="maintenance_margin_rate",
            )
        price = (quantity * entry_price - cushion) / slope
    return price if price > 0.0 else None
