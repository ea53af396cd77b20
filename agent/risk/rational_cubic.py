"""Shape-preserving rational cubic interpolation, for implied-volatility initial guesses.

Delbourgo and Gregory, "Shape preserving piecewise rational interpolation" (SIAM J. Sci.
Stat. Comput., 1985), as used by Jaeckel's "Let's Be Rational": on [x_l, x_r] with values
y_l, y_r and slopes d_l, d_r, the interpolant is

    (y_r t^3 + (r y_r - h d_r) t^2 (1-t) + (r y_l + h d_l) t (1-t)^2 + y_l (1-t)^3)
    / (1 + (r - 3) t (1-t)),        h = x_r - x_l, t = (x - x_l) / h,

which is the cubic Hermite interpolant for r = 3 and tends to the straight line as r grows.
The control parameter r is chosen to match a second derivative at one end, but never below
the value that keeps the interpolant monotonic and convex (or concave) where the data are.

Everything here is inlined into its callers (``inline_kernel``), so that a loop computing
many guesses has no calls left and LLVM vectorises it (branches become selects).
"""

from __future__ import annotations

from agent.risk.jit import inline_kernel

_DOUBLE_EPSILON = 2.220446049250313e-16
_SMALLEST_NORMAL = 2.2250738585072014e-308
_LARGEST = 1.7976931348623157e308
MINIMUM_CONTROL: float = -(1.0 - _DOUBLE_EPSILON**0.5)
MAXIMUM_CONTROL: float = 2.0 / (_DOUBLE_EPSILON * _DOUBLE_EPSILON)


@inline_kernel
def _is_zero(value: float) -> bool:
    return abs(value) < _SMALLEST_NORMAL


@inline_kernel
def interpolate(
    x: float, x_l: float, x_r: float, y_l: float, y_r: float, d_l: float, d_r: float, r: float
) -> float:
    """Value at x of the rational cubic through (x_l, y_l), (x_r, y_r) with slopes d_l, d_r."""
    h = x_r - x_l
    if abs(h) <= 0.0:
        return 0.5 * (y_l + y_r)
    t = (x - x_l) / h
    if r >= MAXIMUM_CONTROL:  # the straight line, without overflow
        return y_r * t + y_l * (1.0 - t)
    complement = 1.0 - t
    t2 = t * t
    complement2 = complement * complement
    numerator = (
        y_r * t2 * t
        + (r * y_r - h * d_r) * t2 * complement
        + (r * y_l + h * d_l) * t * complement2
        + y_l * complement2 * complement
    )
    return numerator / (1.0 + (r - 3.0) * t * complement)


@inline_kernel
def _shape_preserving_minimum(d_l: float, d_r: float, slope: float, prefer_shape: bool) -> float:
    """Smallest control parameter keeping the interpolant monotonic and convex/concave."""
    monotonic = d_l * slope >= 0.0 and d_r * slope >= 0.0
    convex = d_l <= slope <= d_r
    concave = d_l >= slope >= d_r
    if not monotonic and not convex and not concave:
        return MINIMUM_CONTROL
    for_monotonicity = -_LARGEST
    for_convexity = -_LARGEST
    if monotonic:
        if not _is_zero(slope):
            for_monotonicity = (d_r + d_l) / slope
        elif prefer_shape:
            for_monotonicity = MAXIMUM_CONTROL
    if convex or concave:
        left_gap = slope - d_l
        right_gap = d_r - slope
        if not (_is_zero(left_gap) or _is_zero(right_gap)):
            spread = d_r - d_l
            for_convexity = max(abs(spread / right_gap), abs(spread / left_gap))
        elif prefer_shape:
            for_convexity = MAXIMUM_CONTROL
    elif monotonic and prefer_shape:
        for_convexity = MAXIMUM_CONTROL
    return max(MINIMUM_CONTROL, max(for_monotonicity, for_convexity))


@inline_kernel
def _control_from_ratio(numerator: float, denominator: float) -> float:
    if _is_zero(numerator):
        return 0.0
    if _is_zero(denominator):
        return MAXIMUM_CONTROL if numerator > 0.0 else MINIMUM_CONTROL
    return numerator / denominator


@inline_kernel
def control_fitting_left_curvature(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_derivative_l: float,
    prefer_shape: bool,
) -> float:
    """Control parameter matching the second derivative at x_l, kept shape-preserving."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    fitted = _control_from_ratio(0.5 * h * second_derivative_l + (d_r - d_l), slope - d_l)
    return max(fitted, _shape_preserving_minimum(d_l, d_r, slope, prefer_shape))


@inline_kernel
def control_fitting_right_curvature(
    x_l: float,
    x_r: float,
    y_l: float,
    y_r: float,
    d_l: float,
    d_r: float,
    second_derivative_r: float,
    prefer_shape: bool,
) -> float:
    """Control parameter matching the second derivative at x_r, kept shape-preserving."""
    h = x_r - x_l
    slope = (y_r - y_l) / h
    fitted = _control_from_ratio(0.5 * h * second_derivative_r + (d_r - d_l), d_r - slope)
    return max(fitted, _shape_preserving_minimum(d_l, d_r, slope, prefer_shape))
