"""Deribit's per-currency book summaries, split by kind, and the option facts they carry.

One ``public/get_book_summary_by_currency`` per currency, without ``kind`` ("if not
provided instruments of all kinds are considered": Deribit API 2.1.1 reference), gives
every instrument's mark: futures and perpetuals (bid/ask, funding, the index as
``estimated_delivery_price``) and options (``mark_price`` in coin, ``mark_iv`` in
percent, ``underlying_price``, ``interest_rate``). Every field read here is in the
reference's ``public/get_book_summary_by_currency`` result
(tests/fixtures/deribit_api_reference.json; tests/integration/cex/test_deribit_reference.py
checks the simulator's replies and these reads against it).

An option position's delta, gamma, vega and theta are the venue's own: Deribit's
``private/get_positions`` carries them for options (reference: ``[].delta``,
``[].gamma``, ``[].vega``, ``[].theta``). Its rho is not there (nor in the book summary),
so it is computed here from the summary's mark IV, underlying price and interest rate
with Ballast's own kernel (``agent.risk.black.option_greeks``: Black-Scholes in USD, rho
per rate point), the convention of the ticker's ``greeks.rho`` it replaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from agent.model import Greeks, Instrument, Position
from agent.risk.black import option_greeks
from connectors.cex.markets import number

_MS_PER_YEAR = 365 * 24 * 3600 * 1000.0  # agent.risk: years of 365 days


def row_kind(name: str, markets_by_id: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """An instrument's kind: the ``kind`` of its ``public/get_instruments`` entry (ccxt
    keeps it as the market's ``info``); for one listed after the markets were loaded,
    from the shape of Deribit's names (``BTC-PERPETUAL``, ``BTC-27DEC24``: future;
    ``BTC-27DEC24-60000-C``: option; anything else, such as combos, neither)."""
    known = markets_by_id.get(name)
    if known:
        return str((known[0].get("info") or {}).get("kind") or "")
    parts = name.split("-")
    if len(parts) == 2:
        return "future"
    if len(parts) == 4 and parts[3] in ("C", "P"):
        return "option"
    return ""


@dataclass(slots=True)
class BookSummaries:
    """One tick's book summary rows: futures (and perpetuals) in reply order, options by
    instrument name."""

    futures: list[Mapping[str, Any]] = field(default_factory=list)
    options: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def split(
        cls,
        rows: Sequence[Mapping[str, Any]],
        markets_by_id: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> BookSummaries:
        books = cls()
        for row in rows:
            name = str(row["instrument_name"])
            kind = row_kind(name, markets_by_id)
            if kind == "future":
                books.futures.append(row)
            elif kind == "option":
                books.options[name] = row
        return books


@dataclass(frozen=True, slots=True)
class OptionFacts:
    """What the venue says of one option beside its position: mark IV (a fraction) and
    rho per contract (USD per rate point)."""

    mark_iv: float | None
    rho: float


def option_facts(
    rows: Mapping[str, Mapping[str, Any]],
    markets: Mapping[str, Mapping[str, Any]],
    now: datetime,
) -> dict[str, OptionFacts]:
    """Mark IV and rho of every option in ``rows`` (by instrument name), rho computed in
    one call of the kernel at the time the venue stamped the row (``now`` if it has
    none). ``markets`` are ccxt's markets by instrument name (strike, expiry, call or
    put). An option without a usable mark IV or underlying price gets
    rho 0, as it did when the ticker lacked Greeks."""
    fallback_ms = now.timestamp() * 1000.0
    names, calls, spots, strikes, years, rates, vols = [], [], [], [], [], [], []
    facts: dict[str, OptionFacts] = {}
    for name, row in rows.items():
        mark_iv = number(row.get("mark_iv"))
        iv = None if mark_iv is None else mark_iv / 100.0
        facts[name] = OptionFacts(iv, 0.0)
        market = markets.get(name)
        spot = number(row.get("underlying_price"))
        if market is None or iv is None or not iv > 0 or not spot or spot <= 0:
            continue
        names.append(name)
        calls.append(market.get("optionType") == "call")
        spots.append(spot)
        strikes.append(float(market["strike"]))
        # the venue's time of the mark: the summary's creation_timestamp, the ticker's
        # timestamp (both ms since the epoch, reference), else when the read began
        at_ms = number(row.get("creation_timestamp") or row.get("timestamp"), fallback_ms)
        years.append((float(market["expiry"]) - (at_ms or fallback_ms)) / _MS_PER_YEAR)
        rates.append(number(row.get("interest_rate"), 0.0) or 0.0)
        vols.append(iv)
    if names:
        greeks = option_greeks(
            np.array(calls), np.array(spots), np.array(strikes), np.array(years),
            np.array(rates), np.array(vols),
        )  # fmt: skip
        for name, rho in zip(names, greeks.rho.tolist(), strict=True):
            facts[name] = OptionFacts(facts[name].mark_iv, rho)
    return facts


def option_position(
    instrument: Instrument, info: Mapping[str, Any], facts: OptionFacts | None, index: float
) -> Position:
    """An option position from its ``private/get_positions`` entry (``info``): delta,
    gamma, vega and theta are the position's own; rho and the mark IV its ``facts``."""
    quantity = number(info.get("size"), 0.0) or 0.0
    delta = number(info.get("delta"), 0.0) or 0.0
    return Position(
        instrument=instrument,
        quantity=quantity,
        entry_price=number(info.get("average_price_usd")),
        mark_price=(number(info.get("mark_price"), 0.0) or 0.0) * index,
        unrealized_pnl_usd=number(info.get("floating_profit_loss_usd")),
        venue_greeks=Greeks(
            delta=delta,
            delta_usd=delta * index,
            gamma=number(info.get("gamma"), 0.0) or 0.0,
            vega=number(info.get("vega"), 0.0) or 0.0,
            theta=number(info.get("theta"), 0.0) or 0.0,
            rho=(facts.rho if facts else 0.0) * quantity,
        ),
        mark_iv=facts.mark_iv if facts else None,
    )
