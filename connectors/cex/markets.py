"""Reading ccxt's market structures: our Instrument, the order size step, numbers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agent.model import Instrument, Kind, OptionType, Settlement


def number(value: object, default: float | None = None) -> float | None:
    """A venue number (often a string) as float; ``default`` when absent or unreadable."""
    if type(value) is float and value == value:  # float(str(value)), without the round
        return value  # trip (NaN takes it: its sign is lost there, as it always was)
    if value is None or value == "":
        return default
    try:
        return float(str(value))
    except ValueError:
        return default


def instrument_from_market(venue: str, market: Mapping[str, Any]) -> Instrument:
    """Our Instrument for a ccxt market. Ballast's quantities are coin for every kind;
    each connector converts to the venue's order amount in ``connectors.cex.units`` (the
    venue's contract size, Deribit's 10 USD inverse or 0.001 BTC linear contracts, is
    never a divisor of a coin quantity)."""
    if market.get("option"):
        kind = Kind.OPTION
    elif market.get("swap"):
        kind = Kind.PERP
    elif market.get("future"):
        kind = Kind.FUTURE
    else:
        kind = Kind.SPOT
    expiry_ms = market.get("expiry")
    inverse = bool(market.get("inverse"))
    option_type = market.get("optionType")
    return Instrument(
        venue=venue,
        symbol=str(market["symbol"]),
        underlying=str(market["base"]),
        kind=kind,
        settlement=Settlement.INVERSE if inverse else Settlement.LINEAR,
        option_type=OptionType(option_type) if option_type else None,
        strike=number(market.get("strike")),
        expiry=datetime.fromtimestamp(expiry_ms / 1000, UTC) if expiry_ms else None,
    )


def price_on_tick(market: Mapping[str, Any], price: float, *, buy: bool) -> float:
    """``price`` on the tick in force at it, never past the limit: down for a buy, up for
    a sell. Deribit's options tick 0.0001 up to 0.005 and 0.0005 above it (its
    ``tick_size_steps``: "above_price" / "tick_size", public/get_instruments); ccxt rounds to
    ``tick_size`` alone, which Deribit refuses above a step."""
    info = market.get("info") or {}
    tick = number(info.get("tick_size")) or number((market.get("precision") or {}).get("price"))
    if not tick:
        return price
    for step in info.get("tick_size_steps") or []:
        above, size = number(step.get("above_price")), number(step.get("tick_size"))
        if above is not None and size and price > above:
            tick = size
    steps = price / tick
    rounded = math.floor(steps + 1e-9) if buy else math.ceil(steps - 1e-9)
    return round(rounded * tick, 10)
