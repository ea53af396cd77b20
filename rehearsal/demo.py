"""``ballast demo``: the agent defends a book through a selloff, live, in a few minutes.

Starts the local world (chain, protocols, keepers, venue simulators), seeds the book,
runs the daemon exactly as ``ballast run`` does (its own tick loop, on the world's
chain-time clock) and drives the market along ``DEMO_PATH`` - a selloff with a vol
spike, then a rebound - compressed into ``minutes`` of wall time. Ends by itself,
prints a summary, and stops every process it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
import time
from collections.abc import Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live

from agent.daemon import Daemon
from agent.tick.report import TickReport
from agent.wiring import build_daemon
from rehearsal.seed import seed_book
from sim.book_plan import BookPlan
from sim.demo_view import ActionRow, DemoView, HeadlessPrinter, is_terminal, render
from sim.paths import Keyframe, KeyframePath
from sim.scenario_report import agent_liquidations
from sim.stack import LocalStack, StackOptions, WorldClock
from sim.world import WorldOptions

WAD = 10**18
VOLS = {"ETH": 0.65, "BTC": 0.55}
# 90 minutes of chain time: calm, a selloff to -33% with implied vol doubling, a
# rebound, and calm again.
DEMO_DURATION_S = 5400
DEMO_PATH = KeyframePath(
    [
        Keyframe(0, {"ETH": 3000.0, "BTC": 60_000.0}, VOLS),
        Keyframe(600, {"ETH": 2950.0, "BTC": 59_500.0}, {"ETH": 0.70, "BTC": 0.58}),
        Keyframe(2400, {"ETH": 2000.0, "BTC": 48_000.0}, {"ETH": 1.30, "BTC": 1.00}),
        Keyframe(3000, {"ETH": 2050.0, "BTC": 48_500.0}, {"ETH": 1.25, "BTC": 0.95}),
        Keyframe(4500, {"ETH": 2700.0, "BTC": 56_000.0}, {"ETH": 0.85, "BTC": 0.65}),
        Keyframe(DEMO_DURATION_S, {"ETH": 2750.0, "BTC": 57_000.0}, {"ETH": 0.75, "BTC": 0.60}),
    ]
)


MAX_CATCH_UP_STEPS = 3  # the largest market move, in scheduled steps

# The default book with a larger Hyperliquid short: roughly delta-neutral at the start.
DEMO_BOOK = BookPlan(hyperliquid_short=160.0)


@dataclass(frozen=True)
class DemoOptions:
    """``minutes`` of wall time for the whole path; ``step_s`` of wall time between
    market moves; ``headless`` prints log lines instead of the live view."""

    minutes: float = 3.0
    headless: bool = False
    step_s: float = 1.0


class _Demo:
    def __init__(self, stack: LocalStack, daemon: Daemon, view: DemoView) -> None:
        self.stack = stack
        self.daemon = daemon
        self.view = view
        self.receipts: list[ActionRow] = []  # actions whose gas is not known yet
        self.gas_usd = 0.0
        self.stop = asyncio.Event()

    def on_tick(self, report: TickReport, printer: HeadlessPrinter | None) -> None:
        transition = self.daemon.parts.controls.killswitch.last_transition
        if transition is not None and transition.state.value != "active":
            self.view.kill_reason = f"{transition.actor}: {transition.reason}"[:160]
        added = self.view.on_tick(report)
        self.receipts += [row for row in added if row.on_chain]
        if printer is not None:
            printer.tick(added)

    async def drive(self, options: DemoOptions) -> None:
        """Move the market in real time, on schedule with the wall clock, until the path
        ends or the time is up."""
        driver = self.stack.driver
        speed = DEMO_DURATION_S / max(options.minutes * 60.0, 1.0)  # chain s per wall s
        # A stalled loop catches up in several moves, never in one jump: a jump moves the
        # oracle far from venues that have not seen it yet, and a tick reading between
        # the two would rightly trip the kill switch on the deviation.
        largest = max(1, round(MAX_CATCH_UP_STEPS * options.step_s * speed))
        started = time.monotonic()
        while not self.stop.is_set() and driver.elapsed_s < DEMO_DURATION_S:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), options.step_s)
            due = min(round((time.monotonic() - started) * speed), DEMO_DURATION_S)
            if not self.stop.is_set() and due > driver.elapsed_s:
                await driver.advance(min(due - driver.elapsed_s, largest))
                self.show_market()
                await self._resolve_gas()
        self.stop.set()

    def show_market(self) -> None:
        state = self.stack.driver.state
        self.view.now_timestamp = state.timestamp
        self.view.prices = dict(state.prices)
        self.view.implied_vols = dict(state.implied_vols)

    async def _resolve_gas(self) -> None:
        rpc = self.stack.world.chain.rpc
        waiting = []
        for row in self.receipts:
            receipt = await rpc.request("eth_getTransactionReceipt", [row.reference])
            if receipt is None:
                waiting.append(row)
                continue
            wei = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
            gas = wei / WAD * self.stack.driver.state.prices["ETH"]
            self.gas_usd += gas
            self.view.gas(row.reference, gas)
        self.receipts = waiting


async def _live(demo: _Demo, options: DemoOptions, console: Console) -> None:
    with Live(render(demo.view), console=console, refresh_per_second=4) as live:

        def on_tick(report: TickReport) -> None:
            demo.on_tick(report, None)
            live.update(render(demo.view))

        async with asyncio.TaskGroup() as group:
            group.create_task(demo.daemon.run(demo.stop, on_tick=on_tick))
            group.create_task(demo.drive(options))


async def _headless(demo: _Demo, options: DemoOptions, out: TextIO) -> None:
    printer = HeadlessPrinter(demo.view, out)
    async with asyncio.TaskGroup() as group:
        group.create_task(demo.daemon.run(demo.stop, on_tick=lambda r: demo.on_tick(r, printer)))
        group.create_task(demo.drive(options))


def summary(demo: _Demo) -> str:
    """What happened, in a few lines."""
    view = demo.view
    liquidations = agent_liquidations(demo.stack)
    fees = sum(row.fee_usd for row in view.actions)
    lines = [
        f"demo over: {view.elapsed_s / 60:.0f} minutes of chain time, {view.ticks} ticks, "
        f"{view.all_actions} actions (fees ${fees:,.2f}, gas ${demo.gas_usd:,.2f})",
        "lowest health: "
        + ", ".join(f"{venue} {ratio:.2f}" for venue, ratio in sorted(view.health_min.items())),
        f"liquidations of the agent's positions: {len(liquidations)}",
        *(
            f"  {item['venue']}: {item['position']} at t+{item['time_s']} s"
            for item in liquidations
        ),
    ]
    report = view.last
    if report is not None and report.assessment is not None:
        deltas = ", ".join(
            f"{name} {report.assessment.net[name].delta:+.2f} (band +-{band:.2f})"
            for name, band in sorted(report.band_half_widths.items())
            if name in report.assessment.net
        )
        lines.append(f"final net delta: {deltas}; kill switch {report.kill_state.value}")
    return "\n".join(lines)


async def run_demo(options: DemoOptions, out: TextIO = sys.stdout) -> str:
    """Run the demo; returns (and prints) the summary."""
    console = Console(file=out)
    headless = options.headless or not is_terminal(console)
    if headless and not options.headless:
        print("no terminal: printing log lines (as --headless)", file=out, flush=True)
    print("starting the local world (anvil, protocols, keepers, venue simulators)...",
          file=out, flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ballast-demo-") as run_dir:
        stack_options = StackOptions(world=WorldOptions(path=DEMO_PATH), run_dir=Path(run_dir))
        async with LocalStack(stack_options) as stack, AsyncExitStack() as resources:
            assert stack.config is not None
            assert stack.world.manifest is not None
            await seed_book(stack.world.chain, stack.world.manifest, stack.config, DEMO_BOOK)
            await stack.driver.publish()
            daemon = await build_daemon(stack.config, resources, clock=WorldClock(stack.driver))
            health = stack.config.health
            view = DemoView(
                stack.driver.start_timestamp, health.lending_trigger, health.margin_trigger
            )
            demo = _Demo(stack, daemon, view)
            demo.show_market()
            await daemon.plan(WorldClock(stack.driver).now())  # compile the risk engine first
            print(f"world up (anvil pid {stack.world.anvil.pid}); book seeded; agent running",
                  file=out, flush=True)  # fmt: skip
            await _watch_signals(demo, _headless(demo, options, out) if headless
                                 else _live(demo, options, console))  # fmt: skip
            text = summary(demo)
    print(text, file=out, flush=True)
    return text


async def _watch_signals(demo: _Demo, work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` with SIGINT/SIGTERM ending the demo early (cleanly)."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, demo.stop.set)
    try:
        await work
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
