"""The normalised Black function and its derivatives, accurate deep out of the money.

Following Jaeckel, "Let's Be Rational" (Wilmott, 2015), a Black price is written in
normalised form: with x = ln(F/K), total volatility s = sigma * sqrt(T), h = x/s and
t = s/2, the undiscounted call price divided by sqrt(F*K) is

    b(x, s) = Phi(h + t) * exp(x/2) - Phi(h - t) * exp(-x/2)
            = exp(-(h**2 + t**2)/2) / sqrt(2 pi) * [Y(h + t) - Y(h - t)],

with Y(z) = Phi(z) / phi(z) = sqrt(pi/2) * erfcx(-z / sqrt 2). The implied-volatility
solver needs b to full relative precision when it is tiny, where the first form loses
every digit to cancellation. So for x <= 0 (out of the money; other cases reduce to it):

- t small (s < 0.42): a Taylor expansion of Y(h+t) - Y(h-t) in t to order 13, with the
  derivatives of Y from Y' = 1 + zY, i.e. Y^(n+1) = z Y^(n) + n Y^(n-1) (forward, or
  Miller's backward recursion deep out of the money where forward recursion is unstable;
  this replaces Jaeckel's asymptotic expansion for h < -10);
- h + t > 0.85: the first form (both terms are large, no cancellation);
- otherwise: the erfcx form, whose bracket is a difference of two smooth terms.

The public functions are scalar numba kernels (they branch per argument); the pieces
they are made of are inlined (``inline_kernel``, with ``elementary``'s functions), so that
``black_call_and_vega_unless_miller``, everything but the one loop of varying length,
vectorises.
"""

from __future__ import annotations

from agent.risk.elementary import erfcx_nonnegative, exp, exp_split, fma, norm_cdf
from agent.risk.jit import inline_kernel, kernel

_INVERSE_SQRT_2PI = 0.3989422804014327
_INVERSE_SQRT2 = 0.7071067811865476
_SQRT_HALF_PI = 1.2533141373155003
# Jaeckel's small-t threshold 2 * eps**(1/16): the expansion to t**13 is exact to eps below it.
SMALL_T_THRESHOLD: float = 2.0 * 2.220446049250313e-16 ** (1.0 / 16.0)
_SMALL_T_ORDER = 13
_FORWARD_RECURSION_LOWEST_H = -6.0
# Forward recursion loses digits like h**n; down to h = -6 the series' weights t**n/n!
# keep b within ~50 ulp (its vol within an ulp). Below, Miller's recursion starts at order
# _MILLER_REACH / |h| (42 at h = -6), enough for 1e-16.
_MILLER_REACH = 250.0


@kernel
def normalised_intrinsic_call(x: float) -> float:
    """Normalised intrinsic value of a call: max(exp(x/2) - exp(-x/2), 0) = 2 sinh(x/2)+."""
    if x <= 0.0:
        return 0.0
    if x < 1e-3:  # series avoids the cancellation of the exponentials
        square = x * x
        return x * (1.0 + square * (1.0 / 24.0 + square * (1.0 / 1920.0 + square / 322560.0)))
    growth = exp(0.5 * x)
    return growth - 1.0 / growth


@inline_kernel
def _gaussian_factor(h: float, t: float) -> float:
    """exp(-(h**2 + t**2) / 2) / sqrt(2 pi), with h**2 split exactly."""
    square = h * h
    low = fma(h, h, -square)
    return _INVERSE_SQRT_2PI * exp_split(-0.5 * square, -0.5 * (low + t * t))


@inline_kernel
def _odd_series_forward(h: float, t: float, y0: float) -> float:
    """Sum over odd n <= 13 of Y^(n)(h) t**n / n!, by forward recursion (h >= -6)."""
    previous = y0
    current = 1.0 + h * y0  # Y'(h)
    square = t * t
    power = t  # t**n / n! for odd n
    total = current * power
    for order in range(1, _SMALL_T_ORDER):
        previous, current = current, h * current + order * previous
        if order % 2 == 0:
            power *= square / (order * (order + 1))
            total += current * power
    return total


@kernel
def _odd_series_miller(h: float, t: float, y0: float) -> float:
    """Sum over odd n <= 13 of Y^(n)(h) t**n / n!, by Miller's backward recursion (h < -6).

    With w_n = Y^(n) / n!, the recursion reads w_(n-1) = (n+1) w_(n+1) - h w_n (no
    divisions); it runs down from an order where the minimal solution has died out, and
    the result is scaled so that w_0 = Y(h).
    """
    start = max(_SMALL_T_ORDER + 6, int(_MILLER_REACH / -h))
    following = 0.0
    current = 1.0
    for order in range(start, _SMALL_T_ORDER, -1):
        following, current = current, (order + 1) * following - h * current
    # Orders 13 down to 1: accumulate the odd ones by Horner's rule in t**2.
    square = t * t
    total = 0.0
    for order in range(_SMALL_T_ORDER, 0, -1):
        if order % 2 == 1:
            total = total * square + current
        following, current = current, (order + 1) * following - h * current
    return total * t * (y0 / current)


@kernel
def _small_t_miller(h: float, t: float, gaussian: float) -> float:
    """b for t < SMALL_T_THRESHOLD and h < -6: Taylor series of Y(h+t) - Y(h-t) in t, by
    Miller's recursion. ``gaussian`` is ``_gaussian_factor(h, t)``."""
    y0 = _SQRT_HALF_PI * erfcx_nonnegative(-_INVERSE_SQRT2 * h)
    return 2.0 * gaussian * _odd_series_miller(h, t, y0)


@inline_kernel
def _using_norm_cdf(x: float, s: float) -> float:
    """b from its definition; accurate when Phi(h + t) is not small."""
    h = x / s
    t = 0.5 * s
    scale = exp(0.5 * x)
    return max(norm_cdf(h + t) * scale - norm_cdf(h - t) / scale, 0.0)


@inline_kernel
def _erfcx_value(z: float) -> float:
    """erfcx for any z > -26 (for negative z through 2 exp(z**2) - erfcx(-z))."""
    if z >= 0.0:
        return erfcx_nonnegative(z)
    square = z * z
    return 2.0 * exp(square) - erfcx_nonnegative(-z)


@inline_kernel
def _using_erfcx(h: float, t: float, gaussian: float) -> float:
    """b = exp(-(h**2+t**2)/2) / 2 * [erfcx(-(h+t)/sqrt 2) - erfcx(-(h-t)/sqrt 2)]."""
    bracket = _erfcx_value(-_INVERSE_SQRT2 * (h + t)) - _erfcx_value(-_INVERSE_SQRT2 * (h - t))
    return max(_SQRT_HALF_PI * gaussian * bracket, 0.0)


@kernel
def normalised_black_call(x: float, s: float) -> float:
    """Normalised Black call b(x, s) for any x and s >= 0 (see the module docstring)."""
    return normalised_intrinsic_call(x) + out_of_the_money_black_call(-abs(x), s)


@kernel
def out_of_the_money_black_call(x: float, s: float) -> float:
    """b(x, s) for x <= 0 and s >= 0: the time value, to full relative precision."""
    return black_call_and_vega(x, s)[0]


@kernel
def black_call_and_vega(x: float, s: float) -> tuple[float, float]:
    """(b(x, s), db/ds) for x <= 0 and s >= 0, sharing their exponential."""
    b, vega, complete = black_call_and_vega_unless_miller(x, s)
    if not complete:
        b = _small_t_miller(x / s, 0.5 * s, vega)
    return b, vega


@inline_kernel
def black_call_and_vega_unless_miller(x: float, s: float) -> tuple[float, float, bool]:
    """(b, db/ds, complete): ``black_call_and_vega`` except where t is small and h < -6,
    which needs Miller's recursion (a loop of varying length): there ``complete`` is False
    and b is 0. With no loop left, a loop over many (x, s) calling this is vectorised."""
    if s <= 0.0:
        return 0.0, 0.0, True
    h = x / s
    t = 0.5 * s
    vega = _gaussian_factor(h, t)
    if t < SMALL_T_THRESHOLD:
        if h < _FORWARD_RECURSION_LOWEST_H:
            return 0.0, vega, False
        y0 = _SQRT_HALF_PI * erfcx_nonnegative(-_INVERSE_SQRT2 * h)
        return 2.0 * vega * _odd_series_forward(h, t, y0), vega, True
    if h + t > 0.85:
        return _using_norm_cdf(x, s), vega, True
    return _using_erfcx(h, t, vega), vega, True


@kernel
def normalised_vega(x: float, s: float) -> float:
    """db/ds = exp(-(h**2 + t**2)/2) / sqrt(2 pi); 0 when s is 0."""
    if s <= 0.0:
        return 0.0
    return _gaussian_factor(x / s, 0.5 * s)
