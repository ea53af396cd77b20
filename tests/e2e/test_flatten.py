"""`ballast flatten` on the local world: every hedge is closed, the book stays.

The seeded book holds a 10 ETH GMX short and a 25 ETH Hyperliquid short hedging short
calls on Deribit and Premia. After the operator's FLATTEN the daemon's ticks close both
perps (GMX through a keeper-executed decrease order), nothing else is traded, and the
options and the Aave account are as they were; all checked on the chain and in the
simulators (tests/e2e/world_view.py), not in the agent's logs.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from agent.intents import Action, KillState, OutcomeStatus
from agent.wiring import build_daemon
from sim.stack import LocalStack, WorldClock
from tests.e2e.world_view import aave_health, deribit_holdings, gmx_eth, hyperliquid_eth

pytestmark = pytest.mark.e2e

TICKS = 4
STEP_S = 30


async def test_flatten_closes_every_hedge_and_nothing_else(seeded_stack: LocalStack) -> None:
    stack = seeded_stack
    assert stack.config is not None
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    agent = manifest.accounts["agent"]
    assert await gmx_eth(chain, manifest, agent) == pytest.approx(-10.0)
    assert hyperliquid_eth(stack, agent) == pytest.approx(-25.0)
    options_before = deribit_holdings(stack)
    health_before = await aave_health(chain, manifest)
    reports = []
    async with AsyncExitStack() as resources:
        daemon = await build_daemon(stack.config, resources, clock=WorldClock(stack.driver))
        await daemon.start_up()
        await daemon.parts.controls.flatten("test", "drill: unwind every hedge")
        for _ in range(TICKS):
            report = await daemon.tick()
            assert report.error is None, report.error
            reports.append(report)
            await stack.driver.publish()  # the GMX keeper executes the decrease order
            await stack.driver.advance(STEP_S)
        assert daemon.parts.controls.killswitch.state is KillState.FLATTEN

    assert await gmx_eth(chain, manifest, agent) == pytest.approx(0.0, abs=1e-9)
    assert hyperliquid_eth(stack, agent) == pytest.approx(0.0, abs=1e-9)
    assert deribit_holdings(stack) == options_before
    assert await aave_health(chain, manifest) == pytest.approx(health_before, rel=0.05)
    intents = [i for r in reports for i in r.intents]
    assert {(i.venue, i.action) for i in intents} == {
        ("gmx", Action.BUY),
        ("hyperliquid", Action.BUY),
    }
    outcomes = [o for r in reports for o in r.outcomes]
    assert all(o.status is not OutcomeStatus.REJECTED for o in outcomes), outcomes
    assert all(not r.intents for r in reports[2:]), "nothing left to unwind"
