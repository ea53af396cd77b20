"""The input checks' one pass: marks that are NaN or infinite (which the shortcut of
marks surely near the oracle must pass over or test, never flag wrongly) are reported as
the plain checks report them."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from agent.model import VenueSnapshot
from agent.tick.checks import check_inputs
from agent.tick.reading import VenueRead

from .test_checks_shortcuts import _plain
from .test_reading_and_checks import LIMITS, NOW, TRIGGERS

MARKS = st.sampled_from([3000.0, 3059.0, 2941.0, 2500.0, math.nan, math.inf, -math.inf, 0.0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["ETH", "BTC"]), MARKS), min_size=1, max_size=8))
def test_odd_marks_are_reported_as_the_plain_checks_report_them(
    venues: list[dict[str, float]],
) -> None:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0, "BTC": 60000.0})
    reads = {"chainlink": VenueRead("chainlink", oracle, fresh=True)}
    for index, marks in enumerate(venues):
        name = f"venue:{index}"
        snapshot = VenueSnapshot(name, NOW - timedelta(seconds=index * 20), marks=marks)
        reads[name] = VenueRead(name, snapshot, fresh=True)
    checked = _outcome(
        lambda: check_inputs(
            reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
        )
    )
    assert checked == _outcome(lambda: _plain(reads, "chainlink"))


def _outcome(check: Callable[[], object]) -> object:
    """The report, or the error (a consensus of 0 or inf fails either way)."""
    try:
        return check()
    except (ValueError, ArithmeticError) as error:
        return repr(error)
