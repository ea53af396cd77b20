"""Market paths: where prices and implied vols go, as a function of elapsed time.

Three kinds, all deterministic: keyframes (linear interpolation of price and IV),
GBM with Merton jumps from a seed, and a CSV replay. Elapsed time is in seconds of
chain time since the path's start.
"""

from __future__ import annotations

import bisect
import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from agent.errors import ConfigError


@dataclass(frozen=True, slots=True)
class MarketPoint:
    """Prices (USD per coin) and ATM implied vols (annualised) per underlying."""

    prices: Mapping[str, float]
    implied_vols: Mapping[str, float]


class MarketPath(Protocol):
    @property
    def underlyings(self) -> Sequence[str]: ...

    def at(self, elapsed_s: float) -> MarketPoint: ...


@dataclass(frozen=True, slots=True)
class Keyframe:
    at_s: float
    prices: Mapping[str, float]
    implied_vols: Mapping[str, float] = field(default_factory=dict)


class KeyframePath:
    """Piecewise-linear prices and vols between keyframes; flat after the last one.

    An underlying's IV missing from a keyframe carries the previous keyframe's value.
    """

    def __init__(self, keyframes: Sequence[Keyframe], default_vol: float = 0.6) -> None:
        if not keyframes:
            raise ConfigError("a keyframe path needs at least one keyframe")
        frames = sorted(keyframes, key=lambda frame: frame.at_s)
        self._times = [frame.at_s for frame in frames]
        self._underlyings = sorted(frames[0].prices)
        for index, frame in enumerate(frames):
            missing = set(self._underlyings) - set(frame.prices)
            if missing:
                raise ConfigError(f"keyframe {index} lacks prices for {sorted(missing)}")
        self._prices = [dict(frame.prices) for frame in frames]
        vols: list[dict[str, float]] = []
        previous = {name: default_vol for name in self._underlyings}
        for frame in frames:
            previous = {**previous, **frame.implied_vols}
            vols.append(previous)
        self._vols = vols

    @property
    def underlyings(self) -> Sequence[str]:
        return self._underlyings

    def at(self, elapsed_s: float) -> MarketPoint:
        index = bisect.bisect_right(self._times, elapsed_s)
        if index == 0:
            return MarketPoint(self._prices[0], self._vols[0])
        if index == len(self._times):
            return MarketPoint(self._prices[-1], self._vols[-1])
        start, end = self._times[index - 1], self._times[index]
        weight = (elapsed_s - start) / (end - start)

        def blend(series: list[dict[str, float]]) -> dict[str, float]:
            before, after = series[index - 1], series[index]
            return {k: before[k] + weight * (after[k] - before[k]) for k in self._underlyings}

        return MarketPoint(blend(self._prices), blend(self._vols))


@dataclass(frozen=True, slots=True)
class JumpDiffusion:
    """Merton jump-diffusion parameters for one underlying (annualised)."""

    spot: float
    vol: float
    drift: float = 0.0
    jumps_per_year: float = 0.0
    jump_mean: float = 0.0  # mean of log jump size
    jump_std: float = 0.0
    implied_vol: float | None = None  # quoted IV; defaults to ``vol``


class GbmJumpPath:
    """GBM with Merton jumps, simulated once on a fixed grid from a seed.

    Between grid points the log price is interpolated linearly, so ``at`` is cheap
    and the same seed always gives the same path whatever the caller's step.
    """

    _SECONDS_PER_YEAR = 365.0 * 86_400.0

    def __init__(
        self,
        parameters: Mapping[str, JumpDiffusion],
        *,
        duration_s: float,
        seed: int,
        grid_s: float = 1.0,
    ) -> None:
        if duration_s <= 0 or grid_s <= 0:
            raise ConfigError("GBM path needs a positive duration and grid step")
        self._underlyings = sorted(parameters)
        self._grid_s = grid_s
        steps = math.ceil(duration_s / grid_s)
        dt = grid_s / self._SECONDS_PER_YEAR
        generator = np.random.default_rng(seed)
        self._log_paths: dict[str, np.ndarray] = {}
        self._vols = {
            name: (p.implied_vol if p.implied_vol is not None else p.vol)
            for name, p in parameters.items()
        }
        for name in self._underlyings:
            p = parameters[name]
            compensator = p.jumps_per_year * (math.exp(p.jump_mean + 0.5 * p.jump_std**2) - 1)
            drift = (p.drift - 0.5 * p.vol**2 - compensator) * dt
            diffusion = p.vol * math.sqrt(dt) * generator.standard_normal(steps)
            counts = generator.poisson(p.jumps_per_year * dt, steps)
            jumps = p.jump_mean * counts + p.jump_std * np.sqrt(counts) * generator.standard_normal(
                steps
            )
            increments = drift + diffusion + jumps
            self._log_paths[name] = math.log(p.spot) + np.concatenate(
                ([0.0], np.cumsum(increments))
            )

    @property
    def underlyings(self) -> Sequence[str]:
        return self._underlyings

    def at(self, elapsed_s: float) -> MarketPoint:
        position = max(elapsed_s, 0.0) / self._grid_s
        prices = {}
        for name, log_path in self._log_paths.items():
            index = min(int(position), len(log_path) - 2)
            weight = min(position - index, 1.0)
            log_price = log_path[index] + weight * (log_path[index + 1] - log_path[index])
            prices[name] = float(math.exp(log_price))
        return MarketPoint(prices, dict(self._vols))


def csv_path(path: Path) -> KeyframePath:
    """Replay a CSV with columns ``t_s`` and, per underlying, ``<NAME>`` (price) and
    optionally ``<NAME>_iv``. Rows become keyframes, interpolated linearly."""
    try:
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ConfigError(f"cannot read market CSV: {error}", source=str(path)) from error
    if not rows or "t_s" not in rows[0]:
        raise ConfigError("market CSV needs a header with t_s", source=str(path))
    names = [c for c in rows[0] if c != "t_s" and not c.endswith("_iv")]
    frames = []
    for number, row in enumerate(rows, start=2):
        try:
            frames.append(
                Keyframe(
                    at_s=float(row["t_s"]),
                    prices={name: float(row[name]) for name in names},
                    implied_vols={
                        name: float(row[f"{name}_iv"]) for name in names if row.get(f"{name}_iv")
                    },
                )
            )
        except (TypeError, ValueError) as error:
            raise ConfigError(
                f"bad number: {error}", source=str(path), field=f"line {number}"
            ) from error
    return KeyframePath(frames)
