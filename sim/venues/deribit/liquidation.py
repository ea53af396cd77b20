"""The index level at which a Deribit currency account would hit maintenance margin.

Every instrument of a coin-settled account shares that coin's index, so the account's
liquidation level is where equity(S) = maintenance(S); Deribit reports it on futures
positions as ``estimated_liquidation_price``. Found by scanning outwards from today's
index and bisecting the first crossing.
"""

from __future__ import annotations

from dataclasses import replace

from sim.venues.deribit.exchange import Account, DeribitExchange
from sim.venues.deribit.instruments import Pricer

_SCAN_STEPS = 60
_SCAN_SPAN = 20.0  # search between index / span and index x span


def _cushion(
    exchange: DeribitExchange, account: Account, currency: str, coin: str, level: float
) -> float:
    state = exchange.state
    moved = replace(state, prices={**state.prices, coin: level})
    numbers = exchange.figures(account, currency, Pricer(moved, exchange.smile))
    return numbers.equity - numbers.maintenance_margin


def estimated_liquidation_price(
    exchange: DeribitExchange, account: Account, currency: str, coin: str
) -> float | None:
    """The nearest index level (USD) where the account becomes liquidatable, if any."""
    index = exchange.state.price(coin)
    if _cushion(exchange, account, currency, coin, index) <= 0:
        return index
    ratio = _SCAN_SPAN ** (1.0 / _SCAN_STEPS)
    for direction in (1.0 / ratio, ratio):
        inside = index
        for _ in range(_SCAN_STEPS):
            outside = inside * direction
            if _cushion(exchange, account, currency, coin, outside) <= 0:
                return _bisect(exchange, account, currency, coin, inside, outside)
            inside = outside
    return None


def _bisect(
    exchange: DeribitExchange, account: Account, currency: str, coin: str, safe: float, bad: float
) -> float:
    for _ in range(40):
        middle = (safe + bad) / 2.0
        if _cushion(exchange, account, currency, coin, middle) > 0:
            safe = middle
        else:
            bad = middle
    return round((safe + bad) / 2.0, 2)
