"""Checking Deribit ticker notifications before they reach the marks cache."""

from __future__ import annotations

import json
import re

import ccxt.pro as ccxt_pro
import pytest

from connectors.cex import Endpoint
from connectors.cex.deribit_stream import _MAX_MESSAGE_CHARS, _chunks, stream_url
from connectors.cex.deribit_tickers import StreamDataError, checked, summary_row

CHANNEL = "ticker.BTC-27DEC24-60000-C.100ms"
GOOD = {
    "instrument_name": "BTC-27DEC24-60000-C",
    "timestamp": 1_760_000_000_000,
    "mark_price": 0.05,
    "index_price": 60_000.0,
    "estimated_delivery_price": 60_000.0,
    "best_bid_price": 0.0495,
    "best_ask_price": 0.0505,
    "mark_iv": 60.0,
    "underlying_price": 60_010.0,
    "interest_rate": 0.0,
}


def test_a_good_option_ticker_becomes_a_book_summary_row() -> None:
    ticker = checked(CHANNEL, GOOD, option=True)
    row = summary_row(ticker, "BTC")
    assert row["creation_timestamp"] == GOOD["timestamp"]
    assert (row["bid_price"], row["ask_price"]) == (0.0495, 0.0505)
    assert (row["mark_iv"], row["underlying_price"], row["base_currency"]) == (
        60.0,
        60_010.0,
        "BTC",
    )
    assert "funding_8h" not in row


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instrument_name": "ETH-PERPETUAL"}, "instrument_name"),
        ({"timestamp": 1.76e12}, "timestamp"),
        ({"timestamp": None}, "timestamp"),
        ({"mark_price": None}, "mark_price"),
        ({"index_price": float("nan")}, "index_price"),
        ({"best_ask_price": "0.05"}, "best_ask_price"),
        ({"mark_iv": None}, "mark_iv"),
        ({"underlying_price": True}, "underlying_price"),
    ],
)
def test_a_bad_field_is_named_with_its_channel(change: dict[str, object], field: str) -> None:
    with pytest.raises(StreamDataError, match=re.escape(f"{CHANNEL}: field {field} is")):
        checked(CHANNEL, {**GOOD, **change}, option=True)


def test_a_future_needs_no_option_fields_and_data_must_be_an_object() -> None:
    future = {k: v for k, v in GOOD.items() if k not in ("mark_iv", "underlying_price")}
    future["instrument_name"] = "BTC-PERPETUAL"
    perpetual = "ticker.BTC-PERPETUAL.100ms"
    assert checked(perpetual, future, option=False).timestamp_ms > 0
    with pytest.raises(StreamDataError, match=re.escape(f"{perpetual}: data is list")):
        checked(perpetual, [future], option=False)


def test_subscriptions_are_cut_under_deribit_s_message_limit() -> None:
    channels = [f"ticker.BTC-27DEC24-{strike}-C.100ms" for strike in range(2_000)]
    chunks = _chunks(channels)
    assert [c for chunk in chunks for c in chunk] == channels
    assert len(chunks) > 1
    message = {"jsonrpc": "2.0", "id": 10**6, "method": "public/subscribe"}
    assert all(
        len(json.dumps({**message, "params": {"channels": chunk}})) < _MAX_MESSAGE_CHARS
        for chunk in chunks
    )


def test_the_stream_urls_are_deribit_s_as_ccxt_pro_names_them() -> None:
    pro = ccxt_pro.deribit()
    assert stream_url(Endpoint.live()) == pro.urls["api"]["ws"]
    assert stream_url(Endpoint.testnet()) == pro.urls["test"]["ws"]
    assert stream_url(Endpoint.local("http://127.0.0.1:5000/")) == "ws://127.0.0.1:5000/ws/api/v2"
