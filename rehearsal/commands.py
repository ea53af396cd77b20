"""Entry points of the commands that run the agent in the local world: ``ballast demo``,
``simulate``, ``compare``, ``chain up`` and ``run --dry-run``."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import structlog


def logs_to(file: TextIO, level: int) -> None:
    """Send the agent's structured logs to ``file`` (JSON lines) from ``level`` up, so
    they do not mix with what the command itself prints."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(file=file),
        cache_logger_on_first_use=False,
    )


def simulate(
    *,
    scenario_path: str,
    out: str,
    hedge: bool,
    seed: int | None,
    short: bool = False,
    policy: str = "agent",
    interval_s: int | None = None,
) -> int:
    """``ballast simulate``: run a scenario file (its quick version if ``short``) with
    ``policy`` (the agent or a baseline); write report.json and plots to ``out``. The
    agent's own logs go to ``out``/agent.log."""
    from sim.baselines import Policy
    from sim.scenario_report import summary_text

    chosen = Policy(policy, interval_s)
    report = _run_one(scenario_path, Path(out), hedge, seed, short, chosen)
    print(summary_text(report, Path(out)))
    return 0


def _run_one(
    scenario_path: str,
    out_dir: Path,
    hedge: bool,
    seed: int | None,
    short: bool,
    policy: Any,
) -> dict[str, Any]:
    from rehearsal.scenario_run import RunOptions, run_scenario
    from sim.scenario_model import load_scenario

    path = Path(scenario_path)
    scenario = load_scenario(path)
    if short:
        scenario = scenario.shortened()
    out_dir.mkdir(parents=True, exist_ok=True)
    options = RunOptions(hedge=hedge, seed=seed, base_dir=path.parent, policy=policy)
    with (out_dir / "agent.log").open("w", encoding="utf-8") as log_file:
        logs_to(log_file, logging.INFO)
        return asyncio.run(run_scenario(scenario, out_dir, options))


def compare(*, scenario_path: str, out: str, seed: int | None, short: bool = False) -> int:
    """``ballast compare``: the agent, the periodic hedger at 5, 15 and 60 minutes and the
    static policy on one scenario, each in ``out``/<policy>/, then compare.png."""
    from sim.baselines import COMPARED, Policy, write_compare

    out_dir = Path(out)
    runs = []
    for name, interval in COMPARED:
        policy = Policy(name, interval)
        report = _run_one(scenario_path, out_dir / policy.folder, True, seed, short, policy)
        runs.append((policy, report))
        print(f"{policy.label}: cost {report['costs']['total_usd']} USD, "
              f"liquidations {report['summary']['liquidations']}")  # fmt: skip
    path = write_compare(runs, runs[0][1]["scenario"]["name"], out_dir)
    print(f"wrote {path} and {out_dir / 'compare.json'}")
    return 0


def demo(*, minutes: float, headless: bool) -> int:
    """``ballast demo``: the local world, a seeded book and the agent, live for a few
    minutes; only the agent's errors are logged (to stderr)."""
    from rehearsal.demo import DemoOptions, run_demo

    logs_to(sys.stderr, logging.ERROR)
    asyncio.run(run_demo(DemoOptions(minutes=minutes, headless=headless)))
    return 0


def run_dry(*, config_path: str, fork_urls: Sequence[str], ticks: int | None) -> int:
    """``ballast run --dry-run``: see ``rehearsal.dry_run``."""
    from agent import config as config_module
    from rehearsal.dry_run import run_dry as dry

    result: int = dry(config_module.load(Path(config_path)), fork_urls=fork_urls, ticks=ticks)
    return result


def chain_up(
    *, port: int | None, manifest: str | None, seconds: float | None, profile: str = "ethereum"
) -> int:
    """``ballast chain up``: the local world until Ctrl-C or ``seconds``."""
    from sim.world import run_chain_up

    return run_chain_up(
        port=port, manifest=Path(manifest) if manifest else None, seconds=seconds, profile=profile
    )
