"""Checking the inputs before acting on them (DESIGN.md, data flow step 2).

A failed check never silently passes: each becomes a ``Problem`` that says which
venue, what is wrong, and how far the kill switch must tighten. Pure: the daemon
passes in the reads, the settings and the time.

A problem with the oracle venue leaves no venue usable: nothing is valued or acted on
at a price in doubt (RELIABILITY rows 8 and 9). When that problem is only that a feed
is stale, at a bound or far from the venues (``DOUBTS``) and independent venues still
price the underlying, the report names the feed's ``doubts`` with the venues'
consensus price, and the venues with no problem of their own become ``repairable``:
their lending accounts may be repaired (supply, repay: risk-reducing), assessed at the
worse of the protocol's price and the consensus (``agent.policy.oracle_doubt``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from agent.config.models import KillSwitchSettings, LimitSettings
from agent.intents import KillState
from agent.policy.inputs import OracleDoubt
from agent.tick.reading import VenueRead

ORACLE_FLAGS = (
    "oracle_stale",
    "oracle_at_bound",
    "oracle_invalid",
    "sequencer_down",
    "sequencer_grace",
)
# The oracle venue's problems that leave its price in doubt but the market readable:
# repairs priced on the venues may go out (the sequencer's or the read's may not).
DOUBTS = ("oracle_stale", "oracle_at_bound", "oracle_deviation")
_ECHO = 1e-9  # relative: a mark this close to the doubted answer repeats it (Aave's)


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    venue: str
    message: str
    tighten_to: KillState


@dataclass(frozen=True, slots=True)
class InputReport:
    """What the checks found; ``usable`` venues may be acted on this tick.

    ``doubts``: the oracle's feeds in doubt, each with the venues' consensus price;
    ``repairable``: while ``usable`` is empty for them, the venues whose lending
    accounts may still be repaired on that consensus (see the module docstring).
    """

    problems: tuple[Problem, ...]
    usable: frozenset[str]
    doubts: tuple[OracleDoubt, ...] = ()
    repairable: frozenset[str] = frozenset()

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
    oracle_read = reads.get(oracle_venue) if oracle_venue is not None else None
    oracle = oracle_read.snapshot if oracle_read is not None else None
    # Every other venue's marks in the reads' order, gathered in the one pass over the
    # venues (caches are cold by a second): runs of venues sharing one mapping (the
    # lending accounts of one market share its marks), a run's names together.
    runs: list[tuple[Mapping[str, float], list[str]]] = []
    gathering = oracle is not None and bool(oracle.marks)
    shared: Mapping[str, float] | None = None
    names: list[str] = []
    oldest = limits.max_input_age_s
    fresh_at: dict[datetime, bool] = {}  # per observation time: within the age limit
    for name, read in reads.items():
        snapshot = read.snapshot
        if snapshot is not None and gathering and name != oracle_venue:
            marks = snapshot.marks
            if marks is not shared:
                shared, names = marks, []
                runs.append((marks, names))
            names.append(name)
        # The common case, with no problem: ``_venue_problems``' conditions, inlined (a
        # call and a list per venue were most of the checks of a book of many accounts).
        if snapshot is not None and read.fresh and not snapshot.flags:
            observed = snapshot.observed_at  # one per block: its age computed once
            young = fresh_at.get(observed)
            if young is None:
                young = fresh_at[observed] = not (now - observed).total_seconds() > oldest
            if young:
                usable.add(name)
                continue
        found = _venue_problems(read, now, limits, triggers)
        problems += found
        if not found and snapshot is not None:
            usable.add(name)
    doubts: tuple[OracleDoubt, ...] = ()
    repairable: frozenset[str] = frozenset()
    if oracle_venue is not None and oracle_read is not None:
        deviations = (
            _price_deviations(oracle_venue, oracle.marks, runs, limits)
            if oracle is not None
            else []
        )
        problems += deviations
        usable -= {p.venue for p in deviations}
        oracle_problems = [p for p in problems if p.venue == oracle_venue]
        if oracle_problems:
            doubts = _doubts(reads, oracle_venue, oracle_problems)
            repairable = frozenset(usable - {oracle_venue}) if doubts else frozenset()
            usable.clear()  # no trusted price: nothing valued on it, nothing acted on it
    return InputReport(tuple(problems), frozenset(usable), doubts, repairable)


def _doubts(
    reads: Mapping[str, VenueRead], oracle_venue: str, oracle_problems: list[Problem]
) -> tuple[OracleDoubt, ...]:
    """Each doubted feed with the venues' consensus; none unless every problem of the
    oracle venue is a doubt of a feed (``DOUBTS``) that independent venues price.

    The consensus is the median mark of the venues read afresh this tick that raise no
    problem of their own about that underlying, leaving out marks equal to the oracle's
    answer: they repeat it (a lending protocol's reserve prices are that feed's answer),
    they are not an independent price."""
    oracle = reads[oracle_venue].snapshot
    codes = [p.code.split(":", 1) for p in oracle_problems]
    if oracle is None or any(len(c) != 2 or c[0] not in DOUBTS for c in codes):
        return ()
    first: dict[str, str] = {}  # underlying -> its first doubt (stale before deviation)
    for code, underlying in codes:
        first.setdefault(underlying, code)
    found = []
    for underlying, problem in first.items():
        answer = oracle.marks.get(underlying)
        marks = [
            read.snapshot.marks[underlying]
            for name, read in reads.items()
            if name != oracle_venue
            and read.fresh
            and read.snapshot is not None
            and underlying in read.snapshot.marks
            and not any(f.endswith(f":{underlying}") for f in read.snapshot.flags)
        ]
        independent = [m for m in marks if m > 0 and (not answer or abs(m / answer - 1) > _ECHO)]
        if not independent:
            return ()  # a doubted feed nobody else prices: nothing can be repaired on it
        found.append(OracleDoubt(underlying, median(independent), problem))
    return tuple(found)


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
    oracle_venue: str,
    priced: Mapping[str, float],
    runs: list[tuple[Mapping[str, float], list[str]]],
    limits: LimitSettings,
) -> list[Problem]:
    """Venue marks far from the oracle: the oracle or the venue is wrong; either way halt
    new risk (RELIABILITY row 9) on whichever side the majority disagrees with.
    ``runs``: every other venue's marks in the reads' order, each mapping with the names
    of the venues in a row that share it (tested once for them all)."""
    max_deviation = limits.max_reference_deviation
    problems = []
    for underlying, oracle_price in priced.items():
        held = [(marks[underlying], names) for marks, names in runs if underlying in marks]
        if not held:
            continue
        every: list[float] = []  # each venue's mark, in the reads' order
        for mark, names in held:
            every += [mark] * len(names)
        consensus = median(every)
        if abs(oracle_price / consensus - 1) > max_deviation:
            message = f"{underlying} oracle {oracle_price:.2f} vs venues {consensus:.2f}"
            problems.append(
                Problem(
                    f"oracle_deviation:{underlying}", oracle_venue, message, KillState.REDUCE_ONLY
                )
            )
            continue
        low, high = _surely_near(oracle_price, max_deviation)
        for mark, names in held:
            if low < mark < high:
                continue
            if abs(mark / oracle_price - 1) > max_deviation:
                message = f"{underlying} mark {mark:.2f} vs oracle {oracle_price:.2f}"
                code = f"price_deviation:{underlying}"
                problems += [Problem(code, name, message, KillState.REDUCE_ONLY) for name in names]
    return problems


def _surely_near(oracle_price: float, max_deviation: float) -> tuple[float, float]:
    """Marks strictly between these pass ``_price_deviations``' own test (``abs(mark /
    oracle_price - 1) > max_deviation`` is False) by a margin of 1e-9, far above that
    test's rounding (a few 1e-16): a comparison each, not a division. Others take the
    test itself, as do all when the price is not positive and finite or the allowed
    deviation within the margin."""
    half_width = max_deviation - 1e-9
    if not (0.0 < oracle_price < math.inf and half_width > 0.0):
        return math.inf, -math.inf  # nothing is between
    return oracle_price * (1.0 - half_width), oracle_price * (1.0 + half_width)
