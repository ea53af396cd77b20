"""Each account's liquidation probability and steered health reach the metrics and the
operator's status text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from agent.control.client import format_status
from agent.control.status import AgentStatus, to_json
from agent.intents import KillState
from agent.ops.metrics import DaemonMetrics, ScrapeSources
from agent.pnl_live import PnlTotals
from agent.policy.steering import Steering
from agent.risk.venue_failure import VenueFailure
from agent.tick.checks import InputReport
from agent.tick.report import TickReport

AAVE = Steering("aave", "lending", 1.42, 9.5, -0.2958, 0.0031, 1.39, 1.6, True, 1.05, "probability")
PNL = PnlTotals(
    datetime(2026, 2, 28, tzinfo=UTC),
    {"delta": 600.0, "total": 600.0},
    {"2026-03-01": {"delta": 200.0, "total": 200.0}},
)
FAILURE = VenueFailure("aave", 80_000.0, 80_000.0, {"ETH": -14.0}, ("aave",))
GMX = Steering("gmx:ETH/USD", "margin", 50.0, None, None, 0.0, 1.5, 2.0, False)


def test_metrics_carry_probability_trigger_target_and_vol_per_account() -> None:
    metrics = DaemonMetrics(ScrapeSources(lambda: KillState.ACTIVE), monotonic=lambda: 0.0)
    report = TickReport(
        datetime(2026, 3, 1, tzinfo=UTC), {}, InputReport((), frozenset()), None,
        steering=(AAVE, GMX),
    )  # fmt: skip
    metrics.observe(replace(report, pnl=PNL))
    text = metrics.exposition().decode()
    assert 'ballast_pnl_usd{component="delta",period="since_start"} 600.0' in text
    assert 'ballast_pnl_usd{component="delta",period="today"} 200.0' in text
    assert 'ballast_liquidation_probability{account="aave",kind="lending"} 0.0031' in text
    assert 'ballast_health_trigger_ratio{account="aave",kind="lending"} 1.39' in text
    assert 'ballast_health_target_ratio{account="gmx:ETH/USD",kind="margin"} 2.0' in text
    assert 'ballast_health_vol_ratio{account="gmx:ETH/USD",kind="margin"} NaN' in text
    assert 'ballast_health_projected_ratio{account="aave",kind="lending"} 1.05' in text
    assert 'ballast_health_projected_ratio{account="gmx:ETH/USD",kind="margin"} NaN' in text
    metrics.observe(TickReport(report.at, {}, report.inputs, None))
    assert "ballast_liquidation_probability{" not in metrics.exposition().decode()


def test_status_json_and_text_show_each_accounts_liquidation_risk() -> None:
    document = {
        "kill_switch": {"state": "active"},
        "agent": to_json(AgentStatus(steering=(AAVE, GMX), venue_failure=(FAILURE,), pnl=PNL)),
    }
    text = format_status(document)
    assert (
        "aave: lending health 1.42, probability 0.310% within the horizon at vol 9.5, "
        "projected health 1.05 after the move; acts at 1.39, restores 1.6 (acting: probability)"
    ) in text
    assert "gmx:ETH/USD: margin health 50, probability 0.000%" in text
    assert "pnl since start (USD):\n  delta +600.00, total +600.00" in text
    assert "venue failure:\n  aave: loses 80,000 USD; net delta left ETH -14.0000" in text


def test_an_account_steered_on_market_prices_says_so_in_metrics_and_status() -> None:
    stale = replace(AAVE, market_priced=("ETH: oracle_stale",))
    metrics = DaemonMetrics(ScrapeSources(lambda: KillState.ACTIVE), monotonic=lambda: 0.0)
    at = datetime(2026, 3, 1, tzinfo=UTC)
    metrics.observe(TickReport(at, {}, InputReport((), frozenset()), None, steering=(stale, GMX)))
    text = metrics.exposition().decode()
    assert 'ballast_health_market_priced{account="aave",feed="ETH: oracle_stale"} 1.0' in text
    assert 'ballast_health_market_priced{account="gmx' not in text
    metrics.observe(TickReport(at, {}, InputReport((), frozenset()), None, steering=(AAVE,)))
    assert "ballast_health_market_priced{" not in metrics.exposition().decode()
    document = {
        "kill_switch": {"state": "reduce_only"},
        "agent": to_json(AgentStatus(steering=(stale, GMX))),
    }
    assert document["agent"]["steering"][0]["market_priced"] == ["ETH: oracle_stale"]
    lines = format_status(document).splitlines()
    (aave,) = [line for line in lines if line.strip().startswith("aave: lending")]
    assert aave.endswith(
        "(acting: probability); steered on market prices, oracle in doubt: ETH: oracle_stale"
    )
    (gmx,) = [line for line in lines if line.strip().startswith("gmx:ETH/USD")]
    assert "market prices" not in gmx
