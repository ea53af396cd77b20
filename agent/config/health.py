"""Health settings: the static trigger and target, and the vol-aware policy's knobs.

Also the base of every config model (frozen, unknown keys refused) and the fraction
type, shared with ``agent.config.models``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    model_validator,
)

Fraction = Annotated[float, Field(gt=0, lt=1)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class JumpSettings(Frozen):
    """Merton jumps for the ``jump_diffusion`` liquidation probability: jumps per year,
    mean and standard deviation of the log jump; Monte Carlo ``paths`` and ``steps``
    over the horizon (seeded: the same inputs give the same probability)."""

    intensity_per_year: NonNegativeFloat = 50.0
    mean_log_jump: float = -0.05
    std_log_jump: NonNegativeFloat = 0.03
    paths: PositiveInt = 20_000
    steps: PositiveInt = 20


class HealthSettings(Frozen):
    """Act below ``trigger``, restore ``target`` (DeFi Saver-style); margin likewise.

    Vol-aware (``vol_aware``): each account also acts when its probability of
    liquidation within ``liquidation_horizon_s`` (first passage of the underlyings'
    price, moving together, at the larger of implied and realized vol) exceeds
    ``max_liquidation_probability``, and restores to the health at which it is
    ``target_liquidation_probability``; the static trigger and target stay as floors,
    ``max_lending_target`` and ``max_margin_target`` cap what high vol can ask.
    Projected health (``projection_sigmas``, 0: off): each account also acts when the
    health it would have after a move of that many sigmas against it over the horizon
    (at the same vol) is under its static trigger, and restores to where that projection
    is the static target (``agent.policy.steering`` says why). Realized vol is an EWMA of
    squared log returns per unit time between ticks, with ``realized_vol_half_life_s``.
    """

    lending_trigger: float = Field(default=1.3, gt=1)
    lending_target: float = Field(default=1.6, gt=1)
    margin_trigger: float = Field(default=1.5, gt=1)
    margin_target: float = Field(default=2.0, gt=1)
    vol_aware: bool = True
    liquidation_horizon_s: PositiveFloat = 3_600.0
    max_liquidation_probability: Fraction = 0.001
    target_liquidation_probability: Fraction = 0.0001
    probability_model: Literal["diffusion", "jump_diffusion"] = "diffusion"
    jumps: JumpSettings = Field(default_factory=JumpSettings)
    realized_vol_half_life_s: PositiveFloat = 900.0
    # Three sigma: a move the price ends beyond with probability 0.13% under normality,
    # the order of the 0.1% ceiling. Over ten asks a cushion no vol estimate justifies.
    projection_sigmas: float = Field(default=3.0, ge=0, le=10)
    max_lending_target: float = Field(default=4.0, gt=1)
    max_margin_target: float = Field(default=20.0, gt=1)

    @model_validator(mode="after")
    def _target_above_trigger(self) -> Self:
        if self.lending_target <= self.lending_trigger:
            raise ValueError("lending_target must be above lending_trigger")
        if self.margin_target <= self.margin_trigger:
            raise ValueError("margin_target must be above margin_trigger")
        if self.target_liquidation_probability >= self.max_liquidation_probability:
            raise ValueError(
                "target_liquidation_probability must be below max_liquidation_probability"
            )
        if self.max_lending_target < self.lending_target:
            raise ValueError("max_lending_target is below lending_target")
        if self.max_margin_target < self.margin_target:
            raise ValueError("max_margin_target is below margin_target")
        return self
