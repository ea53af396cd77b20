"""The daemon as operators watch it, on the seeded local world: its metrics equal its
status, its key can live in a remote signer, and its webhooks are told what happens."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from agent.control.client import AdminClient, AdminTarget
from agent.daemon import Daemon
from agent.intents import OutcomeStatus
from agent.tick.report import TickReport
from agent.wiring import build_daemon
from rehearsal.seed import seed_book
from sim.local_config import AGENT_DEV_KEY
from sim.remote_signer import LocalRemoteSigner
from sim.stack import LocalStack, StackOptions, WorldClock
from sim.world import WorldOptions
from tests.e2e.conftest import CRASH, overrides
from tests.e2e.world_view import aave_health
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _admin(socket: Path, method: str, name: str) -> Any:
    client = AdminClient(AdminTarget(socket_path=socket))
    if method == "GET":
        return await client.status()
    return await client.command(name, reason="test", operator="tester")


def _scrape_text(text: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


async def _metrics(socket: Path) -> Samples:
    import aiohttp

    connector = aiohttp.UnixConnector(path=str(socket))
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        session.get("http://ballast/metrics") as reply,
    ):
        assert reply.status == 200
        return _scrape_text(await reply.text())


GREEK_METRICS = {
    "delta": "ballast_net_delta_coin", "delta_usd": "ballast_net_delta_usd",
    "gamma": "ballast_net_gamma", "vega": "ballast_net_vega_usd",
    "theta": "ballast_net_theta_usd", "rho": "ballast_net_rho_usd",
}  # fmt: skip


async def test_a_scrape_equals_the_status(seeded_stack: LocalStack) -> None:
    stack = seeded_stack
    assert stack.config is not None
    socket = Path(stack.config.admin.socket)
    async with AsyncExitStack() as resources:
        daemon = await build_daemon(stack.config, resources, clock=WorldClock(stack.driver))
        reports = [await daemon.tick() for _ in range(2)]
        status = await _admin(socket, "GET", "status")
        samples = await _metrics(socket)
        await _admin(socket, "POST", "kill")
        after_kill = await _metrics(socket)

    assert all(r.error is None for r in reports), [r.error for r in reports]
    agent = status["agent"]
    assert agent["greeks"], "the seeded book has Greeks"
    for underlying, greeks in agent["greeks"].items():
        for field, metric in GREEK_METRICS.items():
            key = (metric, (("underlying", underlying),))
            assert samples[key] == greeks[field], (metric, underlying)
    assert agent["health"]
    for health in agent["health"]:
        labels = (("account", health["account"] or ""), ("kind", health["kind"]),
                  ("venue", health["venue"]))  # fmt: skip
        # The status writes an infinite ratio (no debt) as "inf"; Prometheus as +Inf.
        assert samples[("ballast_health_ratio", labels)] == float(health["ratio"])
    state = status["kill_switch"]["state"]
    assert samples[("ballast_kill_switch_state", (("state", state),))] == 1.0
    assert samples[("ballast_pending_transactions", ())] == len(agent["pending_transactions"])
    outcomes = Counter((o.venue, o.status.value) for r in reports for o in r.outcomes)
    assert outcomes, "the first tick hedges the seeded book"
    for (venue, outcome), count in outcomes.items():
        labels = (("status", outcome), ("venue", venue))
        assert samples[("ballast_intents_total", labels)] == count
    assert samples[("ballast_ticks_total", ())] == 2
    assert samples[("ballast_tick_duration_seconds_count", ())] == 2
    assert samples[("ballast_rpc_requests_total", (("chain", "local"),))] > 0
    assert after_kill[("ballast_kill_switch_state", (("state", "halted"),))] == 1.0, (
        "an operator's kill shows at the next scrape, not the next tick"
    )


@pytest.fixture
async def remote_signed_stack(
    tmp_path: Path,
) -> AsyncIterator[tuple[LocalStack, LocalRemoteSigner, WebhookReceiver]]:
    async with WebhookReceiver() as receiver, LocalRemoteSigner([AGENT_DEV_KEY]) as signer:
        extra = {
            "chains": {"local": {"account": {"private_key": None, "remote_signer": signer.url}}},
            "alerts": {
                "webhooks": [
                    {"format": "json", "url": receiver.url("/hooks"), "min_severity": "info"}
                ],
                "delivery": {"max_per_minute": 1000},
            },
        }
        options = StackOptions(
            world=WorldOptions(path=CRASH), run_dir=tmp_path, overrides=overrides(**extra)
        )
        async with LocalStack(options) as stack:
            assert stack.world.manifest is not None
            assert stack.config is not None
            await seed_book(stack.world.chain, stack.world.manifest, stack.config)
            await stack.driver.publish()
            yield stack, signer, receiver


async def _with_background(daemon: Daemon, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The daemon's background tasks, as ``run`` starts them (ticks are driven here)."""
    return [asyncio.create_task(task(stop)) for task in daemon.parts.background]


async def test_the_key_lives_in_a_remote_signer_and_webhooks_are_told(
    remote_signed_stack: tuple[LocalStack, LocalRemoteSigner, WebhookReceiver],
) -> None:
    stack, signer, receiver = remote_signed_stack
    assert stack.config is not None
    assert stack.config.chains["local"].account.private_key is None
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    socket = Path(stack.config.admin.socket)
    stop = asyncio.Event()
    async with AsyncExitStack() as resources:
        daemon = await build_daemon(stack.config, resources, clock=WorldClock(stack.driver))
        background = await _with_background(daemon, stop)
        await daemon.tick()
        await stack.driver.advance(1200)  # ETH 2400: Aave health under its trigger
        assert await aave_health(chain, manifest) < 1.3
        repair: TickReport = await daemon.tick()
        await _admin(socket, "POST", "kill")
        await receiver.wait_for(1, "/hooks")
        stop.set()
        await asyncio.wait_for(asyncio.gather(*background), 30)

    aave = [o for o in repair.outcomes if o.venue == "aave"]
    assert aave, repair.intents
    assert all(o.status is OutcomeStatus.FILLED for o in aave), aave
    assert await aave_health(chain, manifest) >= 1.5
    assert len(signer.signatures()) >= len(aave), "every transaction was signed remotely"
    for outcome in aave:
        sent = await chain.rpc.request("eth_getTransactionByHash", [outcome.reference])
        assert sent["from"].lower() == manifest.accounts["agent"].lower()

    notices = [body for body in receiver.at("/hooks")]
    keys = [n["key"] for n in notices]
    assert keys[0] == "lifecycle:started"
    assert keys[-1] == "lifecycle:stopping"
    assert "health:aave" in keys
    kills = [n for n in notices if n["key"].startswith("kill:")]
    assert [(k["severity"], k["fields"]["state"]) for k in kills] == [("critical", "halted")]
    acted = {n["fields"]["reference"] for n in notices if n["key"].startswith("action:")}
    assert {o.reference for o in aave} <= acted
