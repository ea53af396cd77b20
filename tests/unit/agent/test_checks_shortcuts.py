"""The input checks' shortcuts report exactly what the plain checks report: the venues
with no problem passed without building their problems, the marks gathered in one pass
over the venues, and the marks surely near the oracle passed without its division."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from statistics import median

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.intents import KillState
from agent.model import VenueSnapshot
from agent.policy.inputs import OracleDoubt
from agent.tick.checks import (
    InputReport,
    Problem,
    _doubts,
    _surely_near,
    _venue_problems,
    check_inputs,
)
from agent.tick.reading import VenueRead

from .test_reading_and_checks import LIMITS, NOW, TRIGGERS


def _plain(reads: Mapping[str, VenueRead], oracle_venue: str) -> InputReport:
    """The checks as they read before the shortcuts: every venue's problems, then per
    underlying a pass over every venue for its marks and a division per mark."""
    problems: list[Problem] = []
    usable = set()
    for name, read in reads.items():
        found = _venue_problems(read, NOW, LIMITS, TRIGGERS)
        problems += found
        if not found and read.snapshot is not None:
            usable.add(name)
    oracle = reads[oracle_venue].snapshot
    assert oracle is not None
    deviations = []
    for underlying, price in oracle.marks.items():
        marks = {
            name: read.snapshot.marks[underlying]
            for name, read in reads.items()
            if name != oracle_venue
            and read.snapshot is not None
            and underlying in read.snapshot.marks
        }
        if not marks:
            continue
        consensus = median(marks.values())
        if abs(price / consensus - 1) > LIMITS.max_reference_deviation:
            message = f"{underlying} oracle {price:.2f} vs venues {consensus:.2f}"
            code = f"oracle_deviation:{underlying}"
            deviations.append(Problem(code, oracle_venue, message, KillState.REDUCE_ONLY))
            continue
        for name, mark in marks.items():
            if abs(mark / price - 1) > LIMITS.max_reference_deviation:
                message = f"{underlying} mark {mark:.2f} vs oracle {price:.2f}"
                code = f"price_deviation:{underlying}"
                deviations.append(Problem(code, name, message, KillState.REDUCE_ONLY))
    problems += deviations
    usable -= {p.venue for p in deviations}
    doubts: tuple[OracleDoubt, ...] = ()
    repairable: frozenset[str] = frozenset()
    oracle_problems = [p for p in problems if p.venue == oracle_venue]
    if oracle_problems:
        doubts = _doubts(reads, oracle_venue, oracle_problems)
        repairable = frozenset(usable - {oracle_venue}) if doubts else frozenset()
        usable.clear()
    return InputReport(tuple(problems), frozenset(usable), doubts, repairable)


# Marks at, just inside and just outside the 2% band around 3000 (and far off).
MARKS = st.sampled_from(
    [3000.0, 3060.0, 2940.0, 3060.0000001, 2939.9999999, 3059.9999999, 2940.0000001, 2500.0]
)
VENUES = st.lists(
    st.tuples(
        st.dictionaries(st.sampled_from(["ETH", "BTC"]), MARKS),  # BTC: the oracle has none
        st.booleans(),  # fresh
        st.integers(0, 120),  # age in seconds
        st.booleans(),  # flagged
        st.booleans(),  # never read
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(VENUES)
def test_the_checks_report_what_the_plain_checks_report(venues: list[tuple]) -> None:  # type: ignore[type-arg]
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0})
    reads = {"chainlink": VenueRead("chainlink", oracle, fresh=True)}
    for index, (marks, fresh, age, flagged, never) in enumerate(venues):
        name = f"venue:{index}"
        flags = {"paused": "reserve paused"} if flagged else {}
        snapshot = VenueSnapshot(name, NOW - timedelta(seconds=age), marks=marks, flags=flags)
        since = None if fresh else NOW - timedelta(seconds=age)
        reads[name] = VenueRead(
            name, None if never else snapshot, fresh=fresh, error=None if fresh else "timeout",
            failing_since=since,
        )  # fmt: skip
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert report == _plain(reads, "chainlink")


@given(
    st.floats(1e-300, 1e300),
    st.floats(0.0, 1.0),
    st.floats(-1e-6, 1e-6),
    st.booleans(),
)
def test_a_mark_surely_near_passes_the_deviation_test(
    price: float, deviation: float, nudge: float, above: bool
) -> None:
    low, high = _surely_near(price, deviation)
    edge = (high if above else low) * (1.0 + nudge)  # at the band's edges, either side
    for mark in (edge, price, low, high):
        if low < mark < high:
            assert not abs(mark / price - 1) > deviation
    assert low < price < high or deviation <= 1e-9


def test_nothing_is_surely_near_a_price_that_is_not_positive_and_finite() -> None:
    for price in (0.0, -3000.0, float("inf"), float("nan")):
        low, high = _surely_near(price, 0.02)
        assert not low < high
