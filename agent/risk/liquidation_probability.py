"""Probability that a price touches a liquidation level within a horizon.

Closed form: under geometric Brownian motion with annual vol sigma and drift mu, ln(S/S0)
is a Brownian motion with drift nu = mu - sigma**2/2, and the probability of leaving the
band (lower, upper) before T follows from the method of images (a series that converges
like exp(-k**2 w**2 / (2 sigma**2 T)) in the number of images k; w is the log-width of
the band). A single barrier is the band with the other side at 0 or infinity.

Monte Carlo: Merton's jump diffusion (Poisson jumps with normal log sizes, drift
compensated so the expected return is still mu), seeded so a run can be repeated. Between
time steps the diffusion's crossing is caught with the Brownian-bridge probability
exp(-2 a b / (sigma**2 dt)), so the estimate is for continuous monitoring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

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


@dataclass(frozen=True, slots=True)
class JumpDiffusion:
    """Merton jump diffusion: diffusion vol, jumps per year, mean and vol of log jump."""

    vol: float
    jump_intensity: float
    jump_mean: float
    jump_vol: float
    drift: float = 0.0

    def __post_init__(self) -> None:
        require_positive(self.vol, "vol")
        require_non_negative(self.jump_intensity, "jump_intensity")
        require_finite(self.jump_mean, "jump_mean")
        require_non_negative(self.jump_vol, "jump_vol")
        require_finite(self.drift, "drift")


def _log_drift(model: JumpDiffusion) -> float:
    """Drift of ln S with the jumps compensated, so the expected return is ``drift``."""
    compensation = model.jump_intensity * (
        math.exp(model.jump_mean + 0.5 * model.jump_vol**2) - 1.0
    )
    return model.drift - compensation - 0.5 * model.vol**2


@dataclass(frozen=True, slots=True)
class MonteCarloEstimate:
    """A probability and its standard error."""

    probability: float
    standard_error: float


@kernel
def _simulate(
    log_lower: float,
    log_upper: float,
    log_drift: float,
    vol: float,
    intensity: float,
    jump_mean: float,
    jump_vol: float,
    years: float,
    paths: int,
    steps: int,
    seed: int,
) -> int:
    """Number of paths that touch a barrier (continuous monitoring of the diffusion)."""
    np.random.seed(seed)
    dt = years / steps
    deviation = vol * math.sqrt(dt)
    variance = vol * vol * dt
    touched = 0
    for _ in range(paths):
        position = 0.0
        for _ in range(steps):
            following = position + log_drift * dt + deviation * np.random.standard_normal()
            crossing = 0.0
            if log_lower > -math.inf:
                crossing = math.exp(
                    -2.0
                    * max(position - log_lower, 0.0)
                    * max(following - log_lower, 0.0)
                    / variance
                )
            if log_upper < math.inf:
                up = math.exp(
                    -2.0
                    * max(log_upper - position, 0.0)
                    * max(log_upper - following, 0.0)
                    / variance
                )
                crossing = crossing + up - crossing * up
            for _ in range(np.random.poisson(intensity * dt)):
                following += jump_mean + jump_vol * np.random.standard_normal()
            position = following
            if np.random.random() < crossing or not log_lower < position < log_upper:
                touched += 1
                break
    return touched


def jump_diffusion_probability(
    spot: float,
    years: float,
    model: JumpDiffusion,
    *,
    lower: float | None = None,
    upper: float | None = None,
    paths: int = 100_000,
    steps: int = 100,
    seed: int = 0,
) -> MonteCarloEstimate:
    """Probability of touching ``lower`` or ``upper`` within ``years`` under ``model``.

    Deterministic for a given ``seed``. Jumps can cross a barrier between steps; they are
    caught at the end of the step, so the estimate is slightly low for very few steps.
    """
    require_positive(spot, "spot")
    require_positive(years, "years")
    if paths < 1 or steps < 1:
        raise RiskInputError("paths and steps must be at least 1", field="paths")
    if (lower is not None and lower >= spot) or (upper is not None and upper <= spot):
        return MonteCarloEstimate(1.0, 0.0)
    log_drift = _log_drift(model)
    touched = _simulate(
        -math.inf if not lower else math.log(lower / spot),
        math.inf if upper is None else math.log(upper / spot),
        log_drift,
        model.vol,
        model.jump_intensity,
        model.jump_mean,
        model.jump_vol,
        years,
        paths,
        steps,
        seed,
    )
    probability = touched / paths
    return MonteCarloEstimate(probability, math.sqrt(probability * (1.0 - probability) / paths))


@kernel
def _extremes(
    log_drift: float,
    vol: float,
    intensity: float,
    jump_mean: float,
    jump_vol: float,
    years: float,
    paths: int,
    steps: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each path's lowest and highest log price over the horizon.

    Between steps the diffusion's extreme is drawn from the Brownian bridge's exact law
    (minimum: (a + b - sqrt((b - a)**2 - 2 sigma**2 dt ln U)) / 2), so monitoring is
    continuous; a jump lands at the end of its step and counts from there.
    """
    np.random.seed(seed)
    dt = years / steps
    deviation = vol * math.sqrt(dt)
    variance = vol * vol * dt
    lowest = np.empty(paths)
    highest = np.empty(paths)
    for path in range(paths):
        position = 0.0
        low = 0.0
        high = 0.0
        for _ in range(steps):
            following = position + log_drift * dt + deviation * np.random.standard_normal()
            gap = (following - position) ** 2
            low = min(
                low,
                0.5
                * (
                    position
                    + following
                    - math.sqrt(gap - 2.0 * variance * math.log(np.random.random()))
                ),
            )
            high = max(
                high,
                0.5
                * (
                    position
                    + following
                    + math.sqrt(gap - 2.0 * variance * math.log(np.random.random()))
                ),
            )
            for _ in range(np.random.poisson(intensity * dt)):
                following += jump_mean + jump_vol * np.random.standard_normal()
            low = min(low, following)
            high = max(high, following)
            position = following
        lowest[path] = low
        highest[path] = high
    return lowest, highest


@dataclass(frozen=True, slots=True)
class PathExtremes:
    """Simulated lowest and highest log returns (ln S/S0) of each path over a horizon,
    sorted: probabilities of touching any level, and levels for any probability, from
    one simulation."""

    lowest: np.ndarray
    highest: np.ndarray

    def probability(self, *, lower: float | None = None, upper: float | None = None) -> float:
        """P(touch ``lower`` or ``upper``), levels as multiples of spot (1 = spot); one
        side at a time (both: the larger, a lower bound)."""
        result = 0.0
        count = self.lowest.shape[0]
        if lower is not None:
            if lower >= 1.0:
                return 1.0
            level = -math.inf if lower <= 0 else math.log(lower)
            result = max(result, np.searchsorted(self.lowest, level, side="right") / count)
        if upper is not None:
            if upper <= 1.0:
                return 1.0
            touched = count - np.searchsorted(self.highest, math.log(upper), side="left")
            result = max(result, touched / count)
        return float(result)

    def log_distance(self, probability: float, *, down: bool) -> float:
        """The smallest log-distance L whose touching probability is at most
        ``probability`` (down: to e^-L, up: to e^L)."""
        count = self.lowest.shape[0]
        allowed = math.floor(probability * count)  # paths that may touch
        if allowed >= count:
            return 0.0
        edge = float(-self.lowest[allowed] if down else self.highest[count - 1 - allowed])
        return max(edge, 0.0) * (1.0 + 1e-12) + 1e-15  # just past the (allowed+1)-th path


def jump_diffusion_extremes(
    years: float, model: JumpDiffusion, *, paths: int = 100_000, steps: int = 100, seed: int = 0
) -> PathExtremes:
    """Simulate ``model`` over ``years`` once (seeded): every path's extremes, sorted."""
    require_positive(years, "years")
    if paths < 1 or steps < 1:
        raise RiskInputError("paths and steps must be at least 1", field="paths")
    log_drift = _log_drift(model)
    lowest, highest = _extremes(
        log_drift,
        model.vol,
        model.jump_intensity,
        model.jump_mean,
        model.jump_vol,
        years,
        paths,
        steps,
        seed,
    )
    return PathExtremes(np.sort(lowest), np.sort(highest))
