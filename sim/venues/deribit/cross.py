"""Deribit's cross-collateral standard margin (``margin_model`` "cross_sm").

Deribit's API reference (2.1.1, ``private/get_account_summary``): with cross collateral,
``margin_balance``, ``initial_margin``, ``maintenance_margin`` and ``available_funds``
are "aggregated ... by converting the sum of each cross collateral currency's value to
the given currency, using each cross collateral currency's index", and
``total_margin_balance_usd``, ``total_maintenance_margin_usd``, ``total_initial_margin_usd``
and ``total_equity_usd`` give the whole account in USD ("only for users using cross
margin"); ``equity`` stays the currency's own. The account is one: it is liquidated when
its total margin balance falls below its total maintenance margin, open orders cancelled
first, then positions closed at mark, largest maintenance first, until it is covered.
Segregated accounts ("segregated_sm") are judged per currency (exchange.py). Portfolio
margin ("segregated_pm", "cross_pm") is not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.venues.deribit.exchange import Account, DeribitExchange
from sim.venues.deribit.margin import margins

MODELS = ("segregated_sm", "cross_sm")


@dataclass(frozen=True, slots=True)
class Totals:
    """The whole cross account in USD."""

    equity_usd: float
    margin_balance_usd: float
    initial_margin_usd: float
    maintenance_margin_usd: float


def usd_per(exchange: DeribitExchange, currency: str) -> float:
    return 1.0 if currency == "USDC" else exchange.pricer.index(currency)


def totals(exchange: DeribitExchange, account: Account) -> Totals:
    parts = [
        (exchange.figures(account, code), usd_per(exchange, code)) for code in exchange.currencies
    ]
    return Totals(
        equity_usd=sum(f.equity * usd for f, usd in parts),
        margin_balance_usd=sum(f.equity * usd for f, usd in parts),
        initial_margin_usd=sum(f.initial_margin * usd for f, usd in parts),
        maintenance_margin_usd=sum(f.maintenance_margin * usd for f, usd in parts),
    )


def summary_fields(exchange: DeribitExchange, account: Account, code: str) -> dict[str, object]:
    """The fields of ``code``'s account summary that cross collateral changes."""
    cross = account.margin_model == "cross_sm"
    fields: dict[str, object] = {
        "margin_model": account.margin_model,
        "cross_collateral_enabled": cross,
        "portfolio_margining_enabled": False,
    }
    if not cross:
        return fields
    whole = totals(exchange, account)
    usd = usd_per(exchange, code)
    return {
        **fields,
        "margin_balance": whole.margin_balance_usd / usd,
        "initial_margin": whole.initial_margin_usd / usd,
        "maintenance_margin": whole.maintenance_margin_usd / usd,
        "available_funds": (whole.margin_balance_usd - whole.initial_margin_usd) / usd,
        "total_equity_usd": whole.equity_usd,
        "total_margin_balance_usd": whole.margin_balance_usd,
        "total_initial_margin_usd": whole.initial_margin_usd,
        "total_maintenance_margin_usd": whole.maintenance_margin_usd,
    }


def available_funds(exchange: DeribitExchange, account: Account, code: str) -> float:
    """Funds for a new order in ``code``: the whole account's for cross collateral."""
    if account.margin_model != "cross_sm":
        return exchange.figures(account, code).available_funds
    whole = totals(exchange, account)
    return (whole.margin_balance_usd - whole.initial_margin_usd) / usd_per(exchange, code)


def liquidate_if_needed(exchange: DeribitExchange, account: Account) -> None:
    """Liquidate a cross account whose total margin balance is under its maintenance."""
    if account.margin_model != "cross_sm":
        return
    whole = totals(exchange, account)
    if (
        whole.maintenance_margin_usd <= 0
        or whole.margin_balance_usd >= whole.maintenance_margin_usd
    ):
        return
    exchange.cancel_all(account)
    pricer = exchange.pricer
    held = [pair for code in exchange.currencies for pair in exchange.holdings(account, code)]
    ranked = sorted(
        held,
        key=lambda pair: (
            margins(pair[0], pair[1].size, pricer, exchange.rules)[1]
            * usd_per(exchange, pair[0].settle)
        ),
        reverse=True,
    )
    for instrument, holding in ranked:
        exchange.close_at_mark(account, instrument, holding, pricer)
        whole = totals(exchange, account)
        if whole.margin_balance_usd >= whole.maintenance_margin_usd:
            break
