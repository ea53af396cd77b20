"""Venue reads degrade instead of failing the tick; input checks never pass silently."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest

from agent.config.models import KillSwitchSettings, LimitSettings
from agent.errors import TransientError
from agent.intents import KillState
from agent.model import VenueSnapshot
from agent.tick.checks import check_inputs
from agent.tick.reading import VenueRead, VenueReader

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LIMITS = LimitSettings(
    max_notional_per_action_usd=1e5,
    max_notional_per_hour_usd=1e6,
    max_input_age_s=60,
    max_reference_deviation=0.02,
    venue_caps={},
)
TRIGGERS = KillSwitchSettings(venue_down_after_s=30)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class ScriptedVenue:
    def __init__(self, name: str, outcomes: list[object]) -> None:
        self._name = name
        self.outcomes = outcomes

    @property
    def name(self) -> str:
        return self._name

    async def snapshot(self) -> VenueSnapshot:
        outcome = self.outcomes.pop(0)
        if outcome == "hang":
            await asyncio.Event().wait()
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, VenueSnapshot)
        return outcome


def snap(
    venue: str, marks: Mapping[str, float] | None = None, age_s: float = 1, **flags: str
) -> VenueSnapshot:
    return VenueSnapshot(
        venue=venue, observed_at=NOW - timedelta(seconds=age_s), marks=marks or {}, flags=flags
    )


async def test_a_failing_and_a_hanging_venue_keep_their_last_snapshot() -> None:
    clock = Clock()
    good = snap("aave")
    venues = {
        "aave": ScriptedVenue("aave", [good, TransientError("rpc down")]),
        "deribit": ScriptedVenue("deribit", [snap("deribit"), "hang"]),
        "gmx": ScriptedVenue("gmx", [snap("gmx"), snap("gmx")]),
    }
    reader = VenueReader(venues, clock, timeout_s=0.05)
    first = await reader.read_all()
    assert all(r.fresh for r in first.values())
    second = await reader.read_all()
    assert second["gmx"].fresh
    assert not second["aave"].fresh
    assert second["aave"].snapshot is good
    assert second["aave"].error == "TransientError: rpc down"
    assert second["deribit"].error == "no answer within 0.05s"
    assert second["aave"].failing_since == NOW


def test_clean_inputs_have_no_problems() -> None:
    reads = {
        "chainlink": VenueRead("chainlink", snap("chainlink", {"ETH": 3000.0}), True),
        "deribit": VenueRead("deribit", snap("deribit", {"ETH": 3010.0}), True),
    }
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert report.problems == ()
    assert report.usable == {"chainlink", "deribit"}
    assert report.strictest is None


def test_stale_oracle_flag_tightens_and_blocks_every_venue() -> None:
    reads = {
        "chainlink": VenueRead(
            "chainlink", snap("chainlink", {"ETH": 3000.0}, **{"oracle_stale:ETH": "2h old"}), True
        ),
        "aave": VenueRead("aave", snap("aave", {"ETH": 3000.0}), True),
    }
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert [p.code for p in report.problems] == ["oracle_stale:ETH"]
    assert report.strictest is KillState.REDUCE_ONLY
    assert report.usable == frozenset(), "no independent price: nothing may act"
    assert (report.repairable, report.doubts) == (frozenset(), ()), "Aave's mark is the feed's"


def test_a_stale_oracle_the_venues_still_price_lets_only_repairs_through() -> None:
    """Nothing is usable (no hedge, no margin repair on the stale price); the venues with
    no problem of their own may repair lending accounts, assessed at the median of the
    independent marks: Aave's mark repeats the feed's answer and GMX flags its own."""
    stale = {"oracle_stale:ETH": "ETH/USD last updated 2400s ago, heartbeat 1200s"}
    reads = {
        "chainlink": VenueRead("chainlink", snap("chainlink", {"ETH": 2950.0}, **stale), True),
        "aave": VenueRead("aave", snap("aave", {"ETH": 2950.0}), True),
        "gmx": VenueRead("gmx", snap("gmx", {"ETH": 2950.0}, **stale), True),
        "uniswap": VenueRead("uniswap", snap("uniswap", {"ETH": 2560.0}), True),
        "hyperliquid": VenueRead("hyperliquid", snap("hyperliquid", {"ETH": 2550.0}), True),
        "deribit": VenueRead("deribit", snap("deribit", {"ETH": 2548.0}), True),
    }
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert report.strictest is KillState.REDUCE_ONLY
    assert report.usable == frozenset()
    assert report.repairable == {"aave", "uniswap", "hyperliquid", "deribit"}
    assert [(d.underlying, d.market_usd, d.problem) for d in report.doubts] == [
        ("ETH", 2550.0, "oracle_stale")
    ]
    down = {**stale, "sequencer_down": "uptime feed says down"}
    reads["chainlink"] = VenueRead("chainlink", snap("chainlink", {"ETH": 2950.0}, **down), True)
    blind = check_inputs(reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink")
    assert (blind.usable, blind.repairable, blind.doubts) == (frozenset(), frozenset(), ())


def test_oracle_at_bound_far_from_venues_is_caught() -> None:
    reads = {
        "chainlink": VenueRead("chainlink", snap("chainlink", {"ETH": 10.0}), True),
        "deribit": VenueRead("deribit", snap("deribit", {"ETH": 1.0}), True),
        "hyperliquid": VenueRead("hyperliquid", snap("hyperliquid", {"ETH": 1.01}), True),
    }
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert [p.code for p in report.problems] == ["oracle_deviation:ETH"]
    assert report.usable == frozenset()


def test_one_venue_off_the_oracle_is_excluded_alone() -> None:
    reads = {
        "chainlink": VenueRead("chainlink", snap("chainlink", {"ETH": 3000.0}), True),
        "deribit": VenueRead("deribit", snap("deribit", {"ETH": 3001.0}), True),
        "hyperliquid": VenueRead("hyperliquid", snap("hyperliquid", {"ETH": 3001.0}), True),
        "uniswap": VenueRead("uniswap", snap("uniswap", {"ETH": 2500.0}), True),
    }
    report = check_inputs(
        reads, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue="chainlink"
    )
    assert [(p.code, p.venue) for p in report.problems] == [("price_deviation:ETH", "uniswap")]
    assert report.usable == {"chainlink", "deribit", "hyperliquid"}


@pytest.mark.parametrize(
    ("down_for_s", "expected"), [(10, KillState.ACTIVE), (31, KillState.REDUCE_ONLY)]
)
def test_a_dead_venue_tightens_only_after_its_grace(down_for_s: float, expected: KillState) -> None:
    read = VenueRead(
        "gmx",
        snap("gmx", age_s=5),
        False,
        error="timeout",
        failing_since=NOW - timedelta(seconds=down_for_s),
    )
    report = check_inputs(
        {"gmx": read}, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue=None
    )
    assert [p.code for p in report.problems] == ["venue_down"]
    assert report.problems[0].tighten_to is expected
    assert report.usable == frozenset()


def test_an_old_snapshot_is_stale() -> None:
    read = VenueRead("deribit", snap("deribit", age_s=61), True)
    report = check_inputs(
        {"deribit": read}, now=NOW, limits=LIMITS, triggers=TRIGGERS, oracle_venue=None
    )
    assert [p.code for p in report.problems] == ["stale_snapshot"]
