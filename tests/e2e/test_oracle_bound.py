"""An oracle stuck at its bound while the venues trade far away (RELIABILITY row 9).

The ETH/USD feed is asked to report $1 and clamps at its minAnswer ($10), exactly as
Chainlink's OCR aggregator does, while Deribit and Hyperliquid trade at $1: 90 % below
the oracle. The next tick halts new risk (REDUCE_ONLY, read from the kill switch's
journal) and says why: the feed at its bound and the oracle far from the venues."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace
from pathlib import Path

import pytest

from agent.intents import KillState
from agent.wiring import build_daemon
from sim.chain import attach
from tests.e2e.test_in_flight import MovingClock, flat_book, ticker

pytestmark = pytest.mark.e2e

VENUE_PRICE = 1.0  # USD per ETH on the exchanges
MIN_ANSWER = 10.0  # the local ETH/USD feed's minAnswer (sim/deploy/oracles.py)


async def test_an_oracle_clamped_at_min_answer_halts_new_risk(tmp_path: Path) -> None:
    async with flat_book(tmp_path, "hyperliquid") as stack, AsyncExitStack() as resources:
        assert stack.config is not None
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        clock = MovingClock(stack.driver)
        daemon = await build_daemon(stack.config, resources, clock=clock)
        tick = ticker(daemon, clock)
        await tick()
        assert daemon.parts.controls.killswitch.state is KillState.ACTIVE
        feed = attach(chain, manifest, "chainlink.ETH_USD")
        assert (await feed.read_one("minAnswer")) == MIN_ANSWER * 10**8
        await feed.send("transmit", int(VENUE_PRICE * 10**8), sender=manifest.accounts["deployer"])
        assert (await feed.read("latestRoundData"))[1] == MIN_ANSWER * 10**8  # clamped
        crashed = replace(
            stack.driver.state, prices={**stack.driver.state.prices, "ETH": VENUE_PRICE}
        )
        for venue in (stack.deribit, stack.hyperliquid):  # the exchanges, not the chain
            assert venue is not None
            await venue.on_market(crashed)
        await tick()
        state = daemon.parts.controls.killswitch.state
        [transition] = daemon.parts.executor.journal.kill_history(1)
    assert state is KillState.REDUCE_ONLY
    assert "ETH/USD answer 1000000000 is at its bound" in transition.reason
    assert "deribit: ETH mark 1.00 vs oracle 10.00" in transition.reason
    assert "hyperliquid: ETH mark 1.00 vs oracle 10.00" in transition.reason
