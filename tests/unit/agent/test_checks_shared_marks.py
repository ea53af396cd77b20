"""The input checks on venues that share one marks mapping and one observation time (a
lending market's accounts: one view per block), in runs and interleaved: each venue is
reported as the plain checks report it, a shared mapping's deviation once per venue in
the reads' order, a shared time's age as each venue's own."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.model import VenueSnapshot
from agent.tick.checks import check_inputs
from agent.tick.reading import VenueRead

from .test_checks_shortcuts import _plain
from .test_reading_and_checks import LIMITS, NOW, TRIGGERS

# Per venue: which shared mapping (or its own), which shared time (or its own), fresh.
VENUES = st.lists(
    st.tuples(st.integers(-1, 2), st.integers(-1, 1), st.integers(0, 120), st.booleans()),
    min_size=1,
    max_size=14,
)
MARKS = st.sampled_from([3000.0, 3059.0, 2940.0000001, 2500.0, 3600.0])


@settings(max_examples=200, deadline=None)
@given(VENUES, st.lists(st.dictionaries(st.sampled_from(["ETH", "BTC"]), MARKS), min_size=4,
                        max_size=4), st.integers(0, 120), st.integers(0, 120))  # fmt: skip
def test_shared_marks_and_times_are_reported_as_the_plain_checks_report_them(
    venues: list[tuple[int, int, int, bool]],
    marks: list[dict[str, float]],
    first_age: int,
    second_age: int,
) -> None:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0, "BTC": 60000.0})
    reads = {"chainlink": VenueRead("chainlink", oracle, fresh=True)}
    shared = [MappingProxyType(dict(m)) for m in marks[:3]]
    times = [NOW - timedelta(seconds=first_age), NOW - timedelta(seconds=second_age)]
    for index, (mapping, time, age, fresh) in enumerate(venues):
        name = f"venue:{index}"
        observed = NOW - timedelta(seconds=age) if time < 0 else times[time]
        snapshot = VenueSnapshot(name, observed, marks=marks[3])
        if mapping >= 0:
            object.__setattr__(snapshot, "marks", shared[mapping])  # as a lending market's
        since = None if fresh else observed
        error = None if fresh else "timeout"
        reads[name] = VenueRead(name, snapshot, fresh=fresh, error=error, failing_since=since)
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert report == _plain(reads, "chainlink")
