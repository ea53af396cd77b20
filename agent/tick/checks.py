"""Checking the inputs before acting on them (DESIGN.md, data flow step 2).

A failed check never silently passes: each becomes a ``Problem`` that says which
venue, what is wrong, and how far the kill switch must tighten. Pure: the daemon
passes in the reads, the settings and the time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from agent.config.models import KillSwitchSettings, LimitSettings
from agent.intents import KillState
from agent.tick.reading import VenueRead

ORACLE_FLAGS = (
    "oracle_stale",
    "oracle_at_bound",
    "oracle_invalid",
    "sequencer_down",
    "sequencer_grace",
)


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    venue: str
    message: str
    tighten_to: KillState


@dataclass(frozen=True, slots=True)
class InputReport:
    """What the checks found; ``usable`` venues may be acted on this tick."""

    problems: tuple[Problem, ...]
    usable: frozenset[str]

    @property
    def strictest(self) -> KillState | None:
        """The strictest state any problem calls for, None if there is none."""
        states = [p.tighten_to for p in self.problems]
        return max(states, key=lambda state: state.strictness) if states else None


def check_inputs(
    reads: Mapping[str, VenueRead],
    *,
    now: datetime,
    limits: LimitSettings,
    triggers: KillSwitchSettings,
    oracle_venue: str | None,
) -> InputReport:
    problems: list[Problem] = []
    usable = set()
    for name, read in reads.items():
        found = _venue_problems(read, now, limits, triggers)
        problems += found
        if not found and read.snapshot is not None:
            usable.add(name)
    if oracle_venue is not None and oracle_venue in reads:
        deviations = _price_deviations(reads, oracle_venue, limits.max_reference_deviation)
        problems += deviations
        usable -= {p.venue for p in deviations}
        if any(p.venue == oracle_venue for p in problems):
            usable.clear()  # no independent price: nothing can be valued, nothing acted on
    return InputReport(tuple(problems), frozenset(usable))


def _venue_problems(
    read: VenueRead, now: datetime, limits: LimitSettings, triggers: KillSwitchSettings
) -> list[Problem]:
    name = read.venue
    if read.snapshot is None:
        return [Problem("venue_down", name, f"never read: {read.error}", triggers.on_venue_down)]
    problems = []
    if not read.fresh:
        down_for = (now - read.failing_since).total_seconds() if read.failing_since else 0.0
        state = (
            triggers.on_venue_down if down_for >= triggers.venue_down_after_s else KillState.ACTIVE
        )
        problems.append(
            Problem("venue_down", name, f"read failed ({read.error}); last good kept", state)
        )
    age = read.age_s(now)
    if age is not None and age > limits.max_input_age_s:
        message = f"snapshot is {age:.0f}s old (limit {limits.max_input_age_s:.0f}s)"
        problems.append(Problem("stale_snapshot", name, message, triggers.on_stale_data))
    for flag, detail in read.snapshot.flags.items():
        state = (
            triggers.on_stale_data if flag.split(":")[0] in ORACLE_FLAGS else KillState.REDUCE_ONLY
        )
        problems.append(Problem(flag, name, detail, state))
    return problems


def _price_deviations(
    reads: Mapping[str, VenueRead], oracle_venue: str, max_deviation: float
) -> list[Problem]:
    """Venue marks far from the oracle: the oracle or the venue is wrong; either way halt
    new risk (RELIABILITY row 9) on whichever side the majority disagrees with."""
    oracle = reads[oracle_venue].snapshot
    if oracle is None:
        return []
    problems = []
    for underlying, oracle_price in oracle.marks.items():
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
        if abs(oracle_price / consensus - 1) > max_deviation:
            message = f"{underlying} oracle {oracle_price:.2f} vs venues {consensus:.2f}"
            problems.append(
                Problem(
                    f"oracle_deviation:{underlying}", oracle_venue, message, KillState.REDUCE_ONLY
                )
            )
            continue
        for name, mark in marks.items():
            if abs(mark / oracle_price - 1) > max_deviation:
                message = f"{underlying} mark {mark:.2f} vs oracle {oracle_price:.2f}"
                problems.append(
                    Problem(f"price_deviation:{underlying}", name, message, KillState.REDUCE_ONLY)
                )
    return problems
