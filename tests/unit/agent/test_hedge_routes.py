"""Hedge routes (``agent.tick.hedge_routes``), each made once with its least size: the
venue's least order at the route's ask, for each kind of route (a Uniswap pool, a GMX
market, a CEX perp); a quote at an ask no route takes (under 0, NaN) is refused by the
route itself, as before."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from agent.model import Instrument, Kind, Position, Quote, Rate, VenueSnapshot
from agent.policy.inputs import HedgeRoute
from agent.profiles import profile_for
from agent.tick.hedge_routes import hedge_routes

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _snapshot(venue: str, quotes: tuple[Quote, ...], kind: Kind = Kind.PERP) -> VenueSnapshot:
    held = Position(Instrument(venue, quotes[0].symbol, "ETH", kind), 2.0)
    rates = (Rate(quotes[0].symbol, "funding", 0.1),)
    return VenueSnapshot(venue, NOW, positions=(held,), quotes=quotes, rates=rates)


CASES = [
    # a Uniswap pool: the ask is the mark above the pool fee
    ("uniswap", "uniswap_v3", Quote("WETH/USDC/500", 2990.0, 3010.0, 5.0, 5.0, mark=3000.0)),
    # a GMX market: the oracle's mark both ways
    ("gmx", "gmx_v2", Quote("0xmarket", None, None, mark=3001.0, underlying="ETH")),
    # a CEX's linear perp: its book's ask
    ("hyperliquid", "hyperliquid", Quote("ETH/USDC:USDC", 2999.0, 3002.5, 1.0, 1.0)),
]
ASKS = {"uniswap": 3000.0 * (1 + 500 / 1e6), "gmx": 3001.0, "hyperliquid": 3002.5}


def _routes(venue: str, kind: str, quote: Quote) -> list[HedgeRoute]:
    snapshot = _snapshot(venue, (quote,), Kind.SPOT if kind == "uniswap_v3" else Kind.PERP)
    return hedge_routes(snapshot, profile_for(venue, kind), "ETH", 1.5, 1e6)


@pytest.mark.parametrize(("venue", "kind", "quote"), CASES)
def test_each_route_is_sized_at_its_own_ask(venue: str, kind: str, quote: Quote) -> None:
    (route,) = _routes(venue, kind, quote)
    assert route.ask_usd == ASKS[venue]
    assert route.min_size_coin == profile_for(venue, kind).min_notional_usd / ASKS[venue] > 0


@pytest.mark.parametrize(("venue", "kind", "quote"), CASES)
@pytest.mark.parametrize("ask", [-1.0, float("nan")])
def test_an_ask_no_route_takes_is_refused_by_the_route(
    venue: str, kind: str, quote: Quote, ask: float
) -> None:
    # the route's own error, whatever the least size at that ask would be
    bad = replace(quote, mark=ask) if quote.mark else replace(quote, ask=ask)
    with pytest.raises(ValueError, match="needs 0 < bid <= ask"):
        _routes(venue, kind, bad)
