"""Initial guesses for implied volatility (Jaeckel's "Let's Be Rational", section 4).

On each of the four price segments a shape-preserving rational cubic interpolates a
transformed price whose limit is exact: in the lowest segment the lower map
f = 2pi/sqrt(27) |x| Phi(-|x|/(sqrt3 s))**3 (exact as beta -> 0), in the highest the
upper map f = Phi(-s/2) (exact as beta -> b_max), in the middle ones s itself. Each
guess is accurate to a few digits; ``implied_vol`` refines it.

The lowest segment holds most options quoted far out of the money, so ``lowest_guess`` is
inlined (``inline_kernel``, with ``elementary``'s functions) and ``implied_vol`` computes
it in a loop of its own, which LLVM vectorises; the other guesses are scalar kernels.
"""

from __future__ import annotations

import math

from agent.risk.elementary import exp, log, norm_cdf, norm_cdf_and_pdf
from agent.risk.inverse_normal import inverse_norm_cdf, inverse_norm_cdf_of_log
from agent.risk.jit import inline_kernel, kernel
from agent.risk.rational_cubic import (
    control_fitting_left_curvature,
    control_fitting_right_curvature,
    interpolate,
)

_LARGEST = 1.7976931348623157e308
_TWO_PI = 6.283185307179586
_SQRT_THREE = 1.7320508075688772
_SQRT_HALF_PI = 1.2533141373155003
_LOWER_MAP_SCALE = 1.2091995761561452  # 2 pi / sqrt(27)


@inline_kernel
def _lower_map(x: float, s: float) -> tuple[float, float, float]:
    """f(s) = 2pi/sqrt(27) |x| Phi(-|x|/(sqrt3 s))^3 and df/dbeta, d2f/dbeta2 at s."""
    z = abs(x) / (_SQRT_THREE * s)
    y = z * z
    tail, density = norm_cdf_and_pdf(-z)
    square = s * s
    growth = exp(y + 0.125 * square)
    value = _LOWER_MAP_SCALE * abs(x) * tail * tail * tail
    first = _TWO_PI * y * tail * tail * growth
    ratio = tail / density
    bracket = 2.0 * z + ratio * (0.25 * square - 2.0 - 2.0 * y)
    second = (
        2.0 * math.pi * y * tail * growth * growth * bracket / s
    )  # growth**2 = exp(2y + s**2/4)
    return value, first, second


@inline_kernel
def _inverse_lower_map(x: float, f: float) -> float:
    if f <= 0.0:
        return 0.0
    # The cube root of f / (scale |x|) is a probability; invert it from its logarithm.
    quantile = inverse_norm_cdf_of_log(log(f / (_LOWER_MAP_SCALE * abs(x))) / 3.0)
    return abs(x / (_SQRT_THREE * quantile))


@kernel
def _upper_map(x: float, s: float) -> tuple[float, float, float]:
    """f(s) = Phi(-s/2) and df/dbeta, d2f/dbeta2 at s."""
    w = (x / s) ** 2
    first = -0.5 * exp(0.5 * w)
    second = _SQRT_HALF_PI * exp(w + 0.125 * s * s) * w / s
    return norm_cdf(-0.5 * s), first, second


@inline_kernel
def lowest_guess(x: float, beta: float, s_l: float, b_l: float) -> float:
    f_l, slope_l, curvature_l = _lower_map(x, s_l)
    control = control_fitting_right_curvature(0.0, b_l, 0.0, f_l, 1.0, slope_l, curvature_l, True)
    f = interpolate(beta, 0.0, b_l, 0.0, f_l, 1.0, slope_l, control)
    if not f > 0.0:  # round-off for extreme |x|: quadratic through f(0)=0, f'(0)=1, f(b_l)
        fraction = beta / b_l
        f = (f_l * fraction + b_l * (1.0 - fraction)) * fraction
    return _inverse_lower_map(x, f)


@kernel
def highest_guess(x: float, beta: float, s_h: float, b_h: float, b_max: float) -> float:
    f_h, slope_h, curvature_h = _upper_map(x, s_h)
    f = -1.0
    if curvature_h > -_LARGEST:
        control = control_fitting_left_curvature(
            b_h, b_max, f_h, 0.0, slope_h, -0.5, curvature_h, True
        )
        f = interpolate(beta, b_h, b_max, f_h, 0.0, slope_h, -0.5, control)
    if f <= 0.0:  # quadratic through f(b_h), f(b_max)=0, f'(b_max)=-1/2
        width = b_max - b_h
        fraction = (beta - b_h) / width
        f = (f_h * (1.0 - fraction) + 0.5 * width * fraction) * (1.0 - fraction)
    return -2.0 * inverse_norm_cdf(f)


@kernel
def middle_guess(
    beta: float,
    b_a: float,
    b_b: float,
    s_a: float,
    s_b: float,
    v_a: float,
    v_b: float,
    fit_left: bool,
) -> float:
    if fit_left:
        control = control_fitting_left_curvature(
            b_a, b_b, s_a, s_b, 1.0 / v_a, 1.0 / v_b, 0.0, False
        )
    else:
        control = control_fitting_right_curvature(
            b_a, b_b, s_a, s_b, 1.0 / v_a, 1.0 / v_b, 0.0, False
        )
    return interpolate(beta, b_a, b_b, s_a, s_b, 1.0 / v_a, 1.0 / v_b, control)
