"""The probabilities ``agent.policy.steering`` steers by: an account's probability of
liquidation within the horizon, and the moves every account of one vol and direction
acts at and restores to, each solved once per tick (see that module's docstring)."""

from __future__ import annotations

import math
from typing import NamedTuple

from agent.config.models import HealthSettings
from agent.policy.settings import SECONDS_PER_YEAR
from agent.risk.jump_diffusion import JumpDiffusion, PathExtremes, jump_diffusion_extremes
from agent.risk.liquidation_probability import (
    passage_log_distance,
    passage_probability,
    passage_terms,
)

_BISECTIONS = 48
_MOST_LOG_DISTANCE = 12.0  # e^-12: a fall of 99.9994%; beyond it nothing is reachable


class Moves(NamedTuple):
    """Relative moves of an account's underlyings (-0.02: a 2% fall): see ``moves``."""

    at_ceiling: float
    at_target: float
    adverse: float | None


class ProbabilityModel:
    """P(first passage within the horizon) and the distance for a probability, cached
    per (vol, direction, probability) for one tick, and the moves ``steer`` derives from
    them (``moves``). The jump-diffusion variant simulates each vol's paths once
    (seeded) and reads both from their extremes."""

    def __init__(self, settings: HealthSettings) -> None:
        self.settings = settings
        self.years = settings.liquidation_horizon_s / SECONDS_PER_YEAR
        self._distances: dict[tuple[float, bool, float], float] = {}
        self._paths: dict[float, PathExtremes] = {}
        self._moves: dict[tuple[float, bool, float, float, float], Moves] = {}
        self._terms: dict[float, tuple[float, float, float]] = {}

    def moves(self, vol: float, *, down: bool, settings: HealthSettings) -> Moves:
        """The relative moves every account of this vol and direction steers by: where
        its liquidation lies at the ceiling's and the target's probability, and the
        adverse ``projection_sigmas`` move over the horizon (None when not projected).
        Once per (vol, direction) a tick, not once an account."""
        ceiling, aimed = (
            settings.max_liquidation_probability,
            settings.target_liquidation_probability,
        )
        sigmas = settings.projection_sigmas
        key = (vol, down, ceiling, aimed, sigmas)
        found = self._moves.get(key)
        if found is None:
            sign = -1.0 if down else 1.0
            at_ceiling = math.expm1(sign * self.log_distance(ceiling, vol, down=down))
            at_target = math.expm1(sign * self.log_distance(aimed, vol, down=down))
            adverse = (
                math.expm1(sign * sigmas * vol * math.sqrt(self.years)) if sigmas > 0 else None
            )
            found = self._moves[key] = Moves(at_ceiling, at_target, adverse)
        return found

    def _extremes(self, vol: float) -> PathExtremes:
        if vol not in self._paths:
            jumps = self.settings.jumps
            model = JumpDiffusion(
                vol, jumps.intensity_per_year, jumps.mean_log_jump, jumps.std_log_jump
            )
            self._paths[vol] = jump_diffusion_extremes(
                self.years, model, paths=jumps.paths, steps=jumps.steps
            )
        return self._paths[vol]

    def probability(self, log_distance: float, vol: float, *, down: bool) -> float:
        """P(touch spot * e^-L (down) or e^L (up) within the horizon)."""
        if log_distance <= 0:
            return 1.0
        if self.settings.probability_model == "jump_diffusion":
            barrier = math.exp(-log_distance if down else log_distance)
            lower, upper = (barrier, None) if down else (None, barrier)
            return self._extremes(vol).probability(lower=lower, upper=upper)
        # first_passage_probability from 1 to e^-L or e^L, in one compiled call
        terms = self._terms.get(vol)
        if terms is None:
            terms = self._terms[vol] = passage_terms(self.years, vol)
        return passage_probability(log_distance, self.years, vol, down=down, terms=terms)

    def log_distance(self, probability: float, vol: float, *, down: bool) -> float:
        """The log-distance L at which the passage probability is ``probability``."""
        key = (vol, down, probability)
        if key in self._distances:
            return self._distances[key]
        if self.settings.probability_model == "jump_diffusion":
            found = self._extremes(vol).log_distance(probability, down=down)
        else:  # the bisection on ``probability``, in one compiled loop
            found = passage_log_distance(
                probability, self.years, vol, down=down, most=_MOST_LOG_DISTANCE,
                bisections=_BISECTIONS,
            )  # fmt: skip
        self._distances[key] = found
        return found
