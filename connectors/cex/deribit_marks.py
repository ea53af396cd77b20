"""Where a tick's marks, IVs, quotes and funding come from: the stream, or REST.

Per currency read, the rows ``deribit_books.BookSummaries`` splits are either the
``public/get_book_summary_by_currency`` reply (one request) or, when the WebSocket
stream (``deribit_stream.py``) is fresh for that currency, the streamed tickers of its
futures and perpetuals and of the options held in it, turned into the same rows
(``deribit_tickers.summary_row``). A currency whose stream is stale or silent is read
over REST that tick, exactly as without a stream, and counted in ``fallbacks``.

The snapshot needs of each currency: every future's and perpetual's mark, best bid and
ask, index (``estimated_delivery_price``) and perpetual funding, and each option held's
mark IV, underlying price and interest rate (its position carries the rest). Those are
all in ``ticker.{instrument_name}.{interval}`` (Deribit's ticker channel), so the
stream follows the futures of every currency read and the options held, no more.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp
import structlog

from connectors.cex.deribit_books import row_kind
from connectors.cex.deribit_stream import MarksStream, stream_url
from connectors.cex.deribit_tickers import INTERVALS, instrument_of, summary_row, ticker_channel
from connectors.cex.endpoint import Endpoint
from connectors.concurrency import together

_log = structlog.get_logger(__name__)
Rows = list[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """How the marks are streamed (``[venues.deribit.stream]`` in the config).

    ``max_age_s``: a streamed ticker older than this by its venue timestamp against our
    clock is stale and its currency is read over REST. ``interval``: the ticker
    channel's (``100ms``: at most every 100 ms while the instrument changes; ``agg2``:
    every 2 s). ``heartbeat_s``: Deribit's heartbeat interval (at least 10 s).
    ``reconnect_s``: the first wait before connecting again, doubled at each failure up
    to 30 s (jittered).
    """

    max_age_s: float = 2.0
    heartbeat_s: float = 10.0
    interval: str = "100ms"
    reconnect_s: float = 1.0

    def __post_init__(self) -> None:
        if self.interval not in INTERVALS:
            raise ValueError(f"stream interval must be one of {INTERVALS}, not {self.interval}")


class MarksSource:
    """The book rows of each currency read, from the stream when fresh, else REST.

    A tick asks twice: ``stale`` before the reads start (which currencies to read over
    REST beside the positions, judged on the channels the last tick tracked), then
    ``rows`` once the positions are known (the options held decide the channels; a
    currency that turns out stale only then is read over REST after them).
    """

    def __init__(
        self,
        *,
        venue: str,
        endpoint: Endpoint,
        settings: StreamSettings | None,
        now: Callable[[], datetime],
    ) -> None:
        self.venue, self.settings = venue, settings
        self.stream = None
        if settings is not None:
            self.stream = MarksStream(
                stream_url(endpoint), venue=venue, now=now, max_age_s=settings.max_age_s,
                heartbeat_s=settings.heartbeat_s, connect_timeout_s=endpoint.timeout_s,
                backoff_s=settings.reconnect_s,
            )  # fmt: skip
        self.fallbacks: Counter[str] = Counter()  # currency -> ticks read over REST
        self._futures: dict[str, list[str]] = {}  # currency -> its futures' channels
        self._expiry_ms: dict[str, float] = {}  # future's channel -> expiry
        self._bases: dict[str, str] = {}  # instrument -> base currency
        self._settles: dict[str, str] = {}  # option -> settlement currency
        self._markets: Mapping[str, Sequence[Mapping[str, Any]]] = {}
        self._wanted: dict[str, list[str]] = {}  # currency -> channels of the last tick
        self._stale: dict[str, str] = {}  # currency -> why its stream was last stale
        self._early: dict[str, str] = {}  # this tick's stale currencies at its start

    def start(
        self, session: aiohttp.ClientSession, markets: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> None:
        """Learn each currency's futures from ccxt's ``markets_by_id`` and connect."""
        if self.stream is None:
            return
        self._learn(markets)
        self.stream.start(session)

    def _learn(self, markets: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """The futures of each currency and each option's currency, from ccxt's markets
        (again whenever ccxt reloads them: a future listed since is then followed)."""
        assert self.settings is not None
        self._markets = markets
        self._futures, self._expiry_ms = {}, {}
        for name, entries in markets.items():
            market = entries[0]
            kind = row_kind(name, markets)
            self._bases[name] = str(market.get("base"))
            if kind == "option":
                self._settles[name] = str(market.get("settle"))
            elif kind == "future":
                channel = ticker_channel(name, self.settings.interval)
                self._futures.setdefault(str(market.get("settle")), []).append(channel)
                expiry = market.get("expiry")
                self._expiry_ms[channel] = math.inf if expiry is None else float(expiry)

    async def close(self) -> None:
        if self.stream is not None:
            await self.stream.close()

    def stale(self, currencies: Sequence[str]) -> list[str]:
        """The currencies to read over REST from the start of this tick (all without a
        stream; with one, those not fresh on the channels the last tick tracked)."""
        if self.stream is None:
            return list(currencies)
        self._early = {}
        for code in currencies:
            wanted = self._wanted.get(code)
            read = "no tick has tracked it yet" if wanted is None else self.stream.read(wanted)
            if isinstance(read, str):
                self._early[code] = read
        return list(self._early)

    async def rows(
        self,
        currencies: Sequence[str],
        held_options: Sequence[str],
        now: datetime,
        read: Mapping[str, Rows],
        rest: Callable[[str], Coroutine[Any, Any, Rows]],
        markets: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> Rows:
        """Every row of ``currencies``: ``read`` (those read over REST already),
        streamed where fresh, else ``rest(currency)`` now. ``markets``: ccxt's
        ``markets_by_id`` as they are now."""
        stream, settings = self.stream, self.settings
        if stream is None or settings is None:
            return _ordered(currencies, read)
        if markets is not self._markets:
            self._learn(markets)
        options = [
            ticker_channel(name, settings.interval)
            for name in held_options
            if self._settles.get(name) in currencies
        ]
        self._wanted = {code: self._channels(code, now, options) for code in currencies}
        await stream.track({c for cs in self._wanted.values() for c in cs}, options)
        found: dict[str, Rows] = {}
        late: list[str] = []
        for code in currencies:
            if code in read:
                found[code] = list(read[code])
                self._note_stale(code, self._early.get(code, "read over REST"))
                continue
            tickers = stream.read(self._wanted[code])
            if isinstance(tickers, str):
                late.append(code)
                self._note_stale(code, tickers)
                continue
            self._note_fresh(code)
            found[code] = [
                summary_row(ticker, self._bases[instrument_of(channel)])
                for channel, ticker in tickers.items()
            ]
        found.update(zip(late, await together(*(rest(code) for code in late)), strict=True))
        return _ordered(currencies, found)

    def _channels(self, code: str, now: datetime, options: Sequence[str]) -> list[str]:
        now_ms = now.timestamp() * 1000.0
        live = [c for c in self._futures.get(code, []) if self._expiry_ms[c] > now_ms]
        return live + [c for c in options if self._settles.get(instrument_of(c)) == code]

    def _note_stale(self, code: str, reason: str) -> None:
        self.fallbacks[code] += 1
        if self._stale.get(code) is None:
            _log.info("marks_from_rest", venue=self.venue, currency=code, reason=reason)
        self._stale[code] = reason

    def _note_fresh(self, code: str) -> None:
        if self._stale.pop(code, None) is not None:
            _log.info("marks_from_stream", venue=self.venue, currency=code)


def _ordered(currencies: Sequence[str], rows: Mapping[str, Rows]) -> Rows:
    """Every currency's rows, in currency then instrument order whatever the source (the
    stream's is its subscription order, REST's the venue's): the same snapshot down to
    the order of its quotes, and of every sum over them."""
    return [
        row
        for code in currencies
        for row in sorted(rows[code], key=lambda row: str(row["instrument_name"]))
    ]
