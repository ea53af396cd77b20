"""Policy settings from the config: the guard's slippage limit bounds the policy's."""

from __future__ import annotations

import pytest

from agent.config.models import Config
from agent.policy.settings import PolicyParameters, PolicySettings


def config(max_slippage: float) -> Config:
    return Config.model_validate(
        {
            "venues": {},
            "underlyings": {},
            "health": {"lending_trigger": 1.25, "lending_target": 1.5},
            "limits": {
                "max_notional_per_action_usd": 1e5,
                "max_notional_per_hour_usd": 1e6,
                "max_slippage": max_slippage,
                "venue_caps": {},
            },
        }
    )


@pytest.mark.parametrize(
    ("guard", "max_slippage", "bound"),
    [(0.01, 0.01, 0.002), (0.004, 0.004, 0.002), (0.003, 0.003, 0.0015), (0.05, 0.01, 0.002)],
)
def test_the_guard_limit_bounds_the_policy(guard: float, max_slippage: float, bound: float) -> None:
    settings = PolicySettings.from_config(config(guard))
    assert settings.parameters.max_slippage == max_slippage
    assert settings.parameters.slippage_bound == bound
    assert settings.health.lending_trigger == 1.25


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError, match="slippage_bound"):
        PolicyParameters(slippage_bound=0.02, max_slippage=0.01)
