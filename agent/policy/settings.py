"""The rules the policies apply: the configured book rules plus a few policy parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from agent.config.models import AlertSettings, Config, HealthSettings, UnderlyingSettings

SECONDS_PER_YEAR = 365 * 86_400


@dataclass(frozen=True, slots=True)
class PolicyParameters:
    """Policy knobs that are not book rules.

    ``slippage_bound``: the limit price allows this fraction beyond the expected fill
    price at size. ``max_slippage``: a route whose limit would be further than this
    fraction from the reference price is not used (set it to the guard's
    ``limits.max_slippage``, or the guard refuses the intent). ``health_horizon_s``:
    the time over which health repairs' interest carry is compared.
    ``health_model_tolerance``: relative gap between a venue's reported health factor
    and ours that raises an alert. ``greek_floor_*``: below these magnitudes (in the
    Greeks' units) a disagreement with the venue is noise, not an alert.
    """

    slippage_bound: float = 0.002
    max_slippage: float = 0.01
    health_horizon_s: float = 7 * 86_400
    health_model_tolerance: float = 0.01
    greek_floor_delta: float = 1e-6
    greek_floor_gamma: float = 1e-9
    greek_floor_vega: float = 1e-4

    def __post_init__(self) -> None:
        if not 0 <= self.slippage_bound < self.max_slippage < 1:
            raise ValueError("need 0 <= slippage_bound < max_slippage < 1")
        if self.health_horizon_s < 0:
            raise ValueError("health_horizon_s must not be negative")


def _freeze(values: Mapping[str, UnderlyingSettings]) -> Mapping[str, UnderlyingSettings]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """Per-underlying hedging rules, health triggers and targets, alert limits."""

    underlyings: Mapping[str, UnderlyingSettings]
    health: HealthSettings = field(default_factory=HealthSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    parameters: PolicyParameters = field(default_factory=PolicyParameters)

    def __post_init__(self) -> None:
        object.__setattr__(self, "underlyings", _freeze(self.underlyings))

    @classmethod
    def from_config(
        cls, config: Config, parameters: PolicyParameters | None = None
    ) -> PolicySettings:
        """Take the book rules from ``config``; the guard's slippage limit bounds ours."""
        base = parameters or PolicyParameters()
        max_slippage = min(base.max_slippage, config.limits.max_slippage)
        slippage_bound = min(base.slippage_bound, max_slippage / 2)
        return cls(
            underlyings=config.underlyings,
            health=config.health,
            alerts=config.alerts,
            parameters=replace(base, max_slippage=max_slippage, slippage_bound=slippage_bound),
        )
