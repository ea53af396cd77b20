"""Hyperliquid's number rules: the price tick rule and how the venue writes numbers.

Prices (hyperliquid-docs, "Tick and lot size"): an integer is always valid; otherwise
at most 5 significant figures and at most ``MAX_PRICE_DECIMALS - szDecimals`` decimals
for perps. Numbers in replies are decimal strings ("60000.0", "0.0123").
"""

from __future__ import annotations

import math

MAX_PRICE_DECIMALS = 6


def price_ok(price: float, sz_decimals: int) -> bool:
    """Hyperliquid's tick rule: integer, or <= 5 significant figures and few decimals."""
    if price <= 0:
        return False
    if float(price).is_integer():
        return True
    decimals = MAX_PRICE_DECIMALS - sz_decimals
    if abs(round(price, decimals) - price) > 1e-12 * price:
        return False
    magnitude = math.floor(math.log10(price)) + 1
    return abs(round(price, 5 - magnitude) - price) <= 1e-12 * price


def round_price(price: float, sz_decimals: int, up: bool) -> float:
    """Round to what the tick rule accepts (5 significant figures, bounded decimals)."""
    magnitude = math.floor(math.log10(price)) + 1
    decimals = max(min(5 - magnitude, MAX_PRICE_DECIMALS - sz_decimals), 0)
    scale = 10.0**decimals
    rounded = (math.ceil if up else math.floor)(price * scale - (1e-9 if up else -1e-9)) / scale
    return round(rounded, decimals)


def fmt(number: float) -> str:
    """A decimal string as Hyperliquid writes numbers ("60000.0", "0.0123")."""
    text = f"{number:.10f}".rstrip("0")
    return text + "0" if text.endswith(".") else text
