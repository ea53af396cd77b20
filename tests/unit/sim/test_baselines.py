"""Baseline policies: what each changes in the configuration, how the periodic hedger
then decides, and the compare plot's figures."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent import config as config_module
from agent.config.models import Config, HealthSettings, UnderlyingSettings
from agent.errors import ConfigError
from agent.policy.decide import decide
from agent.policy.inputs import PolicyInput, PolicyState
from agent.policy.settings import PolicySettings
from rehearsal.scenario_run import _merged
from sim.baselines import NO_BAND_COIN, Policy, write_compare
from sim.stack import LOCAL_CONFIG
from tests.unit.policy.builders import NOW, eth_risk, route

LOCAL = config_module.read_toml(LOCAL_CONFIG)


def configured(policy: Policy) -> Config:
    """local.toml's book rules with the policy's overrides, each table validated as the
    configuration validates it (the venues are the local world's, filled at run time)."""
    document = _merged(LOCAL, policy.overrides(LOCAL["underlyings"]))
    underlyings = {u: UnderlyingSettings(**r) for u, r in document["underlyings"].items()}
    health = HealthSettings(**document["health"])
    return Config.model_construct(underlyings=underlyings, health=health)


def test_static_fixes_the_band_and_drops_vol_aware_health() -> None:
    config = configured(Policy("static"))
    assert config.underlyings["ETH"].band.mode == "fixed"
    assert config.underlyings["ETH"].band.half_width_coin == 2.0
    assert config.health.vol_aware is False
    assert configured(Policy()).health.vol_aware is True


def test_periodic_hedges_to_target_only_when_its_interval_has_passed() -> None:
    config = configured(Policy("periodic", 900))
    rules = config.underlyings["ETH"]
    assert (rules.band.half_width_coin, rules.max_rebalance_interval_s) == (NO_BAND_COIN, 900)
    settings = PolicySettings(underlyings=config.underlyings, health=config.health)
    routes = (route("hyperliquid"),)
    recent = PolicyState({"ETH": NOW - timedelta(seconds=600)})
    far = eth_risk(15.0)  # 15 ETH off target: the agent's band would act at once
    waiting = PolicyInput(now=NOW, underlyings=(far,), routes=routes, state=recent)
    assert decide(waiting, settings).intents == ()
    due = PolicyInput(
        now=NOW, underlyings=(far,), routes=routes,
        state=PolicyState({"ETH": NOW - timedelta(seconds=900)}),
    )  # fmt: skip
    intents = decide(due, settings).intents
    assert sum(i.quantity for i in intents) == pytest.approx(15.0)
    assert all("no hedge for 900 s" in i.reason for i in intents)


def test_bad_policy_arguments_name_the_flag() -> None:
    with pytest.raises(ConfigError, match="--interval-s"):
        Policy("periodic")
    with pytest.raises(ConfigError, match="--interval-s"):
        Policy("static", 60)
    with pytest.raises(ConfigError, match="--policy"):
        Policy("martingale")


def report(cost: float, deviations: list[float], liquidations: int) -> dict[str, Any]:
    return {
        "scenario": {"name": "crash", "policy": {"name": "agent", "interval_s": None}},
        "costs": {"total_usd": cost},
        "delta": {f"U{i}": {"mean_abs_delta_deviation": d} for i, d in enumerate(deviations)},
        "summary": {"liquidations": liquidations, "actions": 3},
        "health_min": {"aave": 1.3},
    }


def test_compare_writes_one_point_per_policy(tmp_path: Path) -> None:
    runs = [
        (Policy(), report(40.0, [1.0, 3.0], 0)),
        (Policy("periodic", 3600), report(25.0, [6.0], 1)),
    ]
    path = write_compare(runs, "crash", tmp_path)
    assert path.stat().st_size > 10_000  # a real PNG, drawn
    figures = json.loads((tmp_path / "compare.json").read_text())
    assert figures["agent"]["mean_abs_delta_deviation"] == 2.0
    assert figures["periodic 60 min"]["cost_usd"] == 25.0
    assert figures["periodic 60 min"]["liquidations"] == 1
