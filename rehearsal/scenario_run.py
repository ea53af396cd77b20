"""``ballast simulate``: one scenario in the local world, in stepped chain time.

The world starts at the scenario's fixed chain time with every block at the market
driver's time, the book is seeded, and the agent (the same daemon as ``ballast run``,
on a ``SteppedClock``) ticks at t = 0, step, 2 step, ... duration. Around each tick:
regime changes and faults due by then, the market step, the tick, a publish at the
same prices (keepers execute GMX orders), a re-read of the book if the tick acted, and
the step's gas from receipts. Nothing depends on the wall clock, so the same scenario
and seed give the same report.json.

``--no-hedge`` is the same run with the kill switch held at HALTED from the start by an
operator command: the agent reads, decides and reports; the guard lets nothing out.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent import config as config_module
from agent.config.models import Config
from agent.daemon import Daemon
from agent.errors import BallastError, ConfigError
from agent.risk.portfolio import book_greeks
from agent.risk.validation import RiskInputError
from agent.tick.book_builder import build_book
from agent.wiring import build_daemon
from rehearsal.seed import seed_book
from sim.anvil import AnvilOptions
from sim.baselines import Policy
from sim.rpc_proxy import RpcFaultProxy
from sim.scenario_equity import EquityMeter
from sim.scenario_events import (
    Event,
    SteppedClock,
    World,
    before_advance,
    before_tick,
    needs_proxy,
    scenario_events,
)
from sim.scenario_model import Scenario
from sim.scenario_record import AaveProbe, GasMeter, HeldBook, Recorder, TickFacts, acted
from sim.scenario_report import agent_liquidations, build_report, kill_transitions, write_report
from sim.stack import LOCAL_CONFIG, LocalStack, StackOptions
from sim.world import WorldOptions

NO_HEDGE_OPERATOR = "scenario"
# A stepped simulation waits for its venues (a scenario may still set its own): how
# loaded the machine is must not decide whether a read counts as failed.
SIMULATED_VENUE_TIMEOUT_S = 60.0
NO_HEDGE_REASON = "--no-hedge: the agent reads and reports, and sends nothing"

Inspect = Callable[[LocalStack], Awaitable[None]]


@dataclass(frozen=True)
class RunOptions:
    """``hedge=False`` is ``--no-hedge``; ``seed`` overrides the scenario's; ``base_dir``
    is where the scenario file lives (a CSV path is relative to it)."""

    hedge: bool = True
    seed: int | None = None
    plots: bool = True
    base_dir: Path = Path()
    policy: Policy = field(default_factory=Policy)


def tick_times(scenario: Scenario) -> list[int]:
    """Chain seconds since the start at which the agent ticks: 0, step, ..., duration."""
    times = list(range(0, scenario.duration_s, scenario.step_s))
    return [*times, scenario.duration_s]


def behind_proxy(config: Config, url: str) -> Config:
    """``config`` with its chains' RPC through the fault proxy at ``url``."""
    chains = {
        name: chain.model_copy(update={"rpc_urls": [SecretStr(url)]})
        for name, chain in config.chains.items()
    }
    return config.model_copy(update={"chains": chains})


async def read_after(daemon: Daemon) -> HeldBook | None:
    """The book re-read after a tick's actions, at the same market (None if unreadable);
    Greeks only, no liquidation grid or stress."""
    parts = daemon.parts
    reads = await parts.reader.read_all()
    snapshots = {name: r.snapshot for name, r in reads.items() if r.snapshot is not None}
    try:
        book = build_book(
            snapshots, parts.profiles, now=parts.clock.now(), oracle_venue=parts.oracle_venue
        )
        greeks = book_greeks(book)
    except (BallastError, RiskInputError):
        return None
    deltas = {u: greeks.net_for(u)["delta"] for u in greeks.underlyings}
    return HeldBook(book, deltas)


class _Run:
    """One scenario run inside a started stack."""

    def __init__(self, scenario: Scenario, stack: LocalStack, options: RunOptions) -> None:
        assert stack.config is not None
        assert stack.world.manifest is not None
        self.scenario = scenario
        self.stack = stack
        self.options = options
        self.config = stack.config
        self.manifest = stack.world.manifest
        self.events: list[Event] = scenario_events(scenario)
        self.world = World(stack)
        targets = {u: s.delta_target_coin for u, s in self.config.underlyings.items()}
        self.recorder = Recorder(targets)
        self.gas = GasMeter(stack.world.chain, self.manifest.accounts["agent"])
        self.probe = AaveProbe(stack.world.chain, self.manifest)
        self.equity = EquityMeter(stack)

    async def prepare(self, resources: AsyncExitStack) -> Daemon:
        """Seed the book, start the agent (behind the proxy if needed), attach probes."""
        stack, config = self.stack, self.config
        await seed_book(stack.world.chain, self.manifest, config, self.scenario.book.plan())
        await stack.driver.publish()  # the GMX keeper executes the seeded order
        if needs_proxy(self.scenario):
            proxy = await resources.enter_async_context(RpcFaultProxy(self.manifest.rpc_url))
            self.world.proxy = proxy
            config = behind_proxy(config, proxy.url)
        daemon = await build_daemon(config, resources, clock=SteppedClock(stack.driver))
        if not self.options.hedge:
            await daemon.parts.controls.kill(NO_HEDGE_OPERATOR, NO_HEDGE_REASON)
        listeners = stack.driver.listeners
        listeners.insert(listeners.index(stack.world.keepers.liquidator), self.probe)
        await self.gas.start()
        return daemon

    async def step(self, daemon: Daemon, elapsed_s: int, previous_s: int | None) -> None:
        """Faults and regimes due, the market move, one tick, and what it cost."""
        driver = self.stack.driver
        await before_advance(self.events, self.world, elapsed_s)
        if previous_s is not None:
            await driver.advance(elapsed_s - previous_s)
        await before_tick(self.events, self.world, elapsed_s)
        before = await self.equity.measure()
        report = await daemon.tick()
        await driver.publish()  # keepers at the same prices: GMX orders execute
        after = await read_after(daemon) if acted(report) else None
        facts = TickFacts(
            time_s=elapsed_s,
            state=driver.state,
            report=report,
            after=after,
            gas=await self.gas.collect(driver.state.prices["ETH"]),
            probe=self.probe.take(),
            equity_before=before,
            equity_after=await self.equity.measure() if acted(report) else before,
        )
        self.recorder.record(facts)

    def report(self, daemon: Daemon, seed: int) -> dict[str, Any]:
        start = self.stack.driver.start_timestamp
        history = daemon.parts.controls.killswitch.history(10_000)
        return build_report(
            self.scenario,
            seed=seed,
            hedge=self.options.hedge,
            policy=self.options.policy.describe(),
            recorder=self.recorder,
            liquidations=agent_liquidations(self.stack),
            transitions=kill_transitions(history, start),
            thresholds={
                key: value
                for key, value in self.config.health.model_dump().items()
                if isinstance(value, float)
            },
        )


def _merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in, table by table (neither is changed)."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _stack_options(
    scenario: Scenario, options: RunOptions, run_dir: Path, seed: int
) -> StackOptions:
    world = WorldOptions(
        path=scenario.market_path(options.base_dir, seed),
        anvil=AnvilOptions(timestamp=int(scenario.start.timestamp())),
        block_interval_s=0,
    )
    book = scenario.book
    overrides = _merged({"agent": {"venue_timeout_s": SIMULATED_VENUE_TIMEOUT_S}}, scenario.agent)
    underlyings = config_module.read_toml(LOCAL_CONFIG).get("underlyings", {})
    overrides = _merged(overrides, options.policy.overrides(underlyings))
    return StackOptions(
        world=world,
        run_dir=run_dir,
        overrides=overrides,
        deribit_balances={"ETH": book.deribit_eth, "BTC": 0.0, "USDC": book.deribit_usdc},
        hyperliquid_usdc=book.hyperliquid_usdc,
        liquidity=scenario.liquidity,
    )


async def run_scenario(
    scenario: Scenario,
    out_dir: Path | None,
    options: RunOptions | None = None,
    *,
    inspect: Inspect | None = None,
) -> dict[str, Any]:
    """Run ``scenario``; write ``out_dir``/report.json (and plots) if ``out_dir`` is
    given; return the report. ``inspect`` sees the world before it stops (tests)."""
    options = options or RunOptions()
    seed = scenario.seed if options.seed is None else options.seed
    with tempfile.TemporaryDirectory(prefix="ballast-scenario-") as run_dir:
        async with AsyncExitStack() as outer:
            stack_options = _stack_options(scenario, options, Path(run_dir), seed)
            try:
                stack = await outer.enter_async_context(LocalStack(stack_options))
            except ConfigError as error:
                raise ConfigError(
                    f"agent overrides of scenario {scenario.name!r}: {error}"
                ) from None
            report = await _run(scenario, stack, options, seed, inspect)
    if out_dir is not None:
        write_report(report, out_dir)
        if options.plots:
            from sim.scenario_plots import write_plots

            write_plots(report, out_dir)
    return report


async def _run(
    scenario: Scenario,
    stack: LocalStack,
    options: RunOptions,
    seed: int,
    inspect: Inspect | None,
) -> dict[str, Any]:
    run = _Run(scenario, stack, options)
    async with AsyncExitStack() as resources:
        daemon = await run.prepare(resources)
        previous = None
        for elapsed in tick_times(scenario):
            await run.step(daemon, elapsed, previous)
            previous = elapsed
        report = run.report(daemon, seed)
    if inspect is not None:
        await inspect(stack)
    return report
