"""Start-up work that would otherwise land on the first ticks, and on random later ones;
and the cyclic garbage collector kept out of the ticks.

- ``warm_up``: every risk kernel of the tick runs once on a small book (and the
  decision's log-distance bisection and passage probability once), so numba loads (or
  compiles) its machine code and OpenMP starts its threads before the first tick, not
  during it.
- ``settle_heap``: collect once, then ``gc.freeze()`` the start-up heap (connectors,
  ABIs, web3, ccxt: hundreds of thousands of long-lived objects) into the permanent
  generation, which the cyclic collector never scans again. A full collection then
  walks only what the ticks allocated, instead of pausing a tick for the whole heap
  (Python docs, ``gc.freeze``: "allows for a fork() ... and also to avoid ... GC"
  pauses on objects that will live as long as the process).
- ``collector_paused`` / ``collect_between_ticks``: the collector does not run inside a
  tick (an automatic collection there is a pause of milliseconds to tens of them at a
  random tick: the p99 of a 1,000-position tick's compute); the tick's garbage is
  collected right after it, while the loop waits for the next one. Only the tick's own
  span is paused, so a tick that hangs on a venue holds back at most what it
  allocates meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from agent.risk import positions as risk
from agent.risk.book import Book
from agent.risk.liquidation_probability import passage_log_distance, passage_probability
from agent.risk.terms import OptionType, Settlement
from agent.tick.assessment import assess


def warm_up() -> None:
    """Assess a book with one of each kind of position and account (its result unused)."""
    now = datetime.now(UTC)
    market = {
        "ETH": risk.MarketState(spot=3000.0, vol=0.6),
        "USDC": risk.MarketState(spot=1.0, pegged=True),
    }
    expiry = now + timedelta(days=30)
    positions: list[risk.Position] = [
        risk.OptionPosition(
            "warm:call", "warm", "ETH", OptionType.CALL, 3200.0, expiry, -5.0,
            settlement=Settlement.INVERSE, account="warm:ETH", maintenance_margin_rate=0.1,
        ),
        risk.SpotPosition("warm:cash", "warm", "ETH", 1.0, account="warm:ETH"),
        risk.PerpetualPosition(
            "warm:perp", "warm", "ETH", 2.0, entry_price=3000.0, collateral_usd=600.0,
            maintenance_margin_rate=0.01,
        ),
        risk.FuturePosition(
            "warm:future", "warm", "ETH", -6000.0, expiry, entry_price=3000.0,
            settlement=Settlement.INVERSE, account="warm:ETH", maintenance_margin_rate=0.01,
        ),
        risk.LendingSupplyPosition("warm:supply", "lend", "ETH", 1.0, 0.8),
        risk.LendingDebtPosition("warm:debt", "lend", "USDC", 1500.0),
    ]  # fmt: skip
    book = Book.from_records(now, market, positions, [risk.MarginAccount("warm:ETH", "warm")])
    assess(book)
    passage_log_distance(0.001, 1e-4, 0.6, down=True, most=12.0, bisections=1)  # steering's
    passage_probability(0.1, 1e-4, 0.6, down=True)  # and its per-account probability


def settle_heap() -> None:
    """Collect the start-up garbage, then exempt what is left from later collections."""
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic collection while the block runs (restored as it was after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def collect_between_ticks() -> None:
    """Collect the young generations: what the last tick left (the old one is collected
    automatically as usual, outside the ticks)."""
    gc.collect(1)
