"""Orders, trades and the synthetic order book of the Deribit simulator.

There are no other participants: the touch is a spread around the mark (a few basis
points for futures, a few percent of premium for options). Behind a future's touch the
depth model (``sim/venues/depth.py``) gives levels of finite size, so an order that
crosses fills level by level up to its limit, and an immediate-or-cancel order meeting
less depth fills partially; options show ``OPTION_DEPTH`` contracts at the touch. An
order that does not cross rests until the market moves through its price.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.venues.depth import DepthModel, Level, walk
from sim.venues.deribit.instruments import Instrument, Pricer

FUTURE_HALF_SPREAD = 0.00025
OPTION_HALF_SPREAD = 0.02
FUTURE_LEVEL_USD = 400_000.0  # per level, 10 levels 5 bp apart at liquidity 1
OPTION_DEPTH = 200.0

TIME_IN_FORCE = {
    "good_til_cancelled": "good_til_cancelled",
    "immediate_or_cancel": "immediate_or_cancel",
    "fill_or_kill": "fill_or_kill",
    "good_til_day": "good_til_day",
}


class DeribitError(Exception):
    """A JSON-RPC error the venue answers with (code and message as Deribit uses them)."""

    def __init__(self, code: int, message: str, reason: str | None = None) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.reason = reason

    def to_json(self) -> dict[str, object]:
        data = {"reason": self.reason} if self.reason else None
        return {"code": self.code, "message": self.message, "data": data}


def round_to_tick(price: float, tick: float, up: bool) -> float:
    steps = price / tick
    steps = math.ceil(steps - 1e-9) if up else math.floor(steps + 1e-9)
    return round(steps * tick, 10)


def on_tick(price: float, tick: float) -> bool:
    return abs(price / tick - round(price / tick)) < 1e-6


@dataclass(frozen=True, slots=True)
class Touch:
    """Best bid and ask (None when that side is empty) and their sizes (amount units)."""

    bid: float | None
    ask: float
    bid_size: float
    ask_size: float


def touch(instrument: Instrument, mark: float) -> Touch:
    """The synthetic top of book around ``mark``."""
    tick = instrument.tick
    if instrument.kind == "option":
        raw_bid, raw_ask = mark * (1.0 - OPTION_HALF_SPREAD), mark * (1.0 + OPTION_HALF_SPREAD)
        bid = round_to_tick(raw_bid, instrument.tick_at(raw_bid), up=False)
        ask = max(round_to_tick(raw_ask, instrument.tick_at(raw_ask), up=True), tick)
        return Touch(bid if bid >= tick else None, ask, OPTION_DEPTH, OPTION_DEPTH)
    bid = round_to_tick(mark * (1.0 - FUTURE_HALF_SPREAD), tick, up=False)
    ask = round_to_tick(mark * (1.0 + FUTURE_HALF_SPREAD), tick, up=True)
    if ask <= bid:
        ask = round(bid + tick, 10)
    depth = FUTURE_LEVEL_USD if instrument.inverse else FUTURE_LEVEL_USD / mark
    return Touch(bid, ask, depth, depth)


def future_levels(
    instrument: Instrument, pricer: Pricer, depth: DepthModel, *, asks: bool
) -> list[Level]:
    """What is left on one side of a future's book, best first."""
    best = touch(instrument, pricer.mark(instrument))
    start = best.ask if asks else best.bid
    if start is None:
        return []
    return depth.side(
        instrument.name,
        instrument.base,
        pricer.state.implied_vol(instrument.base),
        start,
        asks=asks,
        round_price=lambda price, up: round_to_tick(price, instrument.tick, up),
    )


def level_amount(instrument: Instrument, level: Level) -> float:
    """A level's size in the amount unit (USD for inverse futures), in whole lots."""
    raw = level.size_usd if instrument.inverse else level.size_usd / level.price
    lots = math.floor(raw / instrument.min_amount + 1e-9)
    return round(lots * instrument.min_amount, 10)


def matches_for(order: Order, pricer: Pricer, depth: DepthModel) -> list[tuple[float, float]]:
    """(price, amount) fills ``order`` would take now, as a taker."""
    instrument = order.instrument
    buy = order.direction == "buy"
    remaining = order.amount - order.filled
    if instrument.kind == "option":
        best = touch(instrument, pricer.mark(instrument))
        price = best.ask if buy else best.bid
        levels = [] if price is None else [Level(price, OPTION_DEPTH)]
        return walk(levels, remaining, order.price, buy=buy, amount_of=lambda level: OPTION_DEPTH)
    levels = future_levels(instrument, pricer, depth, asks=buy)
    return walk(
        levels, remaining, order.price, buy=buy, amount_of=lambda lv: level_amount(instrument, lv)
    )


def take_depth(depth: DepthModel, order: Order, price: float, amount: float) -> None:
    """A taker fill empties its part of a future's book until the next market step."""
    instrument = order.instrument
    if instrument.kind == "future":
        usd = amount if instrument.inverse else amount * price
        depth.take(instrument.name, asks=order.direction == "buy", usd=usd)


@dataclass(slots=True)
class Order:
    """One order; ``amount`` and ``filled`` in the instrument's amount unit."""

    order_id: str
    label: str
    instrument: Instrument
    direction: str  # "buy" | "sell"
    amount: float
    price: float | None  # None: market order
    order_type: str
    time_in_force: str
    created_ms: int
    post_only: bool = False
    reduce_only: bool = False
    state: str = "open"
    filled: float = 0.0
    average_price: float = 0.0
    commission: float = 0.0
    updated_ms: int = 0
    is_liquidation: bool = False
    cancel_reason: str | None = None

    @property
    def signed(self) -> float:
        """Remaining amount, positive for buys."""
        remaining = self.amount - self.filled
        return remaining if self.direction == "buy" else -remaining

    def fill(self, amount: float, price: float, fee: float, now_ms: int) -> None:
        total = self.filled + amount
        self.average_price = (self.average_price * self.filled + price * amount) / total
        self.filled = total
        self.commission += fee
        self.updated_ms = now_ms
        if self.filled >= self.amount - 1e-12:
            self.state = "filled"

    def to_json(self) -> dict[str, object]:
        """The order object of ``private/get_order_state`` and friends: the fields of
        Deribit's API reference (2.1.1) order object. It carries no commission: fees are
        on the trades (``fee``, ``fee_currency``), ``private/get_user_trades_by_order``."""
        return {
            "order_id": self.order_id,
            "order_state": self.state,
            "order_type": self.order_type,
            "original_order_type": self.order_type,
            "time_in_force": self.time_in_force,
            "instrument_name": self.instrument.name,
            "creation_timestamp": self.created_ms,
            "last_update_timestamp": self.updated_ms or self.created_ms,
            "direction": self.direction,
            "price": "market_price" if self.price is None else self.price,
            "label": self.label,
            "post_only": self.post_only,
            "reject_post_only": self.post_only,
            "reduce_only": self.reduce_only,
            "amount": self.amount,
            "contracts": self.amount / self.instrument.contract_size,
            "filled_amount": self.filled,
            "average_price": self.average_price,
            "is_liquidation": self.is_liquidation,
            "is_rebalance": False,
            "risk_reducing": False,
            "replaced": False,
            "api": True,
            "web": False,
            "mmp": False,
            **({"cancel_reason": self.cancel_reason} if self.cancel_reason else {}),
        }


@dataclass(frozen=True, slots=True)
class Trade:
    trade_id: str
    trade_seq: int
    order: Order = field(compare=False)
    amount: float
    price: float
    fee: float
    liquidity: str  # "T" taker | "M" maker
    timestamp_ms: int
    index_price: float
    mark_price: float
    # "M" / "T" / "MT": which side was under liquidation (Deribit API 2.1.1 user trade
    # object, ``liquidation``: only on trades caused by a liquidation).
    liquidation: str | None = None

    def to_json(self) -> dict[str, object]:
        """A trade as ``private/buy`` reports it."""
        return {
            "trade_id": self.trade_id,
            "trade_seq": self.trade_seq,
            "timestamp": self.timestamp_ms,
            "tick_direction": 0,
            "state": self.order.state,
            "price": self.price,
            "order_type": self.order.order_type,
            "order_id": self.order.order_id,
            "matching_id": None,
            "liquidity": self.liquidity,
            "label": self.order.label,
            "instrument_name": self.order.instrument.name,
            "index_price": self.index_price,
            "mark_price": self.mark_price,
            "fee_currency": self.order.instrument.settle,
            "fee": self.fee,
            "direction": self.order.direction,
            "amount": self.amount,
            "contracts": self.amount / self.order.instrument.contract_size,
            "reduce_only": self.order.reduce_only,
            "post_only": self.order.post_only,
            "api": True,
            **({"liquidation": self.liquidation} if self.liquidation else {}),
        }


def fee(instrument: Instrument, amount: float, price: float, taker: bool) -> float:
    """Trading fee in the account currency (Deribit's standard schedule, simplified)."""
    if instrument.kind == "option":
        return min(0.0003 * amount, 0.125 * price * amount)
    if not taker:
        return 0.0
    notional = amount / price if instrument.inverse else amount * price
    return 0.0005 * notional
