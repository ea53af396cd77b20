"""Deribit through ccxt: inverse options, futures and perpetuals, plus USDC-linear perps.

Reads per snapshot, concurrently and whatever the number of positions:
``private/get_positions`` (every currency) and ``private/get_account_summaries`` (every
currency account's summary in one request). Marks, bid/ask, funding and the options'
IVs come per currency read (BTC, ETH, USDC by default) from Deribit's WebSocket ticker
channels when they are fresh (``deribit_marks.py``, ``deribit_stream.py``: 2 requests a
tick), else from one ``public/get_book_summary_by_currency`` of every kind
(``deribit_books.py``; 2 + currencies without a stream). ``public/ticker`` only for an
option held whose instrument neither covers (one of a currency not read). Every method
and field: Deribit API 2.1.1 reference, tests/fixtures/deribit_api_reference.json.

Units: Deribit sizes inverse futures in USD, linear futures and options in coin; the
port speaks coin, and ``connectors.cex.units`` converts each order (an inverse future's
USD amount at the instrument's latest mark, see ``_sizing_price``). Positions here are
in coin (``size_currency`` for futures). Option prices are in coin and are converted to
USD with the index. A segregated account's currencies each get a ``Health`` (``account``
= currency); a cross-collateral account one for the whole (``deribit_accounts.py``).
Orders, their fees and the account's liquidations: ``deribit_orders.py``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import ccxt.async_support as ccxt
from pydantic import SecretStr

from agent.errors import TransientError
from agent.model import (
    Balance,
    Greeks,
    Kind,
    Position,
    Quote,
    Rate,
    VenueSnapshot,
)
from connectors.cex.deribit_accounts import account_health, by_currency, check_margin_model
from connectors.cex.deribit_books import BookSummaries, OptionFacts, option_facts, option_position
from connectors.cex.deribit_marks import MarksSource, StreamSettings
from connectors.cex.deribit_orders import DeribitOrders, bind
from connectors.cex.endpoint import Endpoint
from connectors.cex.markets import number
from connectors.cex.venue import together, utc_now

_FUNDING_PERIODS_PER_YEAR = 3 * 365  # funding_8h -> annual


class DeribitVenue(DeribitOrders):
    """A Deribit account (API key ``client_id`` / ``client_secret``, no withdrawal rights).

    ``currencies`` are the margin accounts read and searched for orders;
    ``mark_max_age_s`` bounds the age of the mark an inverse future's order is sized at.
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: SecretStr,
        endpoint: Endpoint,
        name: str = "deribit",
        currencies: Sequence[str] = ("BTC", "ETH", "USDC"),
        mark_max_age_s: float = 30.0,
        stream: StreamSettings | None = None,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            name=name,
            endpoint=endpoint,
            secrets=(client_secret.get_secret_value(),),
            now=now,
            sleep=sleep,
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self.currencies = tuple(currencies)
        self._indices: dict[str, float] = {"USDC": 1.0}
        self._future_marks: dict[str, tuple[float, datetime]] = {}  # id -> (mark, read at)
        self.mark_max_age_s = mark_max_age_s
        self.margin_model = ""  # read at open (deribit_accounts.py)
        self._sources = MarksSource(venue=name, endpoint=endpoint, settings=stream, now=now)

    def _create_exchange(self, session: aiohttp.ClientSession) -> Any:
        config = self._base_config(session)
        config.update(apiKey=self._client_id, secret=self._client_secret.get_secret_value())
        return ccxt.deribit(config)

    # --- snapshot ---------------------------------------------------------------------

    async def _read_snapshot(self) -> VenueSnapshot:
        observed_at = self._now()
        exchange = self.exchange
        early = self._sources.stale(self.currencies)  # every currency without a stream
        replies = await together(
            # fetch_positions' own request; ccxt's parse of every field is not needed
            self._read("fetch_positions", bind(exchange.privateGetGetPositions, {})),
            self._read("account_summaries", bind(exchange.privateGetGetAccountSummaries, {})),
            *(self._book_summary(code) for code in early),
        )
        held = replies[0].get("result")
        if not isinstance(held, list):  # never read as "no positions"
            raise TransientError(f"{self.name}: private/get_positions answered {held!r}")
        positions_raw = [
            {"info": r, "symbol": self._symbol(str(r["instrument_name"]))} for r in held
        ]
        summaries = by_currency(self.name, replies[1]["result"], self.currencies)
        options_held = [str(r["instrument_name"]) for r in held if r.get("kind") == "option"]
        read = dict(zip(early, replies[2:], strict=True))
        rows = await self._sources.rows(
            self.currencies, options_held, observed_at, read, self._book_summary,
            exchange.markets_by_id or {},
        )  # fmt: skip
        summary = BookSummaries.split(rows, exchange.markets_by_id or {})
        books = summary.futures
        self._learn_indices(books)
        self._remember_marks(books, observed_at)
        options = await self._option_facts(options_held, summary.options, observed_at)
        positions = tuple(self._position(raw, options) for raw in positions_raw)
        return VenueSnapshot(
            venue=self.name,
            observed_at=observed_at,
            positions=positions,
            balances=tuple(self._balances(summaries)),
            health=tuple(account_health(self.name, summaries, self._usd_per)),
            settings={"margin_model": str(next(iter(summaries.values())).get("margin_model"))},
            marks=self._marks(books, positions),
            quotes=tuple(self._quote(row) for row in books),
            rates=tuple(self._rate(row) for row in books if "funding_8h" in row),
        )

    async def _book_summary(self, code: str) -> list[Mapping[str, Any]]:
        """Every instrument's row of ``code`` (``public/get_book_summary_by_currency``)."""
        call = bind(self.exchange.publicGetGetBookSummaryByCurrency, {"currency": code})
        reply = await self._read(f"book_summary.{code}", call)
        return list(reply["result"])

    def _learn_indices(self, books: Sequence[Mapping[str, Any]]) -> None:
        for row in books:
            index = number(row.get("estimated_delivery_price"))
            if index:
                self._indices[str(row["base_currency"])] = index

    async def _option_facts(
        self, held: Sequence[str], summaries: Mapping[str, Mapping[str, Any]], at: datetime
    ) -> dict[str, OptionFacts]:
        """Mark IV and rho of every option ``held``, from the book summaries (or streamed
        tickers); one they lack (a currency not read) from its ``public/ticker``, whose
        fields the reference shares with the summary's (``mark_iv``, ``underlying_price``,
        ``interest_rate``)."""
        missing = [name for name in held if name not in summaries]
        replies = await together(
            *(
                self._read(f"ticker.{name}", bind(self.exchange.publicGetTicker,
                                                   {"instrument_name": name}))
                for name in missing
            )
        )  # fmt: skip
        rows = {name: summaries[name] for name in held if name in summaries}
        rows.update({name: reply["result"] for name, reply in zip(missing, replies, strict=True)})
        by_id = self.exchange.markets_by_id or {}
        return option_facts(rows, {name: by_id[name][0] for name in rows if by_id.get(name)}, at)

    def _position(self, raw: Mapping[str, Any], options: Mapping[str, OptionFacts]) -> Position:
        info = raw["info"]
        instrument = self.instrument(str(raw["symbol"]))
        index = number(info.get("index_price"), 0.0) or 0.0
        usd = self._usd_per(str(self.exchange.market(instrument.symbol)["settle"]))
        if instrument.kind is Kind.OPTION:
            return option_position(instrument, info, options.get(info["instrument_name"]), index)
        quantity = number(info.get("size_currency"), 0.0) or 0.0
        return Position(
            instrument=instrument,
            quantity=quantity,
            entry_price=number(info.get("average_price")),
            mark_price=number(info.get("mark_price")),
            liquidation_price=number(info.get("estimated_liquidation_price")),
            unrealized_pnl_usd=(number(info.get("floating_profit_loss"), 0.0) or 0.0) * usd,
            # Deribit's realized_funding is what the position received; ours is what it paid.
            accrued_fees_usd=-(number(info.get("realized_funding"), 0.0) or 0.0) * usd,
            venue_greeks=Greeks(delta=quantity, delta_usd=quantity * index),
        )

    def _balances(self, summaries: Mapping[str, Mapping[str, Any]]) -> list[Balance]:
        balances = []
        for code, summary in summaries.items():
            cash = number(summary.get("balance"), 0.0) or 0.0
            balances.append(Balance(code, cash, cash * self._usd_per(code)))
        return balances

    def _symbol(self, instrument_name: str) -> str:
        return str(self.exchange.safe_market(instrument_name)["symbol"])

    def _marks(
        self, books: Sequence[Mapping[str, Any]], positions: Sequence[Position]
    ) -> dict[str, float]:
        marks = {self._symbol(row["instrument_name"]): float(row["mark_price"]) for row in books}
        marks.update({p.instrument.symbol: p.mark_price for p in positions if p.mark_price})
        marks.update({coin: price for coin, price in self._indices.items() if coin != "USDC"})
        return marks

    def _quote(self, row: Mapping[str, Any]) -> Quote:
        symbol = self._symbol(row["instrument_name"])
        mark = number(row.get("mark_price"))
        return Quote(
            symbol=symbol,
            bid=number(row.get("bid_price")),
            ask=number(row.get("ask_price")),
            mark=mark,
            index=number(row.get("estimated_delivery_price")),
            lot_size=self.lot_size(symbol, mark),
        )

    def _rate(self, row: Mapping[str, Any]) -> Rate:
        per_8h = number(row.get("funding_8h"), 0.0) or 0.0
        return Rate(
            self._symbol(row["instrument_name"]), "funding", per_8h * _FUNDING_PERIODS_PER_YEAR
        )

    # --- orders -------------------------------------------------------------------------

    async def _sizing_price(self, symbol: str) -> float:
        """The inverse future's mark (USD per coin): its USD position is worth
        size / mark coin, as Deribit's own ``size_currency`` counts it. The mark is the
        latest this connector read (each snapshot reads every future's), or read now
        when older than ``mark_max_age_s``; a read at the moment of sending would widen
        the window between the kill switch's check and the order."""
        market = self.exchange.market(symbol)
        known = self._future_marks.get(str(market["id"]))
        if known is None or (self._now() - known[1]).total_seconds() > self.mark_max_age_s:
            await self._refresh_marks(str(market["settle"]))
            known = self._future_marks.get(str(market["id"]))
        if known is None:
            raise TransientError(f"{self.name}: no mark for {market['id']} to size the order")
        return known[0]

    async def open(self) -> None:
        """Open, refuse a margin model Ballast cannot judge, learn the marks inverse
        futures are sized at."""
        await super().open()
        summary = await self._read(
            "account_summary", bind(self.exchange.privateGetGetAccountSummary,
                                     {"currency": self.currencies[0]})
        )  # fmt: skip
        self.margin_model = check_margin_model(self.name, summary["result"])
        markets = (self.exchange.markets or {}).values()
        inverse = {str(m["settle"]) for m in markets if m.get("inverse") and not m.get("option")}
        await together(
            *(self._refresh_marks(code) for code in sorted(inverse) if code in self.currencies)
        )
        assert self._session is not None
        self._sources.start(self._session, self.exchange.markets_by_id or {})

    async def close(self) -> None:
        """Stop the stream (its task and socket), then close the exchange and session."""
        await self._sources.close()
        await super().close()

    @property
    def marks(self) -> MarksSource:
        """Where the marks come from each tick: the stream, and REST per currency."""
        return self._sources

    async def _refresh_marks(self, currency: str) -> None:
        reply = await self._read(
            f"book_summary.{currency}",
            bind(
                self.exchange.publicGetGetBookSummaryByCurrency,
                {"currency": currency, "kind": "future"},
            ),
        )
        self._remember_marks(reply["result"], self._now())

    def _remember_marks(self, books: Sequence[Mapping[str, Any]], at: datetime) -> None:
        for row in books:
            mark = number(row.get("mark_price"))
            if mark:
                self._future_marks[str(row["instrument_name"])] = (mark, at)
