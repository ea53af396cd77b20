"""Realized vol per underlying, carried from tick to tick (no I/O, time passed in).

The vol-aware health policy uses the larger of each underlying's implied vol (the
book's) and this realized one (``agent.risk.realized_vol.ewma_variance_step``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

from agent.risk.realized_vol import ewma_variance_step

SECONDS_PER_YEAR = 365 * 86_400


class RealizedVols:
    """Time-weighted EWMA vol of each underlying's spot, updated once per tick."""

    def __init__(self, half_life_s: float) -> None:
        self.half_life_years = half_life_s / SECONDS_PER_YEAR
        self._last: dict[str, tuple[datetime, float]] = {}
        self._variance: dict[str, float] = {}

    def observe(self, now: datetime, spots: Mapping[str, float]) -> None:
        """Record each underlying's spot (USD) at ``now``; a price that has not moved
        in time (the same instant twice) is ignored."""
        for underlying, spot in spots.items():
            if not (math.isfinite(spot) and spot > 0):
                continue
            last = self._last.get(underlying)
            if last is not None:
                elapsed = (now - last[0]).total_seconds() / SECONDS_PER_YEAR
                if elapsed <= 0:
                    continue
                self._variance[underlying] = ewma_variance_step(
                    self._variance.get(underlying),
                    math.log(spot / last[1]),
                    elapsed,
                    self.half_life_years,
                )
            self._last[underlying] = (now, spot)

    def vol(self, underlying: str) -> float | None:
        """Annualised realized vol, None before two observations."""
        variance = self._variance.get(underlying)
        return None if variance is None else math.sqrt(variance)

    def combined(self, underlying: str, implied: float | None) -> float | None:
        """The larger of ``implied`` and the realized vol (None when neither is known)."""
        known = [v for v in (implied, self.vol(underlying)) if v is not None and v > 0]
        return max(known) if known else None
