"""JSON shapes of the Deribit simulator's replies (API v2 field names and units).

Prices of options are in coin, of futures in USD (USDC for linear books); IVs are in
percent; Greeks follow Deribit's ticker (see ``sim.venues.blackscholes``). Account and
position money is in the account currency.
"""

from __future__ import annotations

from sim.venues.deribit import cross
from sim.venues.deribit.exchange import Account, DeribitExchange
from sim.venues.deribit.instruments import Instrument, Pricer
from sim.venues.deribit.margin import Holding, coin_size, future_pnl, margins
from sim.venues.deribit.orders import future_levels, level_amount, touch

_CURRENCY_NAMES = {"BTC": "Bitcoin", "ETH": "Ethereum", "USDC": "USD Coin"}


def currency(code: str) -> dict[str, object]:
    """One entry of ``public/get_currencies``."""
    return {
        "currency": code,
        "currency_long": _CURRENCY_NAMES.get(code, code),
        "coin_type": _CURRENCY_NAMES.get(code, code).upper().replace(" ", "_"),
        "min_confirmations": 1,
        "min_withdrawal_fee": 0.0001,
        "withdrawal_fee": 0.0001,
        "withdrawal_priorities": [],
        "apr": 0.0,
        "in_cross_collateral_pool": False,
    }


def _option_fields(instrument: Instrument, pricer: Pricer) -> dict[str, object]:
    option = pricer.option(instrument)
    mark_iv = round(pricer.iv(instrument) * 100.0, 2)
    return {
        "underlying_price": pricer.index(instrument.base),
        "underlying_index": "index_price",
        "interest_rate": 0.0,
        "mark_iv": mark_iv,
        "bid_iv": round(mark_iv - 1.0, 2),
        "ask_iv": round(mark_iv + 1.0, 2),
        "greeks": {
            "delta": round(option.delta, 5),
            "gamma": round(option.gamma, 8),
            "vega": round(option.vega, 5),
            "theta": round(option.theta, 5),
            "rho": round(option.rho, 5),
        },
    }


def _funding_fields(instrument: Instrument, pricer: Pricer) -> dict[str, object]:
    rate = pricer.funding_8h(instrument)
    return {"funding_8h": rate, "current_funding": rate, "interest_value": 0.0}


def ticker(exchange: DeribitExchange, instrument: Instrument) -> dict[str, object]:
    """``public/ticker``."""
    pricer = exchange.pricer
    mark = pricer.mark(instrument)
    best = touch(instrument, mark)
    body: dict[str, object] = {
        "instrument_name": instrument.name,
        "timestamp": exchange.now_ms,
        "state": "open",
        "stats": {"volume": 0.0, "volume_usd": 0.0, "price_change": 0.0, "low": mark, "high": mark},
        "open_interest": 0.0,
        "settlement_price": mark,
        "mark_price": mark,
        "last_price": mark,
        "min_price": round(mark * 0.95, 10),
        "max_price": round(mark * 1.05, 10),
        "index_price": pricer.index(instrument.base),
        "estimated_delivery_price": pricer.index(instrument.base),
        "best_bid_price": best.bid or 0.0,
        "best_bid_amount": best.bid_size if best.bid else 0.0,
        "best_ask_price": best.ask,
        "best_ask_amount": best.ask_size,
    }
    if instrument.kind == "option":
        body.update(_option_fields(instrument, pricer))
    elif instrument.perpetual:
        body.update(_funding_fields(instrument, pricer))
    return body


def book_summary(exchange: DeribitExchange, instrument: Instrument) -> dict[str, object]:
    """One entry of ``public/get_book_summary_by_currency``."""
    pricer = exchange.pricer
    mark = pricer.mark(instrument)
    best = touch(instrument, mark)
    body: dict[str, object] = {
        "instrument_name": instrument.name,
        "base_currency": instrument.base,
        "quote_currency": instrument.settle if instrument.kind == "option" else instrument.counter,
        "creation_timestamp": exchange.now_ms,
        "bid_price": best.bid,
        "ask_price": best.ask,
        "mid_price": (best.ask + best.bid) / 2.0 if best.bid else None,
        "mark_price": mark,
        "last": mark,
        "high": mark,
        "low": mark,
        "price_change": 0.0,
        "volume": 0.0,
        "volume_usd": 0.0,
        "volume_notional": 0.0,
        "open_interest": 0.0,
        "estimated_delivery_price": pricer.index(instrument.base),
    }
    if instrument.kind == "option":
        fields = _option_fields(instrument, pricer)
        del fields["greeks"], fields["bid_iv"], fields["ask_iv"]
        body.update(fields)
    elif instrument.perpetual:  # the book summary has no interest_value (API reference)
        body.update(_funding_fields(instrument, pricer))
        del body["interest_value"]
    return body


def order_book(exchange: DeribitExchange, instrument: Instrument, depth: int) -> dict[str, object]:
    """``public/get_order_book``: the ticker plus ``depth`` levels a side (a future's
    from the depth model, in its amount unit; an option's at the touch)."""
    if instrument.kind == "future":
        sides = {
            asks: [
                [level.price, level_amount(instrument, level)]
                for level in future_levels(instrument, exchange.pricer, exchange.depth, asks=asks)
            ][:depth]
            for asks in (True, False)
        }
        return {
            **ticker(exchange, instrument),
            "bids": sides[False],
            "asks": sides[True],
            "change_id": exchange.now_ms,
        }
    best = touch(instrument, exchange.pricer.mark(instrument))
    tick = instrument.tick
    asks = [[round(best.ask + level * tick, 10), best.ask_size] for level in range(depth)]
    bids = []
    if best.bid is not None:
        levels = (round(best.bid - level * tick, 10) for level in range(depth))
        bids = [[price, best.bid_size] for price in levels if price >= tick]
    return {
        **ticker(exchange, instrument),
        "bids": bids,
        "asks": asks,
        "change_id": exchange.now_ms,
    }


def position(
    exchange: DeribitExchange, instrument: Instrument, holding: Holding, liquidation: float | None
) -> dict[str, object]:
    """One entry of ``private/get_positions``."""
    pricer = exchange.pricer
    mark = pricer.mark(instrument)
    index = pricer.index(instrument.base)
    initial, maintenance = margins(instrument, holding.size, pricer, exchange.rules)
    direction = "buy" if holding.size > 0 else "sell"
    body: dict[str, object] = {
        "instrument_name": instrument.name,
        "kind": instrument.kind,
        "direction": direction,
        "size": holding.size,
        "average_price": holding.average_price,
        "mark_price": mark,
        "index_price": index,
        "settlement_price": mark,
        "initial_margin": initial,
        "maintenance_margin": maintenance,
        "open_orders_margin": 0.0,
        "realized_profit_loss": holding.realized_pl,
    }
    if instrument.kind == "option":
        body.update(_option_position(instrument, holding, pricer))
    else:
        floating = future_pnl(instrument, holding.size, holding.average_price, mark)
        body.update(
            size_currency=coin_size(instrument, holding.size, mark),
            delta=coin_size(instrument, holding.size, mark),
            floating_profit_loss=floating,
            total_profit_loss=floating + holding.realized_pl,
            estimated_liquidation_price=liquidation,
            leverage=50,
        )
        if instrument.perpetual:
            body.update(realized_funding=holding.realized_funding, interest_value=0.0)
    return body


def _option_position(instrument: Instrument, holding: Holding, pricer: Pricer) -> dict[str, object]:
    option = pricer.option(instrument)
    index = pricer.index(instrument.base)
    floating = (pricer.mark(instrument) - holding.average_price) * holding.size
    return {
        "average_price_usd": holding.average_price * index,
        "floating_profit_loss": floating,
        "floating_profit_loss_usd": floating * index,
        "total_profit_loss": floating,
        "delta": round(option.delta * holding.size, 6),
        "gamma": round(option.gamma * holding.size, 8),
        "vega": round(option.vega * holding.size, 5),
        "theta": round(option.theta * holding.size, 5),
    }


def account_summary(exchange: DeribitExchange, account: Account, code: str) -> dict[str, object]:
    """``private/get_account_summary`` for one currency (segregated or cross-collateral
    standard margin: ``cross.summary_fields``)."""
    numbers = exchange.figures(account, code)
    pricer = exchange.pricer
    greeks = {"delta": 0.0, "gamma": 0.0, "vega": 0.0, "theta": 0.0}
    futures_delta = 0.0
    for instrument, holding in exchange.holdings(account, code):
        if instrument.kind == "option":
            option = pricer.option(instrument)
            greeks["delta"] += (option.delta - pricer.mark(instrument)) * holding.size
            greeks["gamma"] += option.gamma * holding.size
            greeks["vega"] += option.vega * holding.size
            greeks["theta"] += option.theta * holding.size
        else:
            futures_delta += coin_size(instrument, holding.size, pricer.mark(instrument))
    ratio = numbers.maintenance_margin / numbers.equity if numbers.equity > 0 else None
    return {
        "currency": code,
        "balance": numbers.balance,
        "equity": numbers.equity,
        "margin_balance": numbers.equity,
        "initial_margin": numbers.initial_margin,
        "maintenance_margin": numbers.maintenance_margin,
        "projected_initial_margin": numbers.initial_margin,
        "projected_maintenance_margin": numbers.maintenance_margin,
        "available_funds": numbers.available_funds,
        "available_withdrawal_funds": max(numbers.available_funds, 0.0),
        "estimated_liquidation_ratio": ratio,
        "options_value": numbers.options_value,
        "options_pl": numbers.options_value,
        "options_session_upl": 0.0,
        "options_session_rpl": 0.0,
        **{f"options_{name}": round(total, 8) for name, total in greeks.items()},
        "futures_pl": numbers.futures_pl,
        "futures_session_upl": numbers.futures_pl,
        "futures_session_rpl": 0.0,
        "session_upl": numbers.futures_pl,
        "session_rpl": 0.0,
        "total_pl": numbers.futures_pl + numbers.options_value,
        "delta_total": round(greeks["delta"] + futures_delta, 8),
        "projected_delta_total": round(greeks["delta"] + futures_delta, 8),
        "fee_balance": 0.0,
        "spot_reserve": 0.0,
        "additional_reserve": 0.0,
        **cross.summary_fields(exchange, account, code),
    }
