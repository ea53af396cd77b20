"""What the simulated Deribit settles as time passes: perpetual funding and expiries.

Funding is quoted as an 8-hour rate and paid continuously, in proportion to the time
held ("funding is actually calculated and paid/received continuously", the payment being
rate x position x time / 8 hours: support.deribit.com, Funding Specifications). An
expired option pays its intrinsic value, in coin for the coin-settled ones, at the index;
an expired future settles its P&L there; the expired instrument's open orders are
cancelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.venues.blackscholes import intrinsic
from sim.venues.deribit.margin import future_pnl

if TYPE_CHECKING:
    from sim.venues.deribit.exchange import Account, DeribitExchange

_EIGHT_HOURS_S = 8 * 3600.0


def accrue_funding(exchange: DeribitExchange, account: Account, elapsed_s: int) -> None:
    """Charge (or pay) each perpetual position ``elapsed_s`` seconds of funding."""
    pricer = exchange.pricer
    for name, holding in account.holdings.items():
        instrument = exchange.instruments[name]
        if not instrument.perpetual or holding.size == 0:
            continue
        mark = pricer.mark(instrument)
        exposure = holding.size / mark if instrument.inverse else holding.size * mark
        payment = exposure * pricer.funding_8h(instrument) * elapsed_s / _EIGHT_HOURS_S
        account.balances[instrument.settle] -= payment
        holding.realized_funding -= payment


def settle_expired(exchange: DeribitExchange, account: Account) -> None:
    """Settle the expired positions at the index and cancel their open orders."""
    spot_of = exchange.pricer.index
    now_ms = exchange.now_ms
    for name, holding in list(account.holdings.items()):
        instrument = exchange.instruments[name]
        if instrument.perpetual or instrument.expiry_ms > now_ms:
            continue
        spot = spot_of(instrument.base)
        if instrument.kind == "option":
            payoff = intrinsic(spot, instrument.strike or 0.0, instrument.option_type == "call")
            account.balances[instrument.settle] += holding.size * payoff / spot
        else:
            pnl = future_pnl(instrument, holding.size, holding.average_price, spot)
            account.balances[instrument.settle] += pnl
        del account.holdings[name]
    for order in account.orders.values():
        if order.state == "open" and order.instrument.expiry_ms <= now_ms:
            order.state, order.cancel_reason = "cancelled", "settlement"
