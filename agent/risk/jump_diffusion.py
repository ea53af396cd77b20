"""Probability that a price touches a liquidation level within a horizon, with jumps.

Monte Carlo: Merton's jump diffusion (Poisson jumps with normal log sizes, drift
compensated so the expected return is still mu), seeded so a run can be repeated. Between
time steps the diffusion's crossing is caught with the Brownian-bridge probability
exp(-2 a b / (sigma**2 dt)), so the estimate is for continuous monitoring. Without jumps:
the closed form of ``agent.risk.liquidation_probability``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agent.risk.jit import kernel
from agent.risk.validation import (
    RiskInputError,
    require_finite,
    require_non_negative,
    require_positive,
)


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
