"""``ballast run --dry-run``: read the real venues, act only on a local fork.

A local anvil forks the configured chain (or ``--fork-url``); the daemon reads from the
fork (so it sees the effect of what it did), sends every transaction there as the
impersonated account (no real signature is ever made), and fills exchange orders on
paper against the real order books. Before anything is sent, the execution target is
proven to be that local fork, else the run is refused. The journal and admin socket
live in a temporary folder; at the end it prints what it would have done and the
book's net delta and health before and after.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from pydantic import SecretStr

from agent.config.models import Config
from agent.daemon import TickReport
from agent.errors import ConfigError
from sim.anvil import Anvil, AnvilOptions


def fork_config(config: Config, fork_rpc_url: str, workdir: Path) -> Config:
    """``config`` with its one chain served by the fork, journal and socket in ``workdir``."""
    if len(config.chains) != 1:
        raise ConfigError("dry-run supports exactly one chain", field="chains")
    ((name, chain),) = config.chains.items()
    forked = chain.model_copy(update={"rpc_urls": [SecretStr(fork_rpc_url)]})
    return config.model_copy(
        update={
            "chains": {name: forked},
            "agent": config.agent.model_copy(
                update={"journal": workdir / "dry-run-journal.sqlite"}
            ),
            "admin": config.admin.model_copy(
                update={"socket": workdir / "admin.sock", "tcp_port": None}
            ),
        }
    )


def summary(first: TickReport | None, last: TickReport | None) -> str:
    """What the dry run would have done, and the book before and after."""
    lines = []
    for label, report in (("before", first), ("after", last)):
        if report is None or report.assessment is None:
            continue
        deltas = ", ".join(
            f"{u} {g.delta:+.3f}" for u, g in report.assessment.net.items() if g.delta
        )
        health = ", ".join(
            f"{h.venue} {h.ratio:.3f}"
            for r in report.reads.values()
            if r.snapshot
            for h in r.snapshot.health
        )
        lines.append(f"{label}: net delta {deltas or '0'}; health {health or '-'}")
    return "\n".join(lines)


async def _dry(config: Config, ticks: int | None) -> None:
    from agent.wiring import build_daemon

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    reports: list[TickReport] = []

    def on_tick(report: TickReport) -> None:
        reports.append(report)
        for intent, outcome in zip(report.intents, report.outcomes, strict=False):
            what = f"{intent.action.value} {intent.quantity:.6g} {intent.asset} on {intent.venue}"
            print(f"would {what}: {outcome.status.value} {outcome.detail}".rstrip(), flush=True)
        if ticks is not None and len(reports) >= ticks:
            stop.set()

    async with AsyncExitStack() as stack:
        daemon = await build_daemon(config, stack, dry_run=True)
        await daemon.run(stop, on_tick=on_tick)
    print(summary(reports[0] if reports else None, reports[-1] if reports else None))


def run_dry(config: Config, *, fork_url: str | None, ticks: int | None) -> int:
    if len(config.chains) != 1:
        raise ConfigError("dry-run supports exactly one chain", field="chains")
    chain = next(iter(config.chains.values()))
    source = fork_url or chain.rpc_urls[0].get_secret_value()
    with (
        tempfile.TemporaryDirectory(prefix="ballast-dry-run-") as workdir,
        Anvil(AnvilOptions(fork_url=source)) as fork,
    ):
        print(
            f"dry run: forked chain {chain.chain_id} locally at {fork.url}; nothing is sent to it"
        )
        asyncio.run(_dry(fork_config(config, fork.url, Path(workdir)), ticks))
    return 0
