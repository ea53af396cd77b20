"""The venue simulators' own small Black-Scholes, as Deribit reports option Greeks.

Deliberately independent of the agent's risk engine (``agent/risk``), so that the
agent's Greeks can be checked against a venue's. Units follow Deribit's ticker, per
option on one coin: ``price_usd`` in USD; ``delta`` the Black-Scholes delta in coin;
``gamma`` in coin per USD; ``vega`` in USD per vol point (sigma + 0.01); ``theta`` in
USD per calendar day, the smaller in size of the one-day theta and the option's whole
remaining time value (Deribit's rule); ``rho`` in USD per rate point. Rates are zero,
as on Deribit's coin-settled books, so the forward is the index.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SECONDS_PER_YEAR = 365.0 * 86_400.0
_DAY_YEARS = 1.0 / 365.0


@dataclass(frozen=True, slots=True)
class OptionValue:
    price_usd: float
    delta: float
    gamma: float
    vega: float
    theta: float
    rho: float


def _cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def intrinsic(spot: float, strike: float, is_call: bool) -> float:
    """Exercise value in USD."""
    return max(spot - strike, 0.0) if is_call else max(strike - spot, 0.0)


def _price(spot: float, strike: float, years: float, vol: float, is_call: bool) -> float:
    if years <= 0.0 or vol <= 0.0:
        return intrinsic(spot, strike, is_call)
    root = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + 0.5 * vol * vol * years) / root
    d2 = d1 - root
    if is_call:
        return spot * _cdf(d1) - strike * _cdf(d2)
    return strike * _cdf(-d2) - spot * _cdf(-d1)


def value(spot: float, strike: float, years: float, vol: float, is_call: bool) -> OptionValue:
    """Price and Greeks of one option on one coin (see the module docstring for units)."""
    price = _price(spot, strike, years, vol, is_call)
    if years <= 0.0 or vol <= 0.0:
        itm = (spot > strike) if is_call else (spot < strike)
        delta = (1.0 if is_call else -1.0) if itm else 0.0
        return OptionValue(price, delta, 0.0, 0.0, 0.0, 0.0)
    root = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + 0.5 * vol * vol * years) / root
    d2 = d1 - root
    delta = _cdf(d1) if is_call else _cdf(d1) - 1.0
    gamma = _pdf(d1) / (spot * root)
    vega = spot * _pdf(d1) * math.sqrt(years) / 100.0
    one_day = -spot * _pdf(d1) * vol / (2.0 * math.sqrt(years)) * _DAY_YEARS
    lifetime = intrinsic(spot, strike, is_call) - price
    theta = max(one_day, lifetime)
    rho_sign = 1.0 if is_call else -1.0
    rho = rho_sign * strike * years * _cdf(rho_sign * d2) / 100.0
    return OptionValue(price, delta, gamma, vega, theta, rho)
