"""A book spread over two chains, end to end: the local world's second chain (its own anvil
and protocols, the "arbitrum" profile) holds the GMX short, the first holds Aave, Premia and
Uniswap. A dry run forks both chains; each tick reads each chain once; the hedges land on
both forks and nowhere else; a chain whose execution target is not its fork stops the start."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.intents import OutcomeStatus
from agent.wiring import build_daemon
from agent.wiring.venues import build_venues
from connectors.evm.aggregate3 import SELECTOR as AGGREGATE3
from connectors.evm.jsonrpc import JsonRpcTransport
from connectors.evm.multicall import MULTICALL3_ADDRESS
from rehearsal.dry_run import fork_config
from rehearsal.seed import seed_book
from sim.anvil import Anvil, AnvilOptions
from sim.local_config import SECOND_CHAIN
from sim.stack import LocalStack, StackOptions, WorldClock
from sim.world import WorldOptions
from tests.e2e.conftest import CRASH, overrides
from tests.support.config_files import write_local_config
from tests.support.rpc_fault_proxy import Forwarded, RpcFaultProxy

pytestmark = pytest.mark.e2e


@pytest.fixture
async def two_chains(tmp_path: Path) -> AsyncIterator[LocalStack]:
    # Delta is hedged on GMX alone, so the second chain must act for the book to be hedged;
    # the second chain has fee caps of its own, as Arbitrum's differ from Ethereum's.
    second_gas = {"max_fee_gwei": 20, "max_priority_fee_gwei": 1,
                  "emergency_max_fee_gwei": 200, "emergency_max_priority_fee_gwei": 5}  # fmt: skip
    extra = {
        "underlyings": {"ETH": {"hedge_venues": ["gmx"]}},
        "chains": {SECOND_CHAIN: {"gas": second_gas}},
    }
    options = StackOptions(
        world=WorldOptions(path=CRASH), run_dir=tmp_path, overrides=overrides(**extra),
        second_chain=True,
    )  # fmt: skip
    async with LocalStack(options) as stack:
        assert stack.world.manifest is not None
        assert stack.second is not None
        assert stack.second.manifest is not None
        assert stack.config is not None
        await seed_book(
            stack.world.chain, stack.world.manifest, stack.config,
            gmx_world=(stack.second.chain, stack.second.manifest),
        )  # fmt: skip
        await stack.driver.publish()  # the second chain's GMX keeper executes the seeded order
        yield stack


def _reads(forwarded: Sequence[Forwarded]) -> int:
    """Batched reads: eth_calls of Multicall3's aggregate3 (simulations are other eth_calls)."""
    return sum(
        1
        for f in forwarded
        if f.method == "eth_call"
        and str(f.params[0].get("to", "")).lower() == MULTICALL3_ADDRESS.lower()
        and str(f.params[0].get("data", "")).startswith("0x" + AGGREGATE3.hex())
    )


async def _nonce(url: str, account: str) -> int:
    async with JsonRpcTransport(url) as transport:
        return int(await transport.request("eth_getTransactionCount", [account, "latest"]), 16)


async def test_a_two_chain_book_is_read_once_per_chain_hedged_on_both_and_forked_only(
    two_chains: LocalStack, tmp_path: Path
) -> None:
    stack = two_chains
    assert stack.config is not None
    assert stack.second is not None
    assert stack.world.manifest is not None
    agent = stack.world.manifest.accounts["agent"]
    first_url, second_url = stack.world.anvil.url, stack.second.anvil.url
    gmx = await _gmx_position(stack)
    assert gmx == -10.0, "the seeded GMX short is on the second chain"
    await stack.driver.advance(1200)  # ETH 2400: Aave needs a repay, delta a GMX hedge
    nonces = (await _nonce(first_url, agent), await _nonce(second_url, agent))

    with (
        Anvil(AnvilOptions(fork_url=first_url)) as first_fork,
        Anvil(AnvilOptions(fork_url=second_url)) as second_fork,
    ):
        async with (
            RpcFaultProxy(first_fork.url) as first,
            RpcFaultProxy(second_fork.url) as second,
            AsyncExitStack() as resources,
        ):
            urls = {"local": first.url, SECOND_CHAIN: second.url}
            config = fork_config(stack.config, urls, tmp_path)
            daemon = await build_daemon(
                config, resources, clock=WorldClock(stack.driver), dry_run=True
            )
            reads = []
            reports = []
            for _ in range(2):
                before = (_reads(first.forwarded), _reads(second.forwarded))
                reports.append(await daemon.tick())
                reads.append(
                    (_reads(first.forwarded) - before[0], _reads(second.forwarded) - before[1])
                )
        forked = (await _nonce(first_fork.url, agent), await _nonce(second_fork.url, agent))

    assert all(r.error is None for r in reports), [r.error for r in reports]
    assert reads == [(1, 1), (1, 1)], "one batched read per chain per tick"
    done = {
        intent.venue
        for report in reports
        for intent, outcome in zip(report.intents, report.outcomes, strict=True)
        if outcome.status is OutcomeStatus.FILLED
    }
    everything = [
        (i.venue, i.action.value, o.status.value, o.detail)
        for r in reports
        for i, o in zip(r.intents, r.outcomes, strict=True)
    ]
    assert {"aave", "gmx"} <= done, f"hedges on both chains: {everything}"
    assert forked[0] > nonces[0], "the Aave repay went to the first chain's fork"
    assert forked[1] > nonces[1], "the GMX order went to the second chain's fork"
    assert (await _nonce(first_url, agent), await _nonce(second_url, agent)) == nonces, (
        "neither real chain was touched"
    )

    # The first chain a fork, the second the real (local) chain itself: no start.
    with Anvil(AnvilOptions(fork_url=first_url)) as fork:
        urls = {"local": fork.url, SECOND_CHAIN: second_url}
        config = fork_config(stack.config, urls, tmp_path / "refused")
        async with AsyncExitStack() as resources:
            with pytest.raises(ConfigError, match="not a fork"):
                await build_daemon(config, resources, clock=WorldClock(stack.driver), dry_run=True)
    with pytest.raises(ConfigError, match=r"no fork for chain\(s\) \['arbitrum'\]"):
        fork_config(stack.config, {"local": "http://127.0.0.1:1"}, tmp_path)

    # The operator's command: `ballast run --dry-run` forks both chains itself.
    files = write_local_config(
        stack, config=tmp_path / "etc" / "ballast.toml", credentials=tmp_path / "credentials",
        state=tmp_path / "state", run=tmp_path / "run",
    )  # fmt: skip
    env = {**os.environ, "CREDENTIALS_DIRECTORY": str(files.credentials)}
    command = [str(Path(sys.executable).parent / "ballast"), "run", "--dry-run", "--ticks", "1"]
    process = await asyncio.create_subprocess_exec(
        *command, "--config", str(files.config), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    printed = out.decode()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "dry run: forked chain local (31337)" in printed
    assert f"dry run: forked chain {SECOND_CHAIN} (31338)" in printed
    assert (await _nonce(first_url, agent), await _nonce(second_url, agent)) == nonces


async def _gmx_position(stack: LocalStack) -> float:
    """The agent's GMX ETH position, as the configured venues read it (in coin)."""
    assert stack.config is not None
    async with AsyncExitStack() as resources:
        built = await build_venues(stack.config, resources)
        snapshot = await built.venues["gmx"].snapshot()
    return sum(p.quantity for p in snapshot.positions)
