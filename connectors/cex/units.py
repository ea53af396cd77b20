"""Coin quantity <-> venue order amount, per instrument kind: the one conversion.

Ballast speaks coin everywhere (``OrderRequest.quantity``, ``OrderState.filled_quantity``,
positions); each venue takes its own unit for an order's size. This module is the only
place that knows which, from the venue's published spec as ccxt loads it:

Deribit (``amount`` of ``private/buy`` and ``private/sell``, docs.deribit.com, "amount":
"It represents the requested order size. For perpetual and inverse futures the amount
is in USD units. For options and linear futures it is the underlying base currency
coin."; ccxt ``deribit.py`` ``create_order`` passes ``amount`` through unchanged except
``amount_to_precision`` with ``precision.amount = min_trade_amount``, and its docstring
says the same: "For perpetual and inverse futures the amount is in USD units. For
options it is in the underlying assets base currency"):

- inverse (coin-settled) perpetuals and futures: USD, in steps of ``contract_size`` USD
  (BTC-PERPETUAL: 10 USD); one USD of position is 1/mark coin of delta;
- linear (USDC-settled) perpetuals and futures: coin, in steps of ``min_trade_amount``
  (BTC_USDC-PERPETUAL: 0.001 BTC). Their ``contract_size`` (0.001) is *not* a divisor:
  the amount is already coin (``contracts`` = amount / contract_size is a separate,
  optional parameter of ``private/buy``);
- options: coin (contracts of ``contract_size`` 1 coin), in steps of ``min_trade_amount``.

Hyperliquid (``sz`` of an order action, hyperliquid-docs "Exchange endpoint": size in
units of the coin, with ``szDecimals`` decimals from ``meta``; ccxt ``hyperliquid.py``
sets ``contractSize`` 1 and ``precision.amount`` = 10^-szDecimals): coin for every perp.

Rounding is to the nearest step (a hedge lands within half a lot of its intent, and the
last FLATTEN slice closes the position rather than leaving dust below the minimum); an
amount that rounds to zero is refused with the venue's minimum in coin.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.errors import RejectedError


class Denomination(enum.StrEnum):
    """What one unit of a venue's order amount is."""

    COIN = "coin"
    USD = "usd"


@dataclass(frozen=True, slots=True)
class OrderUnits:
    """How one instrument's order amount relates to coin.

    ``step`` is the amount increment in the venue's unit (USD or coin).
    """

    symbol: str
    denomination: Denomination
    step: float

    @property
    def needs_price(self) -> bool:
        return self.denomination is Denomination.USD

    def amount(self, coin: float, price_usd: float | None = None) -> float:
        """The venue amount for ``coin`` (>= 0), rounded to the nearest step."""
        if coin < 0 or not math.isfinite(coin):
            raise RejectedError(f"{self.symbol}: order quantity must be >= 0 coin, not {coin}")
        raw = coin * self._price(price_usd) if self.needs_price else coin
        steps = math.floor(raw / self.step + 0.5)  # to the nearest step, halves up
        if steps == 0 and coin > 0:
            minimum = self.coin(self.step, price_usd)
            raise RejectedError(
                f"{self.symbol}: {coin:.8g} coin is below the venue's order step "
                f"({self.step:g} {self.denomination.value}, {minimum:.8g} coin)"
            )
        return _clean(steps * self.step, self.step)

    def coin(self, amount: float, price_usd: float | None = None) -> float:
        """The coin quantity of a venue ``amount`` (an order's size or its fill)."""
        return amount / self._price(price_usd) if self.needs_price else amount

    def lot_coin(self, price_usd: float | None = None) -> float:
        """One order step in coin (at ``price_usd`` where the step is USD)."""
        return self.coin(self.step, price_usd)

    def _price(self, price_usd: float | None) -> float:
        if price_usd is None or not price_usd > 0 or not math.isfinite(price_usd):
            raise RejectedError(
                f"{self.symbol}: its orders are sized in USD; converting coin needs a "
                f"positive price, got {price_usd!r}"
            )
        return price_usd


def _clean(value: float, step: float) -> float:
    """``value`` without binary noise, to the step's decimals (0.30000000000000004 -> 0.3)."""
    decimals = max(0, -math.floor(math.log10(step))) + 2
    return round(value, decimals)


def _step(market: Mapping[str, Any]) -> float:
    step = (market.get("precision") or {}).get("amount")
    try:
        value = float(str(step))
    except ValueError:
        value = 0.0
    if not value > 0:
        raise RejectedError(f"{market.get('symbol')}: the venue publishes no order size step")
    return value


def deribit_units(market: Mapping[str, Any]) -> OrderUnits:
    """Deribit: USD for inverse perpetuals and futures, coin for linear ones and options."""
    symbol = str(market["symbol"])
    if market.get("inverse") and not market.get("option"):
        # The USD step is the contract size (10 USD for BTC, 1 USD for ETH); ccxt's
        # precision.amount is min_trade_amount, which Deribit publishes equal to it.
        step = float(market.get("contractSize") or _step(market))
        return OrderUnits(symbol, Denomination.USD, step)
    return OrderUnits(symbol, Denomination.COIN, _step(market))


def hyperliquid_units(market: Mapping[str, Any]) -> OrderUnits:
    """Hyperliquid: coin, in steps of 10^-szDecimals."""
    return OrderUnits(str(market["symbol"]), Denomination.COIN, _step(market))
