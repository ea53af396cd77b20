"""Deribit's marks streamed over its WebSocket API: the same snapshot as the REST book
summaries, REST again when the stream is stale, silent, cut or fed bad data.

Two connectors read one simulator: ``rest`` (no stream: one book summary per currency
a tick, as before) and ``streamed``. Both stamp their snapshots with the simulator's
clock, so at one market state they must agree field by field.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import ccxt.pro as ccxt_pro
import pytest
from cex_world import deribit_venue, move, option_symbol

from agent.model import Side, VenueSnapshot
from agent.ports import OrderRequest
from connectors.cex import DeribitVenue, Endpoint
from connectors.cex.deribit_marks import StreamSettings
from connectors.cex.deribit_stream import MarksStream, stream_url
from connectors.cex.deribit_tickers import FIELDS_READ
from sim.market import MarketDriver
from sim.venues.deribit import DeribitSimulator

SUMMARY = "public/get_book_summary_by_currency"
SETTINGS = StreamSettings(max_age_s=2.0, heartbeat_s=0.5, reconnect_s=0.05)


async def wait(condition: Coroutine[Any, Any, None]) -> None:
    """Await ``condition`` (an event the stream signals), failing after 10 s."""
    async with asyncio.timeout(10):
        await condition


@dataclass
class Pair:
    rest: DeribitVenue
    streamed: DeribitVenue
    simulator: DeribitSimulator
    driver: MarketDriver

    @property
    def stream(self) -> MarksStream:
        assert self.streamed.marks.stream is not None
        return self.streamed.marks.stream

    async def settled(self, connection: int = 1) -> None:
        """Wait until the stream has heard every tracked channel at the market's time."""
        now_ms = self.driver.state.timestamp * 1000
        stream = self.stream
        await wait(stream.wait_heard(stream.tracked, connection))
        await wait(
            stream.wait_until(
                lambda: all(
                    (t := stream.heard(c)) is not None and t.timestamp_ms == now_ms
                    for c in stream.tracked
                )
            )
        )

    async def resumed(self, connection: int = 1) -> None:
        """Let the venue speak again and step: the stream alone serves the next read."""
        self.simulator.stream.silence(False)
        await self.driver.advance(1)
        await self.settled(connection)
        rest, streamed, summaries = await self.both()
        assert summaries == 0
        assert_same(rest, streamed)

    async def both(self) -> tuple[VenueSnapshot, VenueSnapshot, int]:
        """(REST snapshot, streamed snapshot, book summaries the streamed one asked)."""
        rest = await self.rest.snapshot()
        before = self.simulator.count(SUMMARY)
        streamed = await self.streamed.snapshot()
        return rest, streamed, self.simulator.count(SUMMARY) - before


@pytest.fixture
async def pair(deribit_sim: DeribitSimulator, driver: MarketDriver) -> AsyncIterator[Pair]:
    def clock() -> datetime:
        return datetime.fromtimestamp(driver.state.timestamp, tz=UTC)

    rest = deribit_venue(deribit_sim, now=clock)
    streamed = deribit_venue(deribit_sim, now=clock, stream=SETTINGS)
    async with rest, streamed:
        orders = [
            OrderRequest("short-call", option_symbol(rest, 60_000), Side.SELL, 1.0, 0.0001),
            OrderRequest("short-put", option_symbol(rest, 55_000, "put"), Side.SELL, 2.0, 0.0001),
            OrderRequest("long-perp", "BTC/USD:BTC", Side.BUY, 0.5, 61_000.0),
            OrderRequest("long-usdc-perp", "BTC/USDC:USDC", Side.BUY, 0.5, 61_000.0),
        ]
        for order in orders:
            assert (await rest.place_order(order)).status == "closed"
        pair = Pair(rest, streamed, deribit_sim, driver)
        await streamed.snapshot()  # learns the options held and tracks their channels
        await pair.settled()
        yield pair
    leftover = [t for t in asyncio.all_tasks() if t.get_name().endswith("marks-stream")]
    assert not leftover, "closing the venue must end its stream's task"
    assert deribit_sim.stream.open_connections == 0


def assert_same(rest: VenueSnapshot, streamed: VenueSnapshot) -> None:
    """Field by field, in the same order (sums over them must not depend on the source)."""
    assert streamed.observed_at == rest.observed_at
    assert streamed.positions == rest.positions  # option facts: mark IV and rho
    assert streamed.balances == rest.balances
    assert streamed.health == rest.health
    assert streamed.settings == rest.settings
    assert streamed.marks == rest.marks
    assert list(streamed.marks) == list(rest.marks)
    assert streamed.quotes == rest.quotes
    assert streamed.rates == rest.rates
    assert len(streamed.quotes) == len(rest.quotes) > 0
    assert any(p.mark_iv for p in streamed.positions)
    assert any(p.venue_greeks and p.venue_greeks.rho for p in streamed.positions)


async def test_streamed_marks_equal_the_book_summaries_and_cost_no_request(pair: Pair) -> None:
    rest, streamed, summaries = await pair.both()
    assert summaries == 0, "a fresh stream replaces every book summary"
    assert_same(rest, streamed)
    first_btc = streamed.marks["BTC"]

    move(pair.driver, BTC=52_000.0, ETH=2_700.0)
    await pair.driver.advance(5)  # the market step pushes every channel
    await pair.settled()
    rest, streamed, summaries = await pair.both()
    assert summaries == 0
    assert_same(rest, streamed)
    assert streamed.marks["BTC"] != first_btc
    assert sum(pair.streamed.marks.fallbacks.values()) == 3  # the first tick only


async def test_a_silent_stream_falls_back_to_rest_for_that_tick(pair: Pair) -> None:
    fallbacks = sum(pair.streamed.marks.fallbacks.values())
    pair.simulator.stream.silence()
    move(pair.driver, BTC=50_000.0)
    await pair.driver.advance(10)  # past max_age_s by the venue's clock, and nothing heard
    rest, streamed, summaries = await pair.both()
    assert summaries == 3, "each stale currency is read over REST that tick"
    assert sum(pair.streamed.marks.fallbacks.values()) == fallbacks + 3
    assert_same(rest, streamed)

    await pair.resumed()


async def test_a_dropped_connection_is_made_again_and_no_old_mark_is_used(pair: Pair) -> None:
    hub, stream = pair.simulator.stream, pair.stream
    hub.refuse()
    await hub.drop_all()
    await wait(stream.wait_until(lambda: not stream.connected))
    # The market moves less than max_age_s while we are cut off: the old marks would
    # still pass for fresh by their age; they must not be served all the same.
    move(pair.driver, BTC=58_000.0)
    await pair.driver.advance(1)
    rest, streamed, summaries = await pair.both()
    assert summaries == 3
    assert_same(rest, streamed)

    # It connects again after its back-off and subscribes again; while the venue has
    # not yet said anything on the new connection, REST still serves.
    hub.silence()
    hub.refuse(False)
    await wait(stream.wait_until(lambda: stream.connections == 2 and stream.connected))
    await wait(stream.wait_until(lambda: hub.calls["public/subscribe"] >= 2))
    rest, streamed, summaries = await pair.both()
    assert summaries == 3, "marks heard before the disconnect are never served"
    assert_same(rest, streamed)

    await pair.resumed(connection=2)


async def test_a_malformed_notification_is_refused_by_channel_and_field(pair: Pair) -> None:
    stream = pair.stream
    channel = "ticker.BTC-PERPETUAL.100ms"
    kept = stream.heard(channel)
    assert kept is not None
    bad = {**kept.data, "mark_price": "61000?"}
    await pair.simulator.stream.publish(channel, bad)
    await wait(stream.wait_until(lambda: stream.malformed == 1))
    assert stream.last_error is not None
    assert channel in stream.last_error
    assert "mark_price" in stream.last_error
    assert stream.heard(channel) == kept, "the cache keeps the last good ticker"
    rest, streamed, summaries = await pair.both()
    assert summaries == 0
    assert_same(rest, streamed)


async def test_heartbeats_are_answered_and_keep_the_connection(pair: Pair) -> None:
    hub = pair.simulator.stream
    before = hub.calls["public/test"]
    # the simulator closes a connection whose test_request went unanswered
    await wait(pair.stream.wait_until(lambda: hub.calls["public/test"] >= before + 2))
    assert pair.stream.connections == 1
    assert pair.stream.connected


async def test_ccxt_pro_reads_the_simulator_s_notifications(pair: Pair) -> None:
    """ccxt.pro's deribit (a client we did not write) subscribes to the simulator's
    ticker channel and parses its notifications: the shapes are Deribit's."""
    pro = ccxt_pro.deribit({"enableRateLimit": False})
    Endpoint.local(pair.simulator.url).apply(pro)  # REST (load_markets) on the simulator
    pro.urls["api"]["ws"] = stream_url(Endpoint.local(pair.simulator.url))
    try:
        async with asyncio.timeout(10):
            perp = await pro.watch_ticker("BTC/USD:BTC")
            call = await pro.watch_ticker(option_symbol(pair.rest, 60_000))
    finally:
        await pro.close()
    ours = await pair.streamed.snapshot()
    quote = next(q for q in ours.quotes if q.symbol == "BTC/USD:BTC")
    assert (perp["bid"], perp["ask"]) == (quote.bid, quote.ask)
    assert perp["markPrice"] == quote.mark
    assert perp["indexPrice"] == ours.marks["BTC"]
    assert perp["timestamp"] == pair.driver.state.timestamp * 1000
    held = next(p for p in ours.positions if p.instrument.symbol == call["symbol"])
    assert call["info"]["mark_iv"] / 100.0 == held.mark_iv
    assert call["markPrice"] * ours.marks["BTC"] == pytest.approx(held.mark_price, rel=1e-12)


async def test_the_simulator_closes_a_connection_that_ignores_its_test_requests(
    deribit_sim: DeribitSimulator,
) -> None:
    url = stream_url(Endpoint.local(deribit_sim.url))
    beat = {"jsonrpc": "2.0", "method": "public/set_heartbeat"}
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        await socket.send_json({**beat, "id": 1, "params": {"interval": 0.05}})
        refused = await socket.receive_json(timeout=5)
        assert refused["id"] == 1
        assert refused["error"]["code"] == -32602  # under the venue's floor
        await socket.send_json({**beat, "id": 2, "params": {"interval": 0.1}})
        assert (await socket.receive_json(timeout=5))["result"] == "ok"
        asked = await socket.receive_json(timeout=5)
        assert asked == {
            "jsonrpc": "2.0",
            "method": "heartbeat",
            "params": {"type": "test_request"},
        }
        closing = await socket.receive(timeout=5)  # not answered: the server closes
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def test_the_ticker_fields_the_stream_reads_are_deribit_s() -> None:
    """The ticker channel's data is ``public/ticker``'s result (Deribit's docs); every
    field the stream checks and reads is in the reference's ticker result."""
    reference = Path(__file__).parents[2] / "fixtures" / "deribit_api_reference.json"
    ticker = json.loads(reference.read_text())["methods"]["public/ticker"]["result"]
    assert set(FIELDS_READ) <= set(ticker), set(FIELDS_READ) - set(ticker)


async def test_a_channel_the_venue_refuses_keeps_its_currency_on_rest(pair: Pair) -> None:
    stream = pair.stream
    unknown = "ticker.BTC-1JAN20.100ms"  # expired long ago: the venue subscribes nothing
    await stream.track({*stream.tracked, unknown})
    await wait(stream.wait_heard([unknown]))
    assert stream.read([unknown]) == f"the venue refused {unknown}"
    assert isinstance(stream.read(["ticker.BTC-PERPETUAL.100ms"]), dict)


async def test_a_new_option_held_puts_only_its_currency_on_rest_until_heard(pair: Pair) -> None:
    pair.simulator.stream.silence()  # what is heard stays fresh; the new channel is not
    new = OrderRequest("new-put", option_symbol(pair.rest, 50_000, "put"), Side.SELL, 1.0, 1e-4)
    assert (await pair.rest.place_order(new)).status == "closed"
    rest, streamed, summaries = await pair.both()
    assert summaries == 1, "BTC over REST, ETH and USDC streamed"
    assert pair.streamed.marks.fallbacks["BTC"] == 2  # the first tick's and this one
    assert_same(rest, streamed)  # one order whatever the mix of sources
    await pair.resumed()
