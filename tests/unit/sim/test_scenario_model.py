"""Scenario files: the library loads; bad files fail naming the file and the field;
paths cover every world underlying; the short version and tick times."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ConfigError
from rehearsal.scenario_run import tick_times
from sim.scenario_faults import GasSpike
from sim.scenario_model import (
    DEFAULT_START,
    KeyframeMarket,
    Scenario,
    load_scenario,
    validate_scenario,
)

LIBRARY = Path(__file__).resolve().parents[3] / "config" / "scenarios"
REQUIRED = {
    "crash-45",
    "slow-bleed",
    "flash-crash",
    "funding-flip",
    "oracle-stale",
    "rpc-outage-crash",
    "gas-spike-crash",
}
MINIMAL = """
name = "t"
duration_s = 600
step_s = 60
[market]
kind = "keyframes"
[[market.keyframes]]
at_s = 0
prices = { ETH = 3000 }
"""


def _write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_library_has_every_required_scenario_and_each_loads() -> None:
    files = {path.stem: path for path in LIBRARY.glob("*.toml")}
    assert set(files) >= REQUIRED
    for name, path in files.items():
        scenario = load_scenario(path)
        assert scenario.name == name
        assert scenario.expect.liquidations_without_agent, f"{name}: says what it breaks"
        short = scenario.shortened()
        assert len(tick_times(short)) <= 16, f"{name}: the test suite's version stays short"


def test_crash_45_is_what_the_issue_asks_for() -> None:
    scenario = load_scenario(LIBRARY / "crash-45.toml")
    path = scenario.market_path(LIBRARY)
    start, hour = path.at(0), path.at(3600)
    assert hour.prices["ETH"] == pytest.approx(0.55 * start.prices["ETH"])
    assert hour.implied_vols["ETH"] == pytest.approx(2 * start.implied_vols["ETH"])


@pytest.mark.parametrize(
    ("edit", "field", "message"),
    [
        (("step_s = 60", "step_s = 6000"), "", "step_s is longer than duration_s"),
        (('name = "t"', 'name = "t"\nbogus = 1'), "bogus", "Extra inputs"),
        (('kind = "keyframes"', 'kind = "brownian"'), "market", "does not match"),
        (("at_s = 0\n", "at_s = -5\n"), "market.keyframes[0].at_s", "greater than or equal"),
    ],
)
def test_a_bad_file_names_itself_and_the_field(
    tmp_path: Path, edit: tuple[str, str], field: str, message: str
) -> None:
    path = _write(tmp_path, MINIMAL.replace(*edit))
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    assert f"{path}:{field}" in str(caught.value)
    assert message in str(caught.value)


def test_a_fault_field_is_named_without_the_union_tag(tmp_path: Path) -> None:
    text = MINIMAL + '[[faults]]\nkind = "gas_spike"\nat_s = 300\nuntil_s = 100\n'
    with pytest.raises(ConfigError) as caught:
        load_scenario(_write(tmp_path, text + "base_fee_gwei = 100\n"))
    assert ":faults[0]: Value error, until_s must be after at_s" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        load_scenario(_write(tmp_path, text.replace("until_s = 100", "until_s = 900")))
    assert ":faults[0].base_fee_gwei: Field required" in str(caught.value)


def test_syntax_errors_and_missing_csv_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"s\.toml: invalid TOML"):
        load_scenario(_write(tmp_path, "name = "))
    csv = MINIMAL.replace(
        'kind = "keyframes"\n[[market.keyframes]]\nat_s = 0\nprices = { ETH = 3000 }',
        'kind = "csv"\nfile = "missing.csv"',
    )
    with pytest.raises(ConfigError, match=r"missing\.csv"):
        load_scenario(_write(tmp_path, csv))


def test_paths_price_every_world_underlying_and_carry_keyframes_forward(tmp_path: Path) -> None:
    text = MINIMAL + "[[market.keyframes]]\nat_s = 600\nimplied_vols = { ETH = 1.2 }\n"
    scenario = load_scenario(_write(tmp_path, text))
    assert isinstance(scenario.market, KeyframeMarket)
    point = scenario.market_path(tmp_path).at(600)
    assert point.prices == {"ETH": 3000.0, "BTC": 60_000.0}  # ETH carried, BTC the world's
    assert point.implied_vols["ETH"] == 1.2
    assert scenario.start == DEFAULT_START


def test_gbm_paths_follow_the_seed(tmp_path: Path) -> None:
    text = MINIMAL.split("[market]")[0] + (
        '[market]\nkind = "gbm"\ngrid_s = 10\n'
        "[market.underlyings.ETH]\nspot = 3000\nvol = 0.8\njumps_per_year = 500\n"
        "jump_mean = -0.05\njump_std = 0.02\n"
    )
    scenario = load_scenario(_write(tmp_path, text))
    one, again = scenario.market_path(tmp_path, 7), scenario.market_path(tmp_path, 7)
    other = scenario.market_path(tmp_path, 8)
    assert one.at(600).prices == again.at(600).prices
    assert one.at(600).prices["ETH"] != other.at(600).prices["ETH"]
    assert one.at(600).prices["BTC"] == 60_000.0


def test_csv_replay_relative_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "eth.csv").write_text("t_s,ETH,ETH_iv\n0,3000,0.6\n600,2400,0.9\n")
    text = MINIMAL.replace(
        'kind = "keyframes"\n[[market.keyframes]]\nat_s = 0\nprices = { ETH = 3000 }',
        'kind = "csv"\nfile = "eth.csv"',
    )
    scenario = load_scenario(_write(tmp_path, text))
    assert scenario.market_path(tmp_path).at(300).prices["ETH"] == pytest.approx(2700.0)


def test_short_version_and_tick_times() -> None:
    document = {
        "name": "t",
        "duration_s": 1000,
        "step_s": 60,
        "market": {"kind": "keyframes", "keyframes": [{"at_s": 0, "prices": {"ETH": 1.0}}]},
    }
    scenario = validate_scenario(document, source="t.toml")
    assert tick_times(scenario)[-3:] == [900, 960, 1000]  # the last step is shorter
    assert scenario.shortened(4).step_s == 250
    cut = validate_scenario({**document, "short": {"duration_s": 300, "step_s": 100}}, source="t")
    assert tick_times(cut.shortened()) == [0, 100, 200, 300]


def test_fault_windows() -> None:
    spike = GasSpike(kind="gas_spike", at_s=100, until_s=200, base_fee_gwei=300)
    assert [spike.active(t) for t in (99, 100, 199, 200)] == [False, True, True, False]
    assert isinstance(Scenario.model_fields["faults"].default_factory(), list)  # type: ignore[misc]
