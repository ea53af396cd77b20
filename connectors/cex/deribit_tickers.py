"""Deribit's ticker notifications: channel names, checks, and the book summary row each
one stands in for.

A ticker channel is ``ticker.{instrument_name}.{interval}``; its data is the ticker of
``public/ticker`` (https://docs.deribit.com/subscriptions/market-data/
tickerinstrument_nameinterval: mark, index and estimated delivery price, best bid and
ask, ``funding_8h`` for perpetuals; for options ``mark_iv`` in percent,
``underlying_price`` and ``interest_rate``; ``timestamp`` in ms since the epoch, the
venue's). ``summary_row`` renames the few fields the ticker names differently from a
``public/get_book_summary_by_currency`` row (Deribit API 2.1.1 reference:
``best_bid_price`` -> ``bid_price``, ``best_ask_price`` -> ``ask_price``, ``timestamp``
-> ``creation_timestamp``; ``base_currency`` from the instrument), so the snapshot is
built by one code path from either source.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.errors import TransientError

# Deribit's ticker channel intervals for unauthorised connections ("raw" needs auth).
INTERVALS = ("100ms", "agg2")
_REQUIRED = ("mark_price", "index_price")
_OPTION_REQUIRED = ("mark_iv", "underlying_price")
_OPTIONAL = ("best_bid_price", "best_ask_price", "estimated_delivery_price", "funding_8h")
_OPTION_OPTIONAL = ("interest_rate",)
# Every field of a ticker read here (tests check them against Deribit's reference).
FIELDS_READ = ("instrument_name", "timestamp", *_REQUIRED, *_OPTIONAL, *_OPTION_REQUIRED,
               *_OPTION_OPTIONAL)  # fmt: skip


class StreamDataError(TransientError):
    """A notification the stream cannot use; it names the channel and the field."""


def ticker_channel(instrument_name: str, interval: str) -> str:
    return f"ticker.{instrument_name}.{interval}"


def instrument_of(channel: str) -> str:
    """``BTC-PERPETUAL`` of ``ticker.BTC-PERPETUAL.100ms``."""
    return channel.split(".")[1]


@dataclass(frozen=True, slots=True)
class Ticker:
    """One checked ticker notification: its data and the venue's time of it (ms)."""

    channel: str
    data: Mapping[str, Any]
    timestamp_ms: int


def checked(channel: object, data: object, *, option: bool) -> Ticker:
    """The notification of ``channel`` with ``data``, or StreamDataError saying which
    field is wrong: the instrument's name must match the channel's, ``timestamp`` must
    be whole milliseconds, and every price read must be a finite number."""
    if not isinstance(channel, str) or len(channel.split(".")) != 3:
        raise StreamDataError(f"deribit stream: notification on channel {channel!r}: bad name")
    if not isinstance(data, Mapping):
        raise StreamDataError(f"deribit stream: {channel}: data is {type(data).__name__}")
    if data.get("instrument_name") != instrument_of(channel):
        found = data.get("instrument_name")
        raise StreamDataError(f"deribit stream: {channel}: field instrument_name is {found!r}")
    stamp = data.get("timestamp")
    if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp <= 0:
        raise StreamDataError(f"deribit stream: {channel}: field timestamp is {stamp!r}")
    required = _REQUIRED + (_OPTION_REQUIRED if option else ())
    optional = _OPTIONAL + (_OPTION_OPTIONAL if option else ())
    for name in required + optional:
        value = data.get(name)
        if value is None and name in optional:
            continue
        if not _finite(value):
            raise StreamDataError(f"deribit stream: {channel}: field {name} is {value!r}")
    return Ticker(channel, data, stamp)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def summary_row(ticker: Ticker, base_currency: str) -> dict[str, Any]:
    """The book summary row a ticker stands in for (the fields the connector reads)."""
    data = ticker.data
    row: dict[str, Any] = {
        "instrument_name": data["instrument_name"],
        "base_currency": base_currency,
        "creation_timestamp": ticker.timestamp_ms,
        "mark_price": data["mark_price"],
        "bid_price": data.get("best_bid_price"),
        "ask_price": data.get("best_ask_price"),
        "estimated_delivery_price": data.get("estimated_delivery_price"),
    }
    for name in ("funding_8h", "mark_iv", "underlying_price", "interest_rate"):
        if name in data:
            row[name] = data[name]
    return row
