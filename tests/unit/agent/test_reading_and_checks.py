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


class SubCallError(Exception):
    """A member's own part of the group's read failed."""


class ScriptedGroup:
    """A ``VenueGroup``: each read pops an outcome (every member's snapshot or error by
    name, an exception for the whole read, or "hang")."""

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes
        self.reads = 0

    async def read_all(self) -> Mapping[str, VenueSnapshot | BaseException]:
        self.reads += 1
        outcome = self.outcomes.pop(0)
        if outcome == "hang":
            await asyncio.Event().wait()
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, dict)
        return outcome


class Member:
    """A ``GroupedVenue`` (its ``snapshot`` is not what the reader calls)."""

    def __init__(self, name: str, group: ScriptedGroup) -> None:
        self._name = name
        self._group = group

    @property
    def name(self) -> str:
        return self._name

    @property
    def group(self) -> ScriptedGroup:
        return self._group

    async def snapshot(self) -> VenueSnapshot:
        raise AssertionError("a member is read through its group")


async def test_a_group_is_read_once_and_each_member_keeps_its_own_read() -> None:
    """A member's own failure is its alone; the group's failure or timeout is every
    member's; each keeps its own last good snapshot; a lone venue beside the group is
    read as before."""
    clock = Clock()
    group = ScriptedGroup([])
    first = {"a1": snap("a1"), "a2": snap("a2"), "a3": snap("a3"), "other": snap("other")}
    group.outcomes = [
        first,
        {**first, "a1": snap("a1", age_s=0.5), "a2": SubCallError("a2's reply malformed")},
        TransientError("rpc down"),
        "hang",
        {"a1": snap("a1", age_s=0.2), "a3": snap("a3", age_s=0.2)},  # a2 missing
    ]
    venues: dict[str, object] = {
        "a1": Member("a1", group),
        "deribit": ScriptedVenue("deribit", [snap("deribit")] * 5),
        "a2": Member("a2", group),
        "renamed": Member("a3", group),  # the reader's name for the group's "a3"
    }
    reader = VenueReader(venues, clock, timeout_s=0.05)  # type: ignore[arg-type]

    reads = await reader.read_all()
    assert list(reads) == ["a1", "deribit", "a2", "renamed"], "the venues' order"
    assert all(r.fresh for r in reads.values())
    assert group.reads == 1
    assert reads["renamed"].snapshot is first["a3"]
    assert reads["a2"].snapshot is first["a2"]

    clock.at = NOW + timedelta(seconds=10)
    reads = await reader.read_all()
    assert group.reads == 2
    assert reads["a1"].fresh
    assert reads["renamed"].fresh
    assert reads["deribit"].fresh
    assert not reads["a2"].fresh
    assert reads["a2"].snapshot is first["a2"]
    assert reads["a2"].error == "SubCallError: a2's reply malformed"
    assert reads["a2"].failing_since == NOW + timedelta(seconds=10)

    clock.at = NOW + timedelta(seconds=20)
    reads = await reader.read_all()
    assert reads["deribit"].fresh
    assert {n: r.error for n, r in reads.items() if not r.fresh} == {
        "a1": "TransientError: rpc down",
        "a2": "TransientError: rpc down",
        "renamed": "TransientError: rpc down",
    }
    assert reads["a1"].snapshot is not first["a1"]
    assert reads["a1"].snapshot is not None
    assert reads["renamed"].snapshot is first["a3"]
    assert reads["a1"].failing_since == NOW + timedelta(seconds=20)
    assert reads["a2"].failing_since == NOW + timedelta(seconds=10), "still failing"

    clock.at = NOW + timedelta(seconds=30)
    reads = await reader.read_all()
    assert reads["deribit"].fresh
    for name in ("a1", "a2", "renamed"):
        assert not reads[name].fresh
        assert reads[name].error == "no answer within 0.05s"
    assert reads["renamed"].snapshot is first["a3"]

    reads = await reader.read_all()
    assert reads["a1"].fresh
    assert reads["renamed"].fresh
    assert reads["a1"].failing_since is None
    assert not reads["a2"].fresh
    assert reads["a2"].snapshot is first["a2"]
    assert reads["a2"].error == 'KeyError: "a2 is not in its group\'s read"'
    assert group.reads == 5
