"""Run one library scenario's short version in its own process, for the test suite.

    python -m tests.e2e.scenario_worker SCENARIO_FILE hedge|no-hedge OUT_DIR

Writes OUT_DIR/report.json (as ``ballast simulate --short`` does, without plots),
OUT_DIR/agent.log, and OUT_DIR/world.json: what the chain and the venue simulators say
at the end, read here and not by the agent (the test's independent view).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

from rehearsal.commands import logs_to
from rehearsal.scenario_run import RunOptions, run_scenario
from sim.chain import attach
from sim.scenario_model import load_scenario
from sim.stack import LocalStack
from tests.e2e.world_view import eth_delta

WAD = 10**18


async def world_facts(stack: LocalStack) -> dict[str, Any]:
    """Liquidations by venue from the keepers' and simulators' own records, the Aave
    account on chain, the agent's GMX positions and its ETH delta from the world."""
    assert stack.world.manifest is not None
    assert stack.deribit is not None
    assert stack.hyperliquid is not None
    chain, manifest = stack.world.chain, stack.world.manifest
    agent = manifest.accounts["agent"].lower()
    keepers = stack.world.keepers
    account = await attach(chain, manifest, "aave.pool").read("getUserAccountData", agent)
    supplied = await attach(chain, manifest, "aave.aToken.WETH").read_one("balanceOf", agent)
    reader = attach(chain, manifest, "gmx.reader")
    store = manifest.contract("gmx.data_store")
    (positions,) = await reader.read("getAccountPositions", store, agent, 0, 100)
    return {
        "liquidations": {
            "aave": sum(r.account.lower() == agent for r in keepers.liquidator.records),
            "gmx": sum(r.account.lower() == agent for r in keepers.gmx_liquidator.records),
            "deribit": len(stack.deribit.liquidations),
            "hyperliquid": sum(x.user.lower() == agent for x in stack.hyperliquid.liquidations),
        },
        "aave_health": account[5] / WAD if account[1] else None,
        "aave_supplied_weth": supplied / WAD,
        "gmx_positions": len(positions),
        "eth_delta": await eth_delta(stack, chain, manifest),
    }


async def main(path: Path, hedge: bool, out_dir: Path) -> None:
    facts: dict[str, Any] = {}

    async def inspect(stack: LocalStack) -> None:
        facts.update(await world_facts(stack))

    scenario = load_scenario(path).shortened()
    options = RunOptions(hedge=hedge, plots=False, base_dir=path.parent)
    await run_scenario(scenario, out_dir, options, inspect=inspect)
    (out_dir / "world.json").write_text(json.dumps(facts, indent=2, sort_keys=True))


if __name__ == "__main__":
    scenario_file, mode, out = sys.argv[1:4]
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    with (target / "agent.log").open("w", encoding="utf-8") as log_file:
        logs_to(log_file, logging.INFO)
        asyncio.run(main(Path(scenario_file), mode == "hedge", target))
