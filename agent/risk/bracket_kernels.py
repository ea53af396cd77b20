"""The liquidation search's refinement step as kernels: per bracket, the false-position
guess with its two probes, and the bracket narrowed to what the probes found.

Plain loops over the brackets, so a step costs a few microseconds whether one account
is searched (the stress gate's changed account) or every account of a book. The
arithmetic is the search's (``agent.risk.liquidation._refine``).
"""

from __future__ import annotations

import math

import numpy as np

from agent.risk.book import IntArray
from agent.risk.jit import inline_kernel, kernel
from agent.risk.validation import FloatArray

TOLERANCE = 1e-14  # relative width of the final bracket
_SMALLEST_SCALE = 1e-3  # the tolerance is relative to at least a 0.1% move


@inline_kernel
def _is_open(safe: float, failing: float) -> bool:
    return abs(failing - safe) > TOLERANCE * max(abs(failing), _SMALLEST_SCALE)


@kernel
def open_brackets(safe: FloatArray, failing: FloatArray) -> int:
    """How many brackets are still wider than the tolerance."""
    count = 0
    for i in range(safe.shape[0]):
        if _is_open(safe[i], failing[i]):
            count += 1
    return count


@kernel
def probe_points(
    safe: FloatArray, failing: FloatArray, f_safe: FloatArray, f_fail: FloatArray, bisect: bool
) -> FloatArray:
    """(3, brackets): each bracket's guess (false position, or the middle when it falls
    outside or ``bisect``) and the points half the tolerance either side of it, in
    order from the safe end, all inside the bracket."""
    count = safe.shape[0]
    points = np.empty((3, count))
    for i in range(count):
        low, high = min(safe[i], failing[i]), max(safe[i], failing[i])
        guess = 0.5 * (safe[i] + failing[i])
        denominator = f_fail[i] - f_safe[i]
        if not bisect and denominator != 0.0:
            secant = failing[i] - f_fail[i] * (failing[i] - safe[i]) / denominator
            if low < secant < high:
                guess = secant
        direction = 0.0
        if failing[i] > safe[i]:
            direction = 1.0
        elif failing[i] < safe[i]:
            direction = -1.0
        outwards = direction * 0.5 * TOLERANCE * max(abs(guess), _SMALLEST_SCALE)
        points[0, i] = min(max(guess - outwards, low), high)
        points[1, i] = min(max(guess, low), high)
        points[2, i] = min(max(guess + outwards, low), high)
    return points


@inline_kernel
def _first_failing(
    assets: FloatArray, requirement: FloatArray, account: int, count: int, bracket: int
) -> int:
    """The first of a bracket's three probes whose health is under 1 (3: none), health
    as ``AccountStates.health`` has it."""
    for row in range(3):
        column = row * count + bracket
        owed, held = requirement[account, column], assets[account, column]
        health = held / owed if owed > 0.0 else (math.inf if held > 0.0 else 0.0)
        if health < 1.0:
            return row
    return 3


@inline_kernel
def _illinois(
    f_safe: FloatArray, f_fail: FloatArray, last: IntArray, i: int, safe: bool, failing: bool
) -> None:
    """Halve the margin of an end retained twice in a row; remember which end moved."""
    if failing and not safe:
        if last[i] == -1:
            f_safe[i] *= 0.5
        last[i] = -1
    elif safe and not failing:
        if last[i] == 1:
            f_fail[i] *= 0.5
        last[i] = 1
    else:
        last[i] = 0


@kernel
def narrow(
    safe: FloatArray,
    failing: FloatArray,
    f_safe: FloatArray,
    f_fail: FloatArray,
    last: IntArray,
    points: FloatArray,
    accounts: IntArray,
    assets: FloatArray,
    requirement: FloatArray,
) -> int:
    """Narrow every open bracket in place to the last probe that holds and the first
    that fails (in order from the safe end), with Illinois' halving of an end retained
    twice in a row; ``assets`` and ``requirement`` are (accounts, 3 * brackets), probe
    row r of bracket i in column r * brackets + i. Returns the brackets still open."""
    count = safe.shape[0]
    still_open = 0
    for i in range(count):
        if not _is_open(safe[i], failing[i]):
            continue
        account = accounts[i]
        first = _first_failing(assets, requirement, account, count, i)
        if first > 0:
            column = (first - 1) * count + i
            safe[i] = points[first - 1, i]
            f_safe[i] = assets[account, column] - requirement[account, column]
        if first < 3:
            column = first * count + i
            failing[i] = points[first, i]
            f_fail[i] = assets[account, column] - requirement[account, column]
        _illinois(f_safe, f_fail, last, i, first > 0, first < 3)
        if _is_open(safe[i], failing[i]):
            still_open += 1
    return still_open
