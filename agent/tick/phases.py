"""Wall time of each phase of one tick's plan, for the bench and the tick's log.

``Phases`` is a stopwatch with laps: ``lap(name)`` charges the time since the previous
lap (or the start) to ``name``. One ``perf_counter`` call per phase: cheap enough to run
on every tick.
"""

from __future__ import annotations

import time

# The phases of ``Daemon.plan``, in order; "compute" is everything after the read.
READING, CHECKS, BOOK, ASSESSMENT, POLICY_INPUT, DECISION = (
    "reading",
    "checks",
    "book",
    "assessment",
    "policy_input",
    "decision",
)
PHASES = (READING, CHECKS, BOOK, ASSESSMENT, POLICY_INPUT, DECISION)
COMPUTE = (CHECKS, BOOK, ASSESSMENT, POLICY_INPUT, DECISION)


class Phases:
    """Seconds per phase of one tick, in the order they ran."""

    __slots__ = ("_last", "seconds")

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Charge the time since the previous lap to ``name`` (added, if it ran before)."""
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._last
        self._last = now

    def skip(self) -> None:
        """Charge the time since the previous lap to no phase (e.g. awaiting a venue)."""
        self._last = time.perf_counter()

    @property
    def compute(self) -> float:
        """Seconds of the compute phases (everything after the read)."""
        return sum(self.seconds.get(name, 0.0) for name in COMPUTE)
