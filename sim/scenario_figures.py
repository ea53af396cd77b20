"""The figures report.json gives over a scenario's samples (``sim.scenario_report``),
and the rounding every number of it goes through: USD to cents, coin and ratios to 1e-6,
probabilities to four significant digits, no "-0.0".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from agent.policy.steering import Steering
from agent.risk.venue_failure import VenueFailure
from sim.scenario_record import Sample


def usd(value: float | None) -> float | None:
    return _round(value, 2)


def fine(value: float | None) -> float | None:
    return _round(value, 6)


def _round(value: float | None, digits: int) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    rounded = round(value, digits)
    return 0.0 if rounded == 0 else rounded  # no "-0.0"


def delta_figures(samples: Sequence[Sample], underlying: str) -> dict[str, Any]:
    """Deviation from target (coin) and time outside the band (% of ticks, before and
    after the tick's actions)."""
    rows = [s for s in samples if underlying in s.delta]
    if not rows:
        return {}
    deviations = [abs(s.delta[underlying] - s.target[underlying]) for s in rows]
    after = [abs(s.delta_after[underlying] - s.target[underlying]) for s in rows]
    bands = [s.band.get(underlying, math.inf) for s in rows]
    outside = sum(d > b for d, b in zip(deviations, bands, strict=True))
    outside_after = sum(d > b for d, b in zip(after, bands, strict=True))
    return {
        "target_coin": fine(rows[0].target[underlying]),
        "max_abs_delta_deviation": fine(max(deviations)),
        "mean_abs_delta_deviation": fine(math.fsum(deviations) / len(rows)),
        "time_outside_band_pct": _round(100.0 * outside / len(rows), 2),
        "time_outside_band_after_actions_pct": _round(100.0 * outside_after / len(rows), 2),
    }


def health_min(samples: Sequence[Sample]) -> dict[str, float | None]:
    lowest: dict[str, float] = {}
    for sample in samples:
        for venue, ratio in sample.health.items():
            lowest[venue] = min(lowest.get(venue, math.inf), ratio)
    return {venue: fine(value) for venue, value in sorted(lowest.items())}


def chance(value: float | None) -> float | None:
    """A probability to four significant digits (tiny ones stay visible)."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.4g}")


def steering_row(steering: Steering) -> dict[str, Any]:
    return {
        "health": fine(steering.health),
        "liquidation_probability": chance(steering.probability),
        "trigger": fine(steering.trigger),
        "target": fine(steering.target),
        "vol": fine(steering.vol),
        "projected_health": fine(steering.projected_health),
        "cause": steering.cause or None,
        # the doubted feeds this account is steered on the venues' prices for (or None)
        "market_priced": list(steering.market_priced) or None,
    }


def steering_extremes(samples: Sequence[Sample]) -> dict[str, Any]:
    """Per account: the highest probability of liquidation seen (and when), the
    highest trigger and target the vol-aware health steered to, and the lowest projected
    health (after the adverse projection move; None: never projected)."""
    found: dict[str, dict[str, Any]] = {}
    for sample in samples:
        for account, steering in sample.steering.items():
            row = found.setdefault(
                account,
                {"max_probability": -1.0, "max_trigger": 0.0, "max_target": 0.0,
                 "min_projected": math.inf},
            )  # fmt: skip
            if steering.probability > row["max_probability"]:
                row.update(max_probability=steering.probability, at_s=sample.time_s)
            row["max_trigger"] = max(row["max_trigger"], steering.trigger)
            row["max_target"] = max(row["max_target"], steering.target)
            if steering.projected_health is not None:
                row["min_projected"] = min(row["min_projected"], steering.projected_health)
    return {
        account: {
            "max_liquidation_probability": chance(row["max_probability"]),
            "max_liquidation_probability_at_s": row["at_s"],
            "max_trigger": fine(row["max_trigger"]),
            "max_target": fine(row["max_target"]),
            "min_projected_health": fine(row["min_projected"]),
        }
        for account, row in sorted(found.items())
    }


def venue_failure(samples: Sequence[Sample]) -> dict[str, Any]:
    """Per venue: the most the book would have lost had it failed, when, and the net
    delta its failure would have left."""
    worst: dict[str, tuple[int, VenueFailure]] = {}
    for sample in samples:
        for venue, row in sample.venue_failure.items():
            if venue not in worst or row.loss_usd > worst[venue][1].loss_usd:
                worst[venue] = (sample.time_s, row)
    return {
        venue: {
            "max_loss_usd": usd(row.loss_usd),
            "time_s": time_s,
            "net_delta_after": {u: fine(d) for u, d in sorted(row.delta_after.items())},
        }
        for venue, (time_s, row) in sorted(worst.items())
    }


def nearest_liquidation(samples: Sequence[Sample]) -> dict[str, Any]:
    """Per underlying, the smallest move down to a liquidation seen, when and where."""
    nearest: dict[str, Any] = {}
    for sample in samples:
        for underlying, distance in sample.liquidation_distance.items():
            known = nearest.get(underlying)
            if known is None or distance["down"] < known["down"]:
                nearest[underlying] = {**distance, "time_s": sample.time_s}
    return {
        u: {"down": fine(d["down"]), "venue": d["venue"], "time_s": d["time_s"]}
        for u, d in sorted(nearest.items())
    }
