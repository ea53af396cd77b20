"""report.json: what a scenario did to the book, byte for byte the same on every run of
the same scenario and seed.

Only chain-time quantities go in (no wall-clock times, no ports, no random ids); keys
are sorted; numbers are rounded to what they mean (USD to cents, coin and ratios to
1e-4 or 1e-6). The schema is documented in the README ("Scenarios").
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.control.killswitch import KillTransition
from sim.keepers import LiquidationRecord
from sim.local_config import DERIBIT_CLIENT_ID
from sim.scenario_figures import (
    delta_figures,
    fine,
    health_min,
    nearest_liquidation,
    steering_extremes,
    steering_row,
    usd,
    venue_failure,
)
from sim.scenario_model import Scenario
from sim.scenario_record import Recorder, Sample
from sim.stack import LocalStack

SCHEMA_VERSION = 1
_PORT = re.compile(r"(127\.0\.0\.1|localhost):\d+")
_LONG_NUMBER = re.compile(r"\b\d{13,}\b")  # millisecond timestamps, nonces


def scrub(text: str) -> str:
    """``text`` without what differs from run to run (loopback ports, wall-clock
    millisecond stamps)."""
    return _LONG_NUMBER.sub("<n>", _PORT.sub(r"\1:<port>", text))


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat().replace("+00:00", "Z")


# --- liquidations and kill switch ----------------------------------------------------


def _keeper_liquidation(record: LiquidationRecord, start: int) -> dict[str, Any]:
    return {
        "venue": record.venue,
        "position": record.position,
        "time_s": record.timestamp - start,
        "at": _iso(record.timestamp),
        "detail": scrub(record.detail),
    }


def agent_liquidations(stack: LocalStack) -> list[dict[str, Any]]:
    """Every liquidation of the agent's positions, from the world's own records
    (keepers on chain, the exchange simulators), in time order."""
    assert stack.world.manifest is not None
    assert stack.deribit is not None
    assert stack.hyperliquid is not None
    agent = stack.world.manifest.accounts["agent"].lower()
    start = stack.driver.start_timestamp
    keepers = stack.world.keepers
    found = [
        _keeper_liquidation(record, start)
        for record in (*keepers.liquidator.records, *keepers.gmx_liquidator.records)
        if record.account.lower() == agent
    ]
    for item in stack.deribit.liquidations:
        if item.client_id == DERIBIT_CLIENT_ID:
            found.append(
                {
                    "venue": "deribit",
                    "position": f"{item.instrument} ({item.currency} account)",
                    "time_s": item.timestamp // 1000 - start,
                    "at": _iso(item.timestamp / 1000),
                    "detail": f"{item.size:g} closed at {item.price:g}",
                }
            )
    for liquidated in stack.hyperliquid.liquidations:
        if liquidated.user.lower() == agent:
            found.append(
                {
                    "venue": "hyperliquid",
                    "position": f"{liquidated.coin} perp",
                    "time_s": liquidated.timestamp // 1000 - start,
                    "at": _iso(liquidated.timestamp / 1000),
                    "detail": f"{liquidated.szi:g} closed at {liquidated.price:g}",
                }
            )
    return sorted(found, key=lambda item: (item["time_s"], item["venue"], item["position"]))


def kill_transitions(history: Iterable[KillTransition], start: int) -> list[dict[str, Any]]:
    """The kill switch's transitions, oldest first (``history`` is newest first)."""
    ordered = sorted(reversed(list(history)), key=lambda transition: transition.at)
    return [
        {
            "time_s": int(transition.at.timestamp()) - start,
            "from": transition.previous.value,
            "to": transition.state.value,
            "actor": transition.actor,
            "automatic": transition.automatic,
            "reason": scrub(transition.reason),
        }
        for transition in ordered
    ]


def _costs(recorder: Recorder) -> dict[str, float | None]:
    """Fees as the venues reported them; slippage: the rest of the execution cost (equity
    lost across the actions at unchanged prices); gas from receipts. USD, >0 paid."""
    fees = math.fsum(s.fees_usd for s in recorder.samples)
    gas = math.fsum(s.gas_usd for s in recorder.samples)
    execution = -math.fsum(s.execution_usd for s in recorder.samples)
    slippage = execution - fees
    return {
        "fees_usd": usd(fees),
        "gas_usd": usd(gas),
        "slippage_usd": usd(slippage),
        "total_usd": usd(fees + gas + slippage),
    }


def _pnl(recorder: Recorder) -> dict[str, Any]:
    """Equity change, split into the held book's P&L by Greek, execution, gas, and the
    rest (funding, interest, liquidations, settlements, model differences)."""
    start = recorder.first_equity_usd or 0.0
    end = recorder.last_equity_usd if recorder.last_equity_usd is not None else start
    gas = math.fsum(s.gas_usd for s in recorder.samples)
    execution = math.fsum(s.execution_usd for s in recorder.samples)
    market = math.fsum(recorder.attribution.values())
    total = end - start - gas
    return {
        "start_equity_usd": usd(start),
        "end_equity_usd": usd(end),
        "total_usd": usd(total),
        "market_usd": usd(market),
        "attribution": {name: usd(value) for name, value in recorder.attribution.items()},
        "execution_usd": usd(execution),
        "gas_usd": usd(-gas),
        "carry_and_events_usd": usd(total - market - execution + gas),
        "by_venue_usd": {
            venue: usd(value - recorder.first_equity.get(venue, 0.0))
            for venue, value in sorted(recorder.last_equity.items())
        },
    }


def _sample_row(sample: Sample) -> dict[str, Any]:
    def each(values: Mapping[str, float], rounding: Any = fine) -> dict[str, Any]:
        return {key: rounding(value) for key, value in sorted(values.items())}

    return {
        "time_s": sample.time_s,
        "prices": each(sample.prices, usd),
        "implied_vols": each(sample.implied_vols),
        "delta": each(sample.delta),
        "delta_after": each(sample.delta_after),
        "band_half_width": each(sample.band),
        "target": each(sample.target),
        "gamma": each(sample.gamma),
        "vega": each(sample.vega, usd),
        "theta": each(sample.theta, usd),
        "health": each(sample.health),
        "steering": {k: steering_row(v) for k, v in sorted(sample.steering.items())},
        "kill_state": sample.kill_state,
        "equity_usd": usd(sample.equity_usd),
        "fees_usd": usd(sample.fees_usd),
        "gas_usd": usd(sample.gas_usd),
        "execution_usd": usd(sample.execution_usd),
        "actions": sample.actions,
        "error": scrub(sample.error) if sample.error else None,
    }


def _action_row(record: Any) -> dict[str, Any]:
    row = asdict(record)
    for key in ("quantity",):
        row[key] = fine(row[key])
    for key in ("notional_usd", "fee_usd", "gas_usd"):
        if key in row:
            row[key] = usd(row[key])
    for key in ("reason", "detail"):
        if key in row:
            row[key] = scrub(row[key])
    return row


def build_report(
    scenario: Scenario,
    *,
    seed: int,
    hedge: bool,
    policy: Mapping[str, Any] | None = None,
    recorder: Recorder,
    liquidations: list[dict[str, Any]],
    transitions: list[dict[str, Any]],
    thresholds: Mapping[str, float],
) -> dict[str, Any]:
    """The report document (see the module doc and the README)."""
    underlyings = sorted(recorder.targets)
    return {
        "schema": SCHEMA_VERSION,
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "seed": seed,
            "hedge": hedge,
            "policy": dict(policy or {"name": "agent", "interval_s": None}),
            "start": _iso(scenario.start.timestamp()),
            "duration_s": scenario.duration_s,
            "step_s": scenario.step_s,
            "expected_liquidations_without_agent": list(scenario.expect.liquidations_without_agent),
        },
        "thresholds": {key: fine(value) for key, value in sorted(thresholds.items())},
        "summary": {
            "ticks": len(recorder.samples),
            "actions": len(recorder.actions),
            "guard_rejections": len(recorder.rejections),
            "liquidations": len(liquidations),
            "tick_errors": sum(1 for s in recorder.samples if s.error),
            "final_kill_state": recorder.samples[-1].kill_state if recorder.samples else None,
        },
        "liquidations": liquidations,
        "delta": {u: delta_figures(recorder.samples, u) for u in underlyings},
        "health_min": health_min(recorder.samples),
        "health_steering": steering_extremes(recorder.samples),
        "venue_failure": venue_failure(recorder.samples),
        "liquidation_distance_min": nearest_liquidation(recorder.samples),
        "actions": [_action_row(a) for a in recorder.actions],
        "costs": _costs(recorder),
        "pnl": _pnl(recorder),
        "guard_rejections": [_action_row(r) for r in recorder.rejections],
        "kill_switch_transitions": transitions,
        "series": [_sample_row(s) for s in recorder.samples],
    }


def dumps(report: Mapping[str, Any]) -> str:
    """The report's bytes: sorted keys, two-space indent, no NaN, trailing newline."""
    return json.dumps(report, indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_report(report: Mapping[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.json"
    path.write_text(dumps(report))
    return path


def summary_text(report: Mapping[str, Any], out_dir: Path) -> str:
    """A few lines for the terminal after ``ballast simulate``."""
    scenario, costs, pnl = report["scenario"], report["costs"], report["pnl"]
    mode = "with the agent" if scenario["hedge"] else "without hedging (--no-hedge)"
    lines = [
        f"{scenario['name']} {mode}: {report['summary']['ticks']} ticks, "
        f"{report['summary']['actions']} actions, "
        f"{report['summary']['guard_rejections']} guard rejections",
        f"liquidations: {len(report['liquidations'])}",
        *(f"  {i['venue']}: {i['position']} at t+{i['time_s']} s" for i in report["liquidations"]),
        "lowest health: "
        + ", ".join(f"{venue} {value}" for venue, value in report["health_min"].items()),
        f"costs: fees ${costs['fees_usd']:,.2f}, gas ${costs['gas_usd']:,.2f}, "
        f"slippage ${costs['slippage_usd']:,.2f}",
        f"P&L: ${pnl['total_usd']:,.2f} (market ${pnl['market_usd']:,.2f}, "
        f"execution ${pnl['execution_usd']:,.2f}, carry and events "
        f"${pnl['carry_and_events_usd']:,.2f})",
        f"wrote {out_dir / 'report.json'} and plots",
    ]
    return "\n".join(lines)
