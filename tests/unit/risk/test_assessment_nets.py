"""The assessment's net Greeks per underlying, read from the table in one pass, are
``BookGreeks.net_for``'s floats bit for bit (signs of zero too), on random books."""

from __future__ import annotations

from hypothesis import given, settings

from agent.risk.book import Book
from agent.risk.portfolio import book_greeks
from agent.tick.assessment import _nets

from .test_liquidation_walk import books


@settings(max_examples=60, deadline=None)
@given(books())
def test_the_nets_are_net_fors_floats(book: Book) -> None:
    greeks = book_greeks(book)
    nets = _nets(greeks)
    assert list(nets) == list(greeks.underlyings)
    for underlying, found in nets.items():
        named = greeks.net_for(underlying)
        for field in ("delta", "delta_usd", "gamma", "vega", "theta", "rho"):
            assert getattr(found, field).hex() == named[field].hex()
