"""A provider that starts lagging mid-run (RELIABILITY row 6): heads are compared on
every tick, so from the next tick on a provider 50 blocks behind gets no read, nonce
query, receipt poll or send; a single provider whose head stops while time goes on is
taken as stale by the chain's block time, and the agent tightens to REDUCE_ONLY saying
why. Counted in the RPC fault proxies and read from the kill switch's journal."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from pydantic import SecretStr

from agent.config.models import Config
from agent.intents import KillState, OutcomeStatus
from agent.wiring import build_daemon
from sim.market import MarketDriver
from tests.e2e.test_in_flight import DRIFT_WETH, MovingClock, drift, flat_book, rpc, ticker
from tests.support.rpc_fault_proxy import RpcFaultProxy

pytestmark = pytest.mark.e2e

LAG_BLOCKS = 50


class MovingMonotonic(MovingClock):
    """Ticks a minute apart on the monotonic clock as well (RPC head progress)."""

    def __init__(self, driver: MarketDriver) -> None:
        super().__init__(driver)

    def monotonic(self) -> float:
        return super().monotonic() + self.offset_s


def through(config: Config, urls: list[str], **chain: object) -> Config:
    """``config`` with the local chain's RPC URLs (and other settings) replaced."""
    local = config.chains["local"].model_copy(
        update={"rpc_urls": [SecretStr(url) for url in urls], **chain}
    )
    return config.model_copy(update={"chains": {"local": local}})


async def test_a_provider_lagging_mid_run_gets_nothing_from_the_next_tick(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path, "uniswap") as stack:
        assert stack.config is not None
        chain, manifest = stack.world.chain, stack.world.manifest
        assert manifest is not None
        node = stack.config.chains["local"].rpc_urls[0].get_secret_value()
        async with (
            RpcFaultProxy(node) as lagging,
            RpcFaultProxy(node) as healthy,
            AsyncExitStack() as resources,
        ):
            config = through(stack.config, [lagging.url, healthy.url])  # lagging preferred
            clock = MovingClock(stack.driver)
            daemon = await build_daemon(config, resources, clock=clock)
            tick = ticker(daemon, clock)
            await tick()
            assert any(f.method == "eth_call" for f in lagging.forwarded)  # in use so far
            lagging.faults.head_lag_blocks = LAG_BLOCKS
            since = len(lagging.forwarded)
            await drift(chain, manifest, DRIFT_WETH)
            hedged = await tick()  # reads, nonce, fees, simulation, send, receipts
            assert [o.status for o in hedged.outcomes] == [OutcomeStatus.FILLED]
            after = [f.method for f in lagging.forwarded[since:]]
            [refresh] = daemon.parts.before_read  # the chain client's head comparison
            providers = refresh.__self__.status()  # type: ignore[attr-defined]
    assert set(after) == {"eth_blockNumber"}  # only the head comparison itself
    assert healthy.sends(), "the hedge went out through the healthy provider"
    assert [s.problem for s in providers] == [
        f"lagging {LAG_BLOCKS} blocks behind the best head",
        None,
    ]


async def test_a_single_provider_whose_head_stops_tightens_to_reduce_only(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path, "uniswap") as stack:
        assert stack.config is not None
        chain = stack.world.chain
        node = stack.config.chains["local"].rpc_urls[0].get_secret_value()
        async with RpcFaultProxy(node) as only, AsyncExitStack() as resources:
            config = through(stack.config, [only.url], block_time_s=2.0)
            clock = MovingMonotonic(stack.driver)
            daemon = await build_daemon(config, resources, clock=clock)
            tick = ticker(daemon, clock)
            await chain.mine()
            await tick()
            assert daemon.parts.controls.killswitch.state is KillState.ACTIVE
            only.freeze_head(int(await rpc(chain, "eth_blockNumber"), 16))
            for _ in range(2):  # the chain goes on; the provider's head does not
                await chain.mine()
                await tick()
            state = daemon.parts.controls.killswitch.state
            [transition, *_] = daemon.parts.executor.journal.kill_history(1)
    assert state is KillState.REDUCE_ONLY
    assert "head stuck at" in transition.reason
