"""Composition root: config -> connectors -> executor -> daemon.

The only part of ``agent`` that may import ``connectors``; it never imports ``sim``.
``ballast run`` and ``config check`` start here (``run`` through ``agent.service``, once
its config is valid); the commands that run the agent in the local world (``demo``,
``simulate``, ``compare``, ``chain up``, ``run --dry-run``) start in ``rehearsal``, the
composition root that joins this one to ``sim``.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from pathlib import Path

import structlog

from agent import config as config_module
from agent.clock import SystemClock
from agent.config.models import Config
from agent.daemon import Daemon, DaemonParts
from agent.execution.ledger import PositionLedger
from agent.ops.notify import SystemdNotifier, TickNotifier
from agent.ports import Clock
from agent.tick.reading import VenueReader
from agent.watch import ExternalWatch
from agent.wiring.execution import build_execution, serve_admin
from agent.wiring.operations import build_operations
from agent.wiring.venues import Venues, build_venues
from connectors.evm.rpc import ChainClient

log = structlog.get_logger(__name__)


async def _head(client: ChainClient) -> int:
    return int(await client.request("eth_blockNumber"), 16)


def _tokens(config: Config) -> dict[str, str]:
    """Every configured token symbol -> the underlying it represents."""
    return {s: t.underlying for chain in config.chains.values() for s, t in chain.tokens.items()}


async def build_daemon(
    config: Config, stack: AsyncExitStack, *, clock: Clock | None = None, dry_run: bool = False
) -> Daemon:
    """Everything the config describes, opened on ``stack``; the admin server listening.

    ``dry_run``: the config's chains must point at local forks (checked), transactions
    are sent there as the impersonated account, and exchange orders fill on paper.
    """
    clock = clock or SystemClock()
    built: Venues = await build_venues(config, stack, clock, paper=dry_run)
    execution = await build_execution(config, built, clock, stack, dry_run=dry_run)
    operations = build_operations(config, built, execution, clock)
    chain = next(iter(built.chains.values()), None)

    async def gas_price_gwei() -> dict[int, float]:
        """Each chain's gas price: an action is priced at its own chain's (Ethereum's
        gwei are not Arbitrum's)."""
        prices = {}
        for each in built.chains.values():
            wei = int(await each.client.request("eth_gasPrice"), 16)
            prices[each.settings.chain_id] = wei / 1e9
        return prices

    ledger = PositionLedger(execution.journal)
    execution.controls.acknowledge = lambda operator: ledger.acknowledge(
        operator, clock.now().timestamp()
    )
    parts = DaemonParts(
        config=config,
        clock=clock,
        reader=VenueReader(built.venues, clock, timeout_s=config.agent.venue_timeout_s),
        profiles=built.profiles,
        executor=execution.executor,
        controls=execution.controls,
        actions=built.actions,
        order_venues=frozenset(built.orders),
        tokens=_tokens(config),
        oracle_venue=built.oracle,
        chain_id=chain.settings.chain_id if chain else None,
        venue_chains={name: chain.settings.chain_id for name, chain in built.venue_chains.items()},
        gas_price_gwei=gas_price_gwei,
        head=(lambda: _head(chain.client)) if chain else None,
        maintenance=tuple(built.hooks),
        before_read=tuple(c.client.refresh_heads for c in built.chains.values()),
        journal_status=execution.journal_status,
        observers=operations.observers,
        background=operations.background,
        leadership=execution.leadership,
        watch=ExternalWatch(
            ledger,
            execution.controls,
            built.evidence,
            deferred=frozenset(n for n, v in config.venues.items() if v.kind == "gmx_v2"),
            untracked=frozenset(n for n, v in config.venues.items() if v.kind == "uniswap_v3"),
            gate=execution.gate,
        ),
    )
    daemon = Daemon(parts)
    await serve_admin(
        config, execution.controls, daemon, stack,
        metrics=operations.metrics.exposition, liveness=operations.liveness,
    )  # fmt: skip
    if execution.leadership is None:  # else on taking the lease (agent.leadership)
        await daemon.start_up()
    return daemon


async def serve(config: Config) -> None:
    """``ballast run``'s daemon (``agent.service`` runs it) until SIGTERM or SIGINT; the
    current tick finishes, then everything closes in order (journal last). Under
    systemd: READY after the first tick, WATCHDOG after each, STOPPING on the signal."""
    notifier = SystemdNotifier.from_environment()
    ticks = TickNotifier(notifier) if notifier else None
    stop = asyncio.Event()

    def on_signal(signum: signal.Signals) -> None:
        log.info("stop_requested", signal=signum.name)
        stop.set()
        if ticks is not None:
            ticks.stopping()

    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        async with AsyncExitStack() as stack:
            daemon = await build_daemon(config, stack)
            longest_wait_s = daemon.parts.executor.wait_timeout_s + config.agent.venue_timeout_s
            TickNotifier.check(config.agent.tick_interval_s, longest_wait_s)
            log.info("daemon_started", name=config.agent.name, venues=sorted(config.venues))
            await daemon.run(stop, on_tick=ticks)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if notifier is not None:
            notifier.close()
    log.info("daemon_stopped")


def config_check(path: str) -> int:
    """``ballast config check``: validate and say what is wrong, where."""
    loaded = config_module.load(Path(path))
    print(f"{path}: ok ({len(loaded.chains)} chain(s), {len(loaded.venues)} venue(s))")
    return 0
