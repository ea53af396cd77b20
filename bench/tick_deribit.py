"""Deribit's read in the tick benchmark: streamed marks against the REST book summaries.

After the ticks, the daemon's Deribit connector (marks from the WebSocket ticker
channels) and a second connector on the same account without a stream (a book summary
per currency, as before) read the same frozen world in turns; both snapshots are equal
(tests/integration/cex/test_deribit_stream.py), so the difference is the requests the
stream saves. Median wall time of each, interleaved, under the same load.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable

from agent.model import VenueSnapshot
from bench import Result
from connectors.cex import DeribitVenue
from connectors.cex.deribit_stream import MarksStream

REPEATS = 20


async def compare(streamed: DeribitVenue, twin: DeribitVenue, name: str) -> Result:
    """Interleaved snapshots of ``streamed`` and of ``twin``, the same account unopened
    and without a stream."""
    assert isinstance(streamed.marks.stream, MarksStream), "the daemon's connector streams"
    assert twin.marks.stream is None
    async with twin:
        times: dict[Callable[[], Awaitable[VenueSnapshot]], list[float]] = {
            streamed.snapshot: [],
            twin.snapshot: [],
        }
        fallbacks = sum(streamed.marks.fallbacks.values())
        for _ in range(REPEATS):
            for read, spent in times.items():
                start = time.perf_counter()
                await read()
                spent.append(time.perf_counter() - start)
    ours, rest = (statistics.median(t) * 1e3 for t in times.values())
    stale = sum(streamed.marks.fallbacks.values()) - fallbacks
    return Result(
        f"{name}: deribit read, marks streamed (median)",
        ours,
        rest,
        "REST book summaries",
        "ms",
        f"faster (stream stale on {stale} of {REPEATS} reads)",
        ours < rest and stale == 0,
    )
