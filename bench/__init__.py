"""Benchmarks against peers, each measured in the same process and run.

Every benchmark module has ``run() -> list[Result]``; ``python -m bench`` runs the modules
listed in ``bench.__main__`` and prints our figure, the peer's and the ratio. The machine
may be shared, so each figure is the best (or, where stated, the median) of several
interleaved repetitions, and the load average is printed with the results.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One comparison: times in ``unit`` (lower is better), ratio = peer / ours."""

    name: str
    ours: float
    peer: float
    peer_name: str
    unit: str
    target: str
    met: bool

    @property
    def ratio(self) -> float:
        return self.peer / self.ours


def best_of(function: Callable[[], object], repeats: int) -> float:
    """Shortest wall time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(function: Callable[[], object], calls: int) -> float:
    """Median wall time of ``calls`` calls, in seconds."""
    times = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        function()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) * 1e-9


def best_median(function: Callable[[], object], batches: int, calls: int) -> float:
    """Lowest of ``batches`` medians of ``calls`` calls each, in seconds.

    On a shared machine other work comes and goes; the median of a batch taken while it
    is away is the figure the code itself is responsible for.
    """
    return min(median_of(function, calls) for _ in range(batches))


def interleaved_best(
    ours: Callable[[], object], peer: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Best wall times (seconds) of ours and the peer, alternating so load hits both alike."""
    mine, theirs = [], []
    for _ in range(rounds):
        mine.append(best_of(ours, 1))
        theirs.append(best_of(peer, 1))
    return min(mine), min(theirs)
