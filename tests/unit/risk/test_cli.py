"""ballast risk on the example book and on bad books."""

from __future__ import annotations

import json

import pytest

from agent.cli import main

from .books import EXAMPLE_PATH


def test_json_report_of_the_example_book(capsys):
    assert main(["risk", "--book", str(EXAMPLE_PATH), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"positions", "net", "health", "liquidation_distance", "stress"} <= set(report)
    assert len(report["positions"]) == 12
    for row in report["positions"]:
        assert {"id", "value_usd", "delta", "delta_usd", "gamma", "vega", "theta", "rho"} <= set(
            row
        )
    o1 = report["positions"][0]
    assert o1["id"] == "o1"
    assert o1["delta"] < 0 < o1["theta"]  # short calls
    assert o1["delta_premium_adjusted"] == pytest.approx(o1["delta"] - o1["value_coin"])
    for values in report["net"].values():
        assert set(values) >= {"delta", "delta_usd", "gamma", "vega", "theta", "rho"}
    assert report["net"]["USDC"]["delta"] == -30_000
    aave = next(item for item in report["health"] if item["account"] == "aave-main")
    assert aave["health"] == pytest.approx(1.66)
    eth = report["liquidation_distance"]["ETH"]
    assert eth["down"]["account"] == "aave-main"
    assert eth["down"]["shock"] == pytest.approx(30_000 / (20 * 0.83) / 3000 - 1)
    assert eth["up"]["positions"] == ["p2"]
    stress = report["stress"]
    assert len(stress["pnl_usd"]) == len(stress["spot_shocks"])
    assert stress["worst"]["pnl_usd"] == min(min(row) for row in stress["pnl_usd"])
    assert any("aave-main" in cell["accounts"] for cell in stress["liquidated"])


def test_text_report(capsys):
    assert main(["risk", "--book", str(EXAMPLE_PATH)]) == 0
    text = capsys.readouterr().out
    for heading in ("Positions", "Net by underlying", "Health", "Liquidation distance", "Stress"):
        assert heading in text
    assert "aave-main" in text


def test_bad_book_exits_2_naming_file_and_field(tmp_path, capsys):
    document = json.loads(EXAMPLE_PATH.read_text())
    document["positions"][2]["underlying"] = "DOGE"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    assert main(["risk", "--book", str(path)]) == 2
    error = capsys.readouterr().err
    assert f"{path}:positions[2].underlying: unknown underlying 'DOGE'" in error


def test_missing_book_file(tmp_path, capsys):
    assert main(["risk", "--book", str(tmp_path / "absent.json"), "--json"]) == 2
    assert "cannot read the book file" in capsys.readouterr().err
