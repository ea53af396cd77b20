"""Inverse of the standard normal distribution function (Wichura's AS241, PPND16).

Wichura, "Algorithm AS 241: The percentage points of the normal distribution", Applied
Statistics 37 (1988): rational approximations of degree 7/7 in three regions, relative
accuracy about 1e-16. Used for the implied-volatility initial guesses.

Everything here is inlined into its callers (``inline_kernel``, with ``elementary``'s
exp and log): a loop over many arguments then has no calls left, and LLVM vectorises it,
turning the branches into selects.
"""

from __future__ import annotations

import math

from agent.risk.elementary import exp, log
from agent.risk.jit import inline_kernel

_CENTRAL_NUMERATOR = (
    3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
    1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
    3.3430575583588128105e4, 2.5090809287301226727e3,
)  # fmt: skip
_CENTRAL_DENOMINATOR = (
    1.0, 4.2313330701600911252e1, 6.8718700749205790830e2, 5.3941960214247511077e3,
    2.1213794301586595867e4, 3.9307895800092710610e4, 2.8729085735721942674e4,
    5.2264952788528545610e3,
)  # fmt: skip
_NEAR_NUMERATOR = (
    1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
    3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
    2.27238449892691845833e-2, 7.74545014278341407640e-4,
)  # fmt: skip
_NEAR_DENOMINATOR = (
    1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
    1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)  # fmt: skip
_FAR_NUMERATOR = (
    6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
    2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
    2.71155556874348757815e-5, 2.01033439929228813265e-7,
)  # fmt: skip
_FAR_DENOMINATOR = (
    1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
    7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)  # fmt: skip


_LOG_CENTRAL_LOWER = math.log(0.075)  # below: AS241's tail regions


@inline_kernel
def _polynomial(c: tuple[float, ...], r: float) -> float:
    """c[0] + c[1] r + ... + c[7] r**7 by Horner's rule (inlined: the c fold into the code)."""
    return (
        (((((c[7] * r + c[6]) * r + c[5]) * r + c[4]) * r + c[3]) * r + c[2]) * r + c[1]
    ) * r + c[0]


@inline_kernel
def inverse_norm_cdf(probability: float) -> float:
    """Return z with Phi(z) = probability; -inf at 0, +inf at 1, NaN outside [0, 1]."""
    if not 0.0 <= probability <= 1.0:
        return math.nan
    if probability == 0.0:
        return -math.inf
    if probability == 1.0:
        return math.inf
    centred = probability - 0.5
    if abs(centred) <= 0.425:
        argument = 0.180625 - centred * centred
        return centred * (
            _polynomial(_CENTRAL_NUMERATOR, argument) / _polynomial(_CENTRAL_DENOMINATOR, argument)
        )
    tail = probability if centred < 0.0 else 1.0 - probability
    magnitude = _tail_magnitude(log(tail))
    return -magnitude if centred < 0.0 else magnitude


@inline_kernel
def _tail_magnitude(log_tail: float) -> float:
    """|z| with Phi(-|z|) = exp(log_tail), for tails below 0.075 (AS241's outer regions)."""
    distance = math.sqrt(-log_tail)
    if distance < 5.0:
        r = distance - 1.6
        return _polynomial(_NEAR_NUMERATOR, r) / _polynomial(_NEAR_DENOMINATOR, r)
    r = distance - 5.0
    return _polynomial(_FAR_NUMERATOR, r) / _polynomial(_FAR_DENOMINATOR, r)


@inline_kernel
def inverse_norm_cdf_of_log(log_probability: float) -> float:
    """inverse_norm_cdf(exp(log_probability)) for log_probability <= 0, without the exp
    when the probability is in the lower tail (where AS241 needs its logarithm anyway)."""
    if log_probability < _LOG_CENTRAL_LOWER:
        return -_tail_magnitude(log_probability)
    return inverse_norm_cdf(exp(log_probability))
