"""``ballast run --dry-run``: read the real venues, act only on local forks.

One local anvil forks each configured chain (from its first RPC URL, or ``--fork-url``);
the daemon reads from the forks (so it sees the effect of what it did), sends every
transaction to its chain's fork as the impersonated account (no real signature is ever
made), and fills exchange orders on paper against the real order books. Before
anything is sent, each chain's execution target is proven to be a local fork of that
chain, else the run is refused. The journal and admin socket live in a temporary
folder; at the end it prints what it would have done and the book's net delta and
health before and after.
"""

from __future__ import annotations

import asyncio
import signal
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack, ExitStack
from pathlib import Path

from pydantic import SecretStr

from agent.config.models import Config
from agent.errors import ConfigError
from agent.tick.report import TickReport
from sim.anvil import Anvil, AnvilOptions


def fork_config(config: Config, fork_urls: Mapping[str, str], workdir: Path) -> Config:
    """``config`` with each chain served by its fork (``fork_urls`` by chain name), the
    journal and socket in ``workdir``."""
    missing = sorted(set(config.chains) - set(fork_urls))
    if missing:
        raise ConfigError(f"no fork for chain(s) {missing}", field="chains")
    chains = {
        name: chain.model_copy(update={"rpc_urls": [SecretStr(fork_urls[name])]})
        for name, chain in config.chains.items()
    }
    return config.model_copy(
        update={
            "chains": chains,
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


def fork_sources(config: Config, fork_urls: Sequence[str]) -> dict[str, str]:
    """What each chain's fork forks: ``NAME=URL`` from ``--fork-url`` (a bare URL only when
    one chain is configured), else the chain's first RPC URL."""
    sources = {name: chain.rpc_urls[0].get_secret_value() for name, chain in config.chains.items()}
    for given in fork_urls:
        name, _, url = given.partition("=") if "=" in given.split("://")[0] else ("", "", given)
        if not name:
            if len(config.chains) != 1:
                raise ConfigError(
                    "with several chains, give --fork-url as NAME=URL", field="--fork-url"
                )
            name = next(iter(config.chains))
        if name not in config.chains:
            raise ConfigError(f"no chain named {name!r} to fork", field="--fork-url")
        sources[name] = url
    return sources


def run_dry(config: Config, *, fork_urls: Sequence[str], ticks: int | None) -> int:
    sources = fork_sources(config, fork_urls)
    with (
        tempfile.TemporaryDirectory(prefix="ballast-dry-run-") as workdir,
        ExitStack() as processes,
    ):
        forks = {}
        for name, source in sources.items():
            # A dry run may last days: keep no evicted state on disk (anvil would keep
            # every one); the agent reads only at the head, and recent states stay in memory.
            options = AnvilOptions(fork_url=source, extra_args=["--max-persisted-states", "0"])
            fork = processes.enter_context(Anvil(options))
            forks[name] = fork.url
            chain_id = config.chains[name].chain_id
            print(f"dry run: forked chain {name} ({chain_id}) at {fork.url}; nothing is sent to it")
        asyncio.run(_dry(fork_config(config, forks, Path(workdir)), ticks))
    return 0
