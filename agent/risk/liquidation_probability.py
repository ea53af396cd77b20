"""Probability that a price touches a liquidation level within a horizon, closed form.

Under geometric Brownian motion with annual vol sigma and drift mu, ln(S/S0) is a
Brownian motion with drift nu = mu - sigma**2/2, and the probability of leaving the band
(lower, upper) before T follows from the method of images (a series that converges like
exp(-k**2 w**2 / (2 sigma**2 T)) in the number of images k; w is the log-width of the
band). A single barrier is the band with the other side at 0 or infinity. The same
probability under jumps, by Monte Carlo: ``agent.risk.jump_diffusion``.
"""

from __future__ import annotations

import math

from agent.risk.jit import inline_kernel, kernel
from agent.risk.validation import (
    RiskInputError,
    require_finite,
    require_non_negative,
    require_positive,
)

_MAXIMUM_IMAGES = 200
_MOST_LOG_DISTANCE = 700.0  # e^700 and e^-700 are finite and positive doubles


def _phi(value: float) -> float:
    return 0.5 * math.erfc(-value / math.sqrt(2.0))


def _survival(lower: float, upper: float, drift: float, vol: float, years: float) -> float:
    """P(l < X_t < u for all t <= T), X a Brownian motion with drift from 0; l < 0 < u."""
    deviation = vol * math.sqrt(years)
    mean = drift * years
    if math.isinf(lower) and math.isinf(upper):
        return 1.0
    if math.isinf(lower) or math.isinf(upper):  # one barrier: mirror to an upper one
        barrier, nu = (upper, drift) if math.isinf(lower) else (-lower, -drift)
        first = _phi((barrier - nu * years) / deviation)
        reflected = math.exp(2.0 * nu * barrier / vol**2) * _phi(
            (-barrier - nu * years) / deviation
        )
        return max(first - reflected, 0.0)
    width = upper - lower
    total = 0.0
    for images in range(_MAXIMUM_IMAGES + 1):
        term = 0.0
        for k in (images, -images) if images else (0,):
            shift = 2.0 * k * width
            direct = _phi((upper - shift - mean) / deviation) - _phi(
                (lower - shift - mean) / deviation
            )
            mirror = 2.0 * upper + shift
            reflected = _phi((upper - mirror - mean) / deviation) - _phi(
                (lower - mirror - mean) / deviation
            )
            term += (
                math.exp(drift * shift / vol**2) * direct
                - math.exp(drift * mirror / vol**2) * reflected
            )
        total += term
        if images > 0 and abs(term) < 1e-17:
            break
    return min(max(total, 0.0), 1.0)


def first_passage_probability(
    spot: float,
    years: float,
    vol: float,
    *,
    lower: float | None = None,
    upper: float | None = None,
    drift: float = 0.0,
) -> float:
    """Probability that a GBM from ``spot`` touches ``lower`` or ``upper`` within ``years``.

    Prices in USD (None: no barrier on that side), ``vol`` and ``drift`` annual. A level
    at or beyond spot on its side has been touched already: probability 1.
    """
    require_positive(spot, "spot")
    require_non_negative(years, "years")
    require_positive(vol, "vol")
    require_finite(drift, "drift")
    if lower is not None and require_non_negative(lower, "lower") >= spot:
        return 1.0
    if upper is not None and require_positive(upper, "upper") <= spot:
        return 1.0
    if years == 0.0:
        return 0.0
    low = -math.inf if not lower else math.log(lower / spot)
    high = math.inf if upper is None else math.log(upper / spot)
    return 1.0 - _survival(low, high, drift - 0.5 * vol * vol, vol, years)


@inline_kernel
def _log_distance_passage(
    distance: float,
    down: bool,
    years: float,
    vol_squared: float,
    deviation: float,
    drift: float,
) -> float:
    """``first_passage_probability(1.0, years, vol, lower=e^-L)`` (down) or
    ``upper=e^L`` (up), 1 for L <= 0, operation for operation as that function and its
    one-barrier ``_survival`` compute it, so every float is theirs (the same libm
    ``exp``, ``log`` and ``erfc``; no fastmath). ``vol_squared``, ``deviation`` and
    ``drift`` come from the caller, computed as those functions compute them."""
    if distance <= 0:
        return 1.0
    barrier = math.exp(-distance if down else distance)
    if (barrier >= 1.0) if down else (barrier <= 1.0):
        return 1.0
    if years == 0.0:
        return 0.0
    level = math.log(barrier / 1.0)
    reach, nu = (-level, -drift) if down else (level, drift)
    first = 0.5 * math.erfc(-((reach - nu * years) / deviation) / math.sqrt(2.0))
    reflected = math.exp(2.0 * nu * reach / vol_squared) * (
        0.5 * math.erfc(-((-reach - nu * years) / deviation) / math.sqrt(2.0))
    )
    survival = first - reflected
    if survival < 0.0:  # max(survival, 0.0), keeping a NaN as Python's max keeps it
        survival = 0.0
    return 1.0 - survival


@kernel
def _bisect_log_distance(
    probability: float,
    most: float,
    bisections: int,
    down: bool,
    years: float,
    vol_squared: float,
    deviation: float,
    drift: float,
) -> float:
    low = 0.0
    found = most
    for _ in range(bisections):
        middle = 0.5 * (low + found)
        if _log_distance_passage(middle, down, years, vol_squared, deviation, drift) > probability:
            low = middle
        else:
            found = middle
    return found


def passage_probability(
    log_distance: float,
    years: float,
    vol: float,
    *,
    down: bool,
    terms: tuple[float, float, float] | None = None,
) -> float:
    """``first_passage_probability(1.0, years, vol, lower=e^-L)`` (down) or ``upper=e^L``
    (up), 1 for L <= 0, float for float: one compiled call (``_log_distance_passage``)
    for L up to 700, any other L (NaN, beyond) through that function itself. ``terms``
    are ``passage_terms(years, vol)`` when the caller has them."""
    if 0.0 < log_distance <= _MOST_LOG_DISTANCE:
        if terms is None:
            terms = _gbm_terms(years, vol)
        return float(_log_distance_passage(log_distance, down, years, *terms))
    if log_distance <= 0:
        return 1.0
    barrier = math.exp(-log_distance if down else log_distance)
    lower, upper = (barrier, None) if down else (None, barrier)
    return first_passage_probability(1.0, years, vol, lower=lower, upper=upper)


def passage_terms(years: float, vol: float) -> tuple[float, float, float]:
    """What ``passage_probability`` computes of ``years`` and ``vol`` alone, checked as
    ``first_passage_probability`` checks them (``RiskInputError``): once per vol."""
    return _gbm_terms(years, vol)


def _gbm_terms(years: float, vol: float) -> tuple[float, float, float]:
    """``vol**2``, the deviation and the log drift exactly as ``first_passage_probability``
    and ``_survival`` compute them (driftless in price), after the same checks."""
    require_non_negative(years, "years")
    require_positive(vol, "vol")
    return vol**2, vol * math.sqrt(years), 0.0 - 0.5 * vol * vol


def passage_log_distance(
    probability: float, years: float, vol: float, *, down: bool, most: float, bisections: int
) -> float:
    """The log-distance L at which a GBM from 1, driftless in price, touches e^-L (down)
    or e^L (up) within ``years`` with ``probability``: ``bisections`` halvings of
    [0, ``most``] on ``_log_distance_passage``'s probability (it falls with L), the
    upper end of the last interval; one compiled loop instead of ``bisections`` Python
    calls. ``most`` is at most 700, so e^-L and e^L stay finite and positive."""
    if not 0.0 < most <= _MOST_LOG_DISTANCE:
        raise RiskInputError(f"must be in (0, 700], got {most!r}", field="most")
    terms = _gbm_terms(years, vol)
    return float(_bisect_log_distance(probability, most, bisections, down, years, *terms))
