from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from agent.errors import ConfigError
from sim.paths import GbmJumpPath, JumpDiffusion, Keyframe, KeyframePath, csv_path


def test_keyframes_interpolate_linearly_and_hold_after_the_end() -> None:
    path = KeyframePath(
        [
            Keyframe(0, {"ETH": 3000.0}, {"ETH": 0.6}),
            Keyframe(100, {"ETH": 2000.0}, {"ETH": 1.2}),
        ]
    )
    assert path.at(50).prices["ETH"] == pytest.approx(2500.0)
    assert path.at(50).implied_vols["ETH"] == pytest.approx(0.9)
    assert path.at(1_000).prices["ETH"] == 2000.0
    assert path.at(-5).prices["ETH"] == 3000.0


def test_keyframe_without_iv_carries_the_previous_iv() -> None:
    path = KeyframePath([Keyframe(0, {"ETH": 1.0}, {"ETH": 0.5}), Keyframe(10, {"ETH": 2.0})])
    assert path.at(10).implied_vols["ETH"] == 0.5


def test_keyframe_missing_an_underlying_is_rejected() -> None:
    with pytest.raises(ConfigError, match=r"keyframe 1 lacks prices for \['BTC'\]"):
        KeyframePath([Keyframe(0, {"ETH": 1.0, "BTC": 2.0}), Keyframe(1, {"ETH": 1.0})])


def test_gbm_is_deterministic_per_seed_and_differs_across_seeds() -> None:
    params = {"ETH": JumpDiffusion(spot=3000.0, vol=0.8, jumps_per_year=50, jump_mean=-0.05)}
    first = GbmJumpPath(params, duration_s=3600, seed=7)
    again = GbmJumpPath(params, duration_s=3600, seed=7)
    other = GbmJumpPath(params, duration_s=3600, seed=8)
    samples = [0.0, 0.5, 17.3, 1800.0, 3600.0]
    assert [first.at(t).prices for t in samples] == [again.at(t).prices for t in samples]
    assert first.at(3600).prices != other.at(3600).prices
    assert first.at(0).prices["ETH"] == pytest.approx(3000.0)


def test_gbm_log_returns_have_the_requested_volatility() -> None:
    vol = 0.8
    path = GbmJumpPath(
        {"ETH": JumpDiffusion(spot=100.0, vol=vol)}, duration_s=86_400 * 30, seed=1, grid_s=60
    )
    prices = np.array([path.at(t).prices["ETH"] for t in range(0, 86_400 * 30, 3600)])
    returns = np.diff(np.log(prices))
    realized = returns.std() * math.sqrt(365 * 24)
    assert realized == pytest.approx(vol, rel=0.1)


def test_csv_replay_reads_prices_and_ivs(tmp_path: Path) -> None:
    file = tmp_path / "path.csv"
    file.write_text("t_s,ETH,ETH_iv\n0,3000,0.6\n60,2700,0.9\n")
    path = csv_path(file)
    assert path.at(30).prices["ETH"] == pytest.approx(2850.0)
    assert path.at(60).implied_vols["ETH"] == pytest.approx(0.9)


def test_csv_with_a_bad_number_names_the_line(tmp_path: Path) -> None:
    file = tmp_path / "path.csv"
    file.write_text("t_s,ETH\n0,3000\n60,abc\n")
    with pytest.raises(ConfigError, match="line 3"):
        csv_path(file)
