"""Jaeckel's "Let's Be Rational" on a normalised price: segments, guesses, Householder steps.

The price, normalised and reduced to an out-of-the-money call b(x, s) = beta with x <= 0
(see ``implied_volatility``), is inverted in three steps:

1. ``bracket``: the inflexion point s_c = sqrt(2|x|) of b and, on the side of s_c where
   beta lies, the tangent intercept s_l < s_c or s_h > s_c; with them the price axis falls
   into four segments.
2. A guess per segment (``implied_volatility_guess``): a rational cubic in a transformed
   price (the lower and upper maps, exact in the limits beta -> 0 and beta -> b_max),
   already accurate to a few digits.
3. ``finish``: at most two third-order Householder steps on an objective suited to the
   segment:

   - lowest segment: g(s) = 1/ln b(s) - 1/ln beta (nearly linear as beta -> 0);
   - middle segments: g(s) = b(s) - beta;
   - highest segment: g(s) = ln(b_max - beta) - ln(b_max - b(s)).

   A bracket is kept throughout; a step leaving it, or oscillating, falls back to
   bisection.

The lowest segment is left to the caller, which solves it for many options at once in
vectorised loops between steps 1 and 3 (``lowest_guess``, then ``before_evaluation`` and
``after_evaluation``, the passes of ``_refine``).
Jaeckel, "Let's Be Rational", Wilmott (2015) 40-53.
"""

from __future__ import annotations

import math

from agent.risk.elementary import exp, log
from agent.risk.implied_volatility_guess import highest_guess, middle_guess
from agent.risk.jit import inline_kernel, kernel
from agent.risk.normalised_black import black_call_and_vega, normalised_intrinsic_call

_EPSILON = 2.220446049250313e-16
_SMALLEST = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308
ITERATIONS = 2
# A second step only if the first moved s by more than this (relative): the first step of
# a third-order method from a guess off by d leaves an error of order d**4 (< 1e-13 here).
_SECOND_STEP = 1e-4
LOWER, _MIDDLE, _UPPER = 0, 1, 2
Segment = tuple[float, float, float, float, float, float, float, float, float]
# (s, left, right, step, previous step, iteration) of the Householder iterations.
RefineState = tuple[float, float, float, float, float, int]
# Stand-ins for an option whose answer ``bracket`` already knows: finite, harmless
# arguments for the vectorised lowest-segment passes (their result is not used).
_SETTLED = (-1.0, 0.5, 1.0, 0.5, 0.5, 1.0, 0.5, 0.5, 1.0)


@inline_kernel
def _householder_step(
    mode: int,
    x: float,
    s: float,
    beta: float,
    log_beta: float,
    b: float,
    vega: float,
    b_max: float,
) -> float:
    """One Householder(3) step for the segment's objective; NaN if b or vega underflowed.

    ``log_beta`` is ln(beta), needed by the lowest segment's objective. Divisions are
    few on purpose: this runs on a latency-bound path.
    """
    inverse_s = 1.0 / s
    square_ratio = x * x * inverse_s * inverse_s  # (x/s)**2
    halley_b = square_ratio * inverse_s - 0.25 * s  # b'' / b'
    hh3_b = halley_b * halley_b - 3.0 * square_ratio * inverse_s * inverse_s - 0.25  # b''' / b'
    if mode == LOWER:
        if b <= 0.0 or vega <= 0.0:
            return math.nan
        log_b = log(b)
        ratio = vega / b
        newton = (log_beta - log_b) * log_b / (log_beta * ratio)
        inverse_log = 1.0 / log_b
        halley = halley_b - ratio * (1.0 + 2.0 * inverse_log)
        hh3 = (
            hh3_b
            + 2.0 * ratio * ratio * (1.0 + 3.0 * inverse_log * (1.0 + inverse_log))
            - 3.0 * halley_b * ratio * (1.0 + 2.0 * inverse_log)
        )
    elif mode == _UPPER:
        if b >= b_max or vega <= _SMALLEST:
            return math.nan
        gap = b_max - b
        gradient = vega / gap
        newton = -log((b_max - beta) / gap) / gradient
        halley = halley_b + gradient
        hh3 = hh3_b + gradient * (2.0 * gradient + 3.0 * halley_b)
    else:
        newton = (beta - b) / vega
        halley = halley_b
        hh3 = hh3_b
    factor = (1.0 + 0.5 * halley * newton) / (1.0 + newton * (halley + hh3 * newton / 6.0))
    return newton * factor


@inline_kernel
def before_evaluation(state: RefineState, reversals: int) -> tuple[bool, RefineState, int]:
    """(go, state, reversals) at the top of one pass of the Householder iterations: go is
    False when they are over (two steps taken, the last one small, or the bracket too
    narrow to bisect), and state's s is then the answer; else b must be evaluated at s."""
    s, left, right, step, previous_step, iteration = state
    if not (
        iteration < ITERATIONS and abs(step) > (_EPSILON if iteration == 0 else _SECOND_STEP) * s
    ):
        return False, state, reversals
    reversals += 1 if step * previous_step < 0.0 else 0
    if iteration > 0 and (reversals == 3 or not left < s < right):
        s = 0.5 * (left + right)  # oscillating or outside the bracket: bisect
        if right - left <= _EPSILON * s:
            return False, (s, left, right, step, previous_step, iteration), reversals
        reversals = 0
        step = 0.0
    return True, (s, left, right, step, step, iteration), reversals


@inline_kernel
def after_evaluation(
    mode: int,
    segment: Segment,
    log_beta: float,
    state: RefineState,
    b: float,
    vega: float,
) -> RefineState:
    """The state after one pass, given b = b(s) with its vega at the state's s: the
    bracket shrunk, one Householder step taken (a bisection where it fails)."""
    x, beta, b_max = segment[0], segment[1], segment[2]
    s, left, right, _, previous_step, iteration = state
    if b > beta and s < right:
        right = s
    elif b < beta and s > left:
        left = s
    step = _householder_step(mode, x, s, beta, log_beta, b, vega, b_max)
    if math.isnan(step):
        step = 0.5 * (left + right) - s
    step = max(-0.5 * s, step)
    return s + step, left, right, step, previous_step, iteration + 1


@kernel
def _refine(mode: int, segment: Segment, s: float, left: float, right: float) -> float:
    """Householder iterations from guess s inside the bracket (left, right)."""
    log_beta = log(segment[1]) if mode == LOWER else 0.0
    state = (s, left, right, -_LARGEST, 0.0, 0)
    reversals = 0
    go, state, reversals = before_evaluation(state, reversals)
    while go:
        b, vega = black_call_and_vega(segment[0], state[0])
        state = after_evaluation(mode, segment, log_beta, state, b, vega)
        go, state, reversals = before_evaluation(state, reversals)
    return state[0]


@kernel
def bracket(
    beta: float, x: float, is_call: bool, inflexion: tuple[float, float, float]
) -> tuple[bool, float, Segment]:
    """(open, answer, segment) for normalised price beta at x = ln(F/K); ``inflexion`` is
    (s_c, b, db/ds) at s_c = sqrt(2|x|) for x' = -|x|, computed by the caller in a
    vectorised loop (``black_call_and_vega_unless_miller``, complete there).

    ``open`` is False when the total volatility is known without iterating: ``answer``
    is NaN when no s exists (beta below intrinsic or at/above the maximum, exp(x/2) for a
    call) and 0 at intrinsic exactly. Otherwise ``segment`` is (x, beta, b_max, s_c, b_c,
    v_c, s_2, b_2, v_2) of the out-of-the-money call (x <= 0, beta its time value), with
    s_2 the tangent intercept s_l or s_h on beta's side of s_c, and ``finish`` takes it
    from there.
    """
    b_max = exp(-0.5 * abs(x))  # the maximum of the out-of-the-money call below
    in_the_money = x > 0.0 if is_call else x < 0.0
    intrinsic = 1.0 / b_max - b_max if in_the_money else 0.0  # exp(|x|/2) - exp(-|x|/2)
    if in_the_money and abs(x) < 1e-3:
        intrinsic = normalised_intrinsic_call(abs(x))  # series: no cancellation
    total = beta
    beta -= intrinsic  # time value
    x = -abs(x)  # now an out-of-the-money call
    if not -16.0 * _EPSILON * max(total, intrinsic) <= beta < b_max:  # ulps below: round-off
        return False, math.nan, _SETTLED
    if beta < _SMALLEST:  # at intrinsic, or too small to invert to full precision
        return False, 0.0, _SETTLED
    s_c, b_c, v_c = inflexion
    below = beta < b_c  # then s_2 is s_l, else s_h
    s_h = s_c + (b_max - b_c) / v_c if v_c > _SMALLEST else s_c
    s_2 = s_c - b_c / v_c if below else s_h
    b_2, v_2 = black_call_and_vega(x, s_2)
    return True, 0.0, (x, beta, b_max, s_c, b_c, v_c, s_2, b_2, v_2)


@kernel
def finish(segment: Segment, lowest_vol: float) -> float:
    """Total volatility s of an open ``bracket`` result; ``lowest_vol`` is the answer
    computed by the caller (``lowest_guess``, then the same passes as ``_refine``) where
    beta lies in the lowest segment."""
    x, beta, b_max, s_c, b_c, v_c, s_2, b_2, v_2 = segment
    if beta < b_c:
        if beta < b_2:
            return lowest_vol
        guess = middle_guess(beta, b_2, b_c, s_2, s_c, v_2, v_c, False)
        return _refine(_MIDDLE, segment, guess, s_2, s_c)
    if beta <= b_2:
        guess = middle_guess(beta, b_c, b_2, s_c, s_2, v_c, v_2, True)
        return _refine(_MIDDLE, segment, guess, s_c, s_2)
    guess = highest_guess(x, beta, s_2, b_2, b_max)
    mode = _UPPER if beta > 0.5 * b_max else _MIDDLE
    return _refine(mode, segment, guess, s_2, _LARGEST)
