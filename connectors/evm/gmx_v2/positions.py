"""A GMX v2 position as the agent sees it, computed from the contracts' own numbers.

Inputs are Reader.getPositionInfo's ``PositionInfo`` tuple (position, pending fees), the
index and collateral prices of the block read (GMX units: USD * 1e30 per smallest token
unit) and the market's MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION and MIN_COLLATERAL_USD. The
integer arithmetic follows gmx-synthetics v2.2 PositionUtils:

- PnL = sizeInTokens * price - sizeInUsd for longs, the negative for shorts;
- remaining collateral = collateral * collateralPrice + PnL - closing costs (position fee
  on the whole size, pending borrowing and funding), all USD * 1e30;
- liquidatable when remaining < max(MIN_COLLATERAL_USD, size * min collateral factor)
  (isPositionLiquidatable with shouldValidateMinCollateralUsd and forLiquidation).

The real Reader gives no liquidation price, so it is solved here: remaining collateral is
linear in the index price with today's fees, and the price where it meets the threshold is
the liquidation price (exact for a stablecoin collateral; for collateral in the index token
its fee amounts are held at today's price).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from connectors.evm.gmx_v2.keys import USD_SCALE, price_to_usd, usd

# Field positions in the PositionInfo / Position.Props tuples (v2.2 layouts).
INFO_KEY, INFO_POSITION, INFO_FEES = 0, 1, 2
POS_ADDRESSES, POS_NUMBERS, POS_FLAGS = 0, 1, 2
NUM_SIZE_USD, NUM_SIZE_TOKENS, NUM_COLLATERAL = 0, 1, 2
NUM_INCREASED_AT = 8
FEES_FUNDING, FEES_BORROWING = 2, 3
FEES_TOTAL_EXCLUDING_FUNDING, FEES_TOTAL = 14, 15
FUNDING_FEE_AMOUNT, FUNDING_CLAIMABLE_LONG, FUNDING_CLAIMABLE_SHORT = 0, 1, 2
BORROWING_FEE_USD = 0


@dataclass(frozen=True, slots=True)
class MarketPricesNow:
    """Oracle prices of one market's tokens at the block read, GMX units."""

    index: int
    long: int
    short: int

    def of(self, token: str, long_token: str, short_token: str) -> int:
        if token.lower() == long_token.lower():
            return self.long
        if token.lower() == short_token.lower():
            return self.short
        raise ValueError(f"{token} is neither the long nor the short token of the market")


@dataclass(frozen=True, slots=True)
class PositionFigures:
    """One position in agent units. USD amounts in USD, prices in USD per whole index
    token, ``size_in_tokens`` in whole index tokens, ``collateral_amount`` in whole
    collateral tokens. ``accrued_fees_usd`` is the net carry owed: pending borrowing plus
    funding owed, minus funding claimable (positive = a cost)."""

    key: str
    market: str
    collateral_token: str
    is_long: bool
    size_usd: float
    size_in_tokens: float
    collateral_amount: float
    collateral_usd: float
    entry_price: float
    mark_price: float
    pnl_usd: float
    borrowing_fee_usd: float
    funding_fee_usd: float
    claimable_funding_usd: float
    accrued_fees_usd: float
    remaining_collateral_usd: float
    liquidation_threshold_usd: float
    liquidation_price: float | None
    increased_at: int
    raw_size_usd: int
    raw_size_in_tokens: int
    raw_collateral: int


def _apply_factor(value: int, factor: int) -> int:
    return value * factor // USD_SCALE


def _truncating_division(numerator: int, denominator: int) -> int:
    """Solidity's int256 division: rounds toward zero."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def position_figures(
    info: tuple[Any, ...],
    *,
    index_token: str,
    index_decimals: int,
    collateral_decimals: int,
    long_token: str,
    short_token: str,
    prices: MarketPricesNow,
    min_collateral_factor: int,
    min_collateral_usd: int,
) -> PositionFigures:
    """Figures of one position from its PositionInfo and this block's prices."""
    position, fees = info[INFO_POSITION], info[INFO_FEES]
    _, market, collateral_token = position[POS_ADDRESSES]
    numbers, is_long = position[POS_NUMBERS], bool(position[POS_FLAGS][0])
    size, tokens, collateral = (
        numbers[NUM_SIZE_USD],
        numbers[NUM_SIZE_TOKENS],
        numbers[NUM_COLLATERAL],
    )
    collateral_price = prices.of(collateral_token, long_token, short_token)
    value = tokens * prices.index
    pnl = value - size if is_long else size - value
    funding = fees[FEES_FUNDING]
    remaining = collateral * collateral_price + pnl - fees[FEES_TOTAL] * collateral_price
    threshold = max(min_collateral_usd, _apply_factor(size, min_collateral_factor))
    claimable = funding[FUNDING_CLAIMABLE_LONG] * prices.long
    claimable += funding[FUNDING_CLAIMABLE_SHORT] * prices.short
    funding_usd = funding[FUNDING_FEE_AMOUNT] * collateral_price
    borrowing_usd = fees[FEES_BORROWING][BORROWING_FEE_USD]
    index_scale = 10**index_decimals
    return PositionFigures(
        key="0x" + bytes(info[INFO_KEY]).hex(),
        market=market,
        collateral_token=collateral_token,
        is_long=is_long,
        size_usd=usd(size),
        size_in_tokens=tokens / index_scale,
        collateral_amount=collateral / 10**collateral_decimals,
        collateral_usd=usd(collateral * collateral_price),
        entry_price=float(Fraction(size * index_scale, tokens * USD_SCALE)) if tokens else 0.0,
        mark_price=price_to_usd(prices.index, index_decimals),
        pnl_usd=usd(pnl),
        borrowing_fee_usd=usd(borrowing_usd),
        funding_fee_usd=usd(funding_usd),
        claimable_funding_usd=usd(claimable),
        accrued_fees_usd=usd(borrowing_usd + funding_usd - claimable),
        remaining_collateral_usd=usd(remaining),
        liquidation_threshold_usd=usd(threshold),
        liquidation_price=_liquidation_price(
            info, index_token, index_decimals, collateral_price, threshold
        ),
        increased_at=int(numbers[NUM_INCREASED_AT]),
        raw_size_usd=size,
        raw_size_in_tokens=tokens,
        raw_collateral=collateral,
    )


def liquidation_price_raw(
    info: tuple[Any, ...], index_token: str, collateral_price: int, threshold: int
) -> int | None:
    """The index price (GMX units) at which remaining collateral meets ``threshold``.

    remaining(P) = slope * P + intercept with today's fees; None when no positive price
    exists (a long whose collateral covers its size never gets there).
    """
    position, fees = info[INFO_POSITION], info[INFO_FEES]
    numbers, is_long = position[POS_NUMBERS], bool(position[POS_FLAGS][0])
    size, tokens = numbers[NUM_SIZE_USD], numbers[NUM_SIZE_TOKENS]
    if size == 0:
        return None
    net_collateral = numbers[NUM_COLLATERAL] - fees[FEES_FUNDING][FUNDING_FEE_AMOUNT]
    usd_fees = fees[FEES_TOTAL_EXCLUDING_FUNDING] * collateral_price
    slope = tokens if is_long else -tokens
    intercept = (-size if is_long else size) - usd_fees
    if position[POS_ADDRESSES][2].lower() == index_token.lower():
        slope += net_collateral
    else:
        intercept += net_collateral * collateral_price
    if slope == 0:
        return None
    price = _truncating_division(threshold - intercept, slope)
    return price if price > 0 else None


def _liquidation_price(
    info: tuple[Any, ...],
    index_token: str,
    index_decimals: int,
    collateral_price: int,
    threshold: int,
) -> float | None:
    raw = liquidation_price_raw(info, index_token, collateral_price, threshold)
    return None if raw is None else price_to_usd(raw, index_decimals)
