"""Deribit standard (segregated) margin, approximately, and account equity.

Amounts are in the account currency (the instrument's settlement currency: the coin
for inverse books, USDC for linear perpetuals). The rules follow Deribit's published
standard-margin formulas:

- futures and perpetuals: initial 2% and maintenance 1.5% of the position's coin
  size, each plus 0.5% per 100 coins of size (test.deribit.com/pages/docs/futures);
- short options, per coin: call initial max(0.15 - OTM/index, 0.1) + mark and
  maintenance 0.075 + mark; put initial max(max(0.15 - OTM/index, 0.1) + mark,
  maintenance) and maintenance max(0.075, 0.075 x mark) + mark, the mark in coin;
- long options: nothing beyond the premium already paid.

Equity = cash balance + unrealised futures P&L + value of options at mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sim.venues.deribit.instruments import Instrument, Pricer


@dataclass(frozen=True, slots=True)
class MarginRules:
    future_initial: float = 0.02
    future_maintenance: float = 0.015
    future_per_size: float = 0.005
    future_size_unit: float = 100.0
    option_initial: float = 0.15
    option_initial_floor: float = 0.10
    option_maintenance: float = 0.075


@dataclass(slots=True)
class Holding:
    """A position: ``size`` is signed, in the instrument's amount unit (USD for inverse
    futures, coin otherwise); ``average_price`` in its price unit."""

    size: float = 0.0
    average_price: float = 0.0
    realized_pl: float = 0.0
    realized_funding: float = 0.0


def coin_size(instrument: Instrument, size: float, mark: float) -> float:
    """Signed position size in coin."""
    if instrument.kind == "future" and instrument.inverse:
        return size / mark if mark > 0 else 0.0
    return size


def future_pnl(instrument: Instrument, size: float, average: float, price: float) -> float:
    """P&L (account currency) of ``size`` opened at ``average`` and valued at ``price``."""
    if size == 0 or average <= 0 or price <= 0:
        return 0.0
    if instrument.inverse:
        return size * (1.0 / average - 1.0 / price)
    return size * (price - average)


def margins(
    instrument: Instrument, size: float, pricer: Pricer, rules: MarginRules
) -> tuple[float, float]:
    """(initial, maintenance) margin of one position, in the account currency."""
    if size == 0:
        return 0.0, 0.0
    if instrument.kind == "future":
        return _future_margins(instrument, size, pricer, rules)
    if size > 0:
        return 0.0, 0.0
    return _short_option_margins(instrument, -size, pricer, rules)


def _future_margins(
    instrument: Instrument, size: float, pricer: Pricer, rules: MarginRules
) -> tuple[float, float]:
    mark = pricer.mark(instrument)
    coins = abs(coin_size(instrument, size, mark))
    extra = rules.future_per_size * coins / rules.future_size_unit
    exposure = coins if instrument.inverse else coins * mark
    return (
        exposure * (rules.future_initial + extra),
        exposure * (rules.future_maintenance + extra),
    )


def _short_option_margins(
    instrument: Instrument, contracts: float, pricer: Pricer, rules: MarginRules
) -> tuple[float, float]:
    index = pricer.index(instrument.base)
    strike = instrument.strike or 0.0
    mark = pricer.mark(instrument)
    if instrument.option_type == "call":
        out_of_money = max(strike - index, 0.0)
        maintenance = rules.option_maintenance + mark
        initial = max(rules.option_initial - out_of_money / index, rules.option_initial_floor)
        initial += mark
    else:
        out_of_money = max(index - strike, 0.0)
        maintenance = max(rules.option_maintenance, rules.option_maintenance * mark) + mark
        initial = max(rules.option_initial - out_of_money / index, rules.option_initial_floor)
        initial = max(initial + mark, maintenance)
    return contracts * initial, contracts * maintenance


def holding_value(instrument: Instrument, holding: Holding, pricer: Pricer) -> float:
    """What a position adds to equity: option value at mark, or unrealised futures P&L."""
    mark = pricer.mark(instrument)
    if instrument.kind == "option":
        return holding.size * mark
    return future_pnl(instrument, holding.size, holding.average_price, mark)


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """One currency account's margin picture, in that currency."""

    balance: float
    equity: float
    initial_margin: float
    maintenance_margin: float
    options_value: float
    futures_pl: float

    @property
    def available_funds(self) -> float:
        return self.equity - self.initial_margin


def figures(
    balance: float,
    holdings: Iterable[tuple[Instrument, Holding]],
    pricer: Pricer,
    rules: MarginRules,
    extra_initial: float = 0.0,
) -> AccountFigures:
    """Equity and margins of one currency account; ``extra_initial`` adds open orders."""
    options_value = futures_pl = initial = maintenance = 0.0
    for instrument, holding in holdings:
        worth = holding_value(instrument, holding, pricer)
        if instrument.kind == "option":
            options_value += worth
        else:
            futures_pl += worth
        position_initial, position_maintenance = margins(instrument, holding.size, pricer, rules)
        initial += position_initial
        maintenance += position_maintenance
    return AccountFigures(
        balance=balance,
        equity=balance + options_value + futures_pl,
        initial_margin=initial + extra_initial,
        maintenance_margin=maintenance,
        options_value=options_value,
        futures_pl=futures_pl,
    )


def blend_entry(
    instrument: Instrument, size: float, average: float, new_size: float, price: float
) -> float:
    """Average entry after adding to a position (harmonic for inverse futures)."""
    if size == 0 or size * new_size <= 0 or abs(new_size) < abs(size):
        return price if size * new_size <= 0 else average
    if instrument.kind == "future" and instrument.inverse:
        return abs(new_size) / (abs(size) / average + (abs(new_size) - abs(size)) / price)
    return (abs(size) * average + (abs(new_size) - abs(size)) * price) / abs(new_size)
