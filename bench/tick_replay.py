"""Recorded reads replayed through the tick's compute, to prove a change keeps every float.

``python -m bench.tick_replay record FILE`` starts the tick benchmark's world (the
999-position book of ``bench.tick``), runs ``Daemon.plan`` for a few ticks and keeps what
each tick read (the venues' reads, the work in flight, the gas prices) in FILE.
``python -m bench.tick_replay digest FILE [ROUNDS]`` replays those reads through
``Daemon.plan`` with nothing but the reads behind it, then the same reads changed the
way a live book changes (prices move, an account leaves and comes back, options close, a
reserve's threshold is lowered, a debt is repaid, a read fails), and prints per tick a
digest of what the compute produced: the input checks, the assessment (with every
account's health), the policy input and the decision. Run it on two commits: equal
digests mean the same floats, bit for bit, and the same intents. With ROUNDS it also
prints each compute phase's median over that many replays of the sequence.

The digest hashes a pickle written without its memo, so it says every value (floats bit
for bit) and never which objects happen to be shared. Sets are written in their
iteration order, which follows string hashes: digests compare between runs with the same
``PYTHONHASHSEED`` (``digest`` refuses to run without one).
"""

from __future__ import annotations

import asyncio
import copyreg
import hashlib
import io
import os
import pickle
import statistics
import sys
from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from agent.daemon import Daemon, DaemonParts
from agent.in_flight import InFlightView
from agent.intents import KillState
from agent.model import Kind, VenueSnapshot
from agent.tick.phases import COMPUTE, Phases
from agent.tick.reading import VenueRead
from agent.tick.report import Plan
from agent.tick.warm_up import collect_between_ticks, collector_paused

Reads = dict[str, VenueRead]
Tick = tuple[datetime, Reads, InFlightView, dict[str, float]]


def _proxy(mapping: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(mapping)


# Snapshots freeze their mappings in proxies, which pickle cannot write by itself.
copyreg.pickle(MappingProxyType, lambda proxy: (_proxy, (dict(proxy),)))


def digest(value: object) -> str:
    """sha256 of ``value`` pickled without the memo."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True  # no memo: shared objects are written out each time
    pickler.dump(value)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


class _Reader:
    """The recorded reads, one tick's at a time."""

    def __init__(self) -> None:
        self.reads: Reads = {}

    async def read_all(self) -> Reads:
        return self.reads


class _InFlight:
    """The executor's view of the work in flight, as recorded."""

    def __init__(self) -> None:
        self.view = InFlightView()

    def with_venue_orders(self, snapshots: Mapping[str, VenueSnapshot]) -> InFlightView:
        return self.view


class _Executor:
    """What ``Daemon.plan`` asks of the executor, answered from the recording."""

    def __init__(self) -> None:
        self.flying = _InFlight()

    async def check_chains(self) -> list[str]:
        return []

    async def resolve_orders(self) -> list[object]:
        return []

    def in_flight_ids(self) -> frozenset[str]:
        return frozenset()

    def in_flight(self, blocks: Mapping[str, int | None], earlier: frozenset[str]) -> _InFlight:
        return self.flying


class _KillSwitch:
    state = KillState.ACTIVE


class _Controls:
    killswitch = _KillSwitch()


def replay(recording: dict[str, Any], ticks: list[Tick], rounds: int = 0) -> list[str]:
    """Each tick's digest through a fresh daemon; then ``rounds`` timed replays, their
    compute phases printed."""
    reader, executor = _Reader(), _Executor()
    parts = DaemonParts(
        config=recording["config"], clock=None,  # type: ignore[arg-type]  # plan reads none
        reader=reader, profiles=recording["profiles"], executor=executor,  # type: ignore[arg-type]
        controls=_Controls(), oracle_venue=recording["oracle_venue"],  # type: ignore[arg-type]
    )  # fmt: skip
    daemon = Daemon(parts)
    gas: dict[str, float] = {}
    daemon.venue_gas_gwei = lambda: gas  # type: ignore[method-assign]
    outputs: list[tuple[object, ...]] = []

    async def run(record: bool) -> list[Phases]:
        phases = []
        for now, reads, view, prices in ticks:
            reader.reads, executor.flying.view = reads, view
            gas.clear()
            gas.update(prices)
            with collector_paused():  # as the daemon's loop and the tick bench time it
                plan = await daemon.plan(now)
            collect_between_ticks()
            phases.append(plan.phases)
            if record:
                outputs.append(_outputs(daemon, now, plan))
        return phases

    asyncio.run(run(record=True))
    timed = [p for _ in range(rounds) for p in asyncio.run(run(record=False))]
    for name in (*COMPUTE, "compute"):
        if timed:
            seconds = [p.compute if name == "compute" else p.seconds[name] for p in timed]
            print(f"   {name:<13} median {statistics.median(seconds) * 1e3:8.2f} ms")
    return [digest(found) for found in outputs]


def _outputs(daemon: Daemon, now: datetime, plan: Plan) -> tuple[object, ...]:
    """The checks, the assessment (every account's health too), the policy input and the
    decision. The policy input is rebuilt from the plan's parts: a pure function of
    them (the realized vols ignore a second observation at the same instant)."""
    inputs, snapshots, assessment = plan.inputs, plan.snapshots, plan.assessment
    usable = {name: snapshots[name] for name in inputs.usable}
    found = daemon._policy_input(now, assessment, usable, snapshots, inputs)
    risk = (
        assessment.book,
        assessment.net,
        dict(assessment.positions),  # as a plain dict, whatever mapping holds them
        assessment.underlyings,
        assessment.liquidation,
        assessment.book_value_usd,
        assessment.worst_stress_loss_usd,
        assessment.stress,
        assessment.accounts,
    )
    return inputs, risk, found, plan.decision


def changed_ticks(recording: dict[str, Any]) -> list[Tick]:
    """The recorded ticks, then the first one changed as a live book changes."""
    recorded = [(t["now"], t["reads"], t["in_flight"], t["gas_gwei"]) for t in recording["ticks"]]
    now, reads, view, gas = recorded[0]
    assert isinstance(now, datetime)

    def at(step: int) -> datetime:
        return now + timedelta(seconds=5 * step)

    moved = {n: replace(r, snapshot=_scaled(r.snapshot, 1.01)) for n, r in reads.items()}
    left = {n: r for n, r in moved.items() if n != "aave:5"}
    left = _changed(left, "deribit", lambda s: replace(s, positions=s.positions[3:]))
    left = _changed(left, "aave:7", _halved_first)
    lowered = _changed(_changed(moved, "aave:9", _lower_threshold), "aave", _lower_threshold)
    repaid = _changed(lowered, "aave:11", _repaid)
    repaid["aave:12"] = replace(
        repaid["aave:12"], fresh=False, error="timeout", failing_since=at(4)
    )
    return [
        *recorded,
        (at(1), moved, view, gas),
        (at(2), left, view, gas),
        (at(3), lowered, view, gas),
        (at(4), repaid, view, gas),
        (at(5), reads, view, gas),
    ]


def _changed(reads: Reads, name: str, change: Any) -> Reads:
    read = reads[name]
    return {**reads, name: replace(read, snapshot=change(read.snapshot))}


def _scaled(snapshot: Any, factor: float) -> Any:
    marks = {name: price * factor for name, price in snapshot.marks.items()}
    reserves = tuple(replace(r, price_usd=r.price_usd * factor) for r in snapshot.reserves)
    return replace(snapshot, marks=marks, reserves=reserves)


def _halved_first(snapshot: Any) -> Any:
    first, *rest = snapshot.positions
    return replace(snapshot, positions=(replace(first, quantity=first.quantity / 2), *rest))


def _lower_threshold(snapshot: Any) -> Any:
    first, *rest = snapshot.reserves
    lowered = replace(
        first, liquidation_threshold=first.liquidation_threshold - 0.05, ltv=first.ltv - 0.05
    )
    return replace(snapshot, reserves=(lowered, *rest))


def _repaid(snapshot: Any) -> Any:
    kept = tuple(p for p in snapshot.positions if p.instrument.kind is not Kind.LENDING_DEBT)
    return replace(snapshot, positions=kept)


def record(path: str, ticks: int = 6) -> None:
    """Run the tick benchmark's world and keep ``ticks`` ticks' reads in ``path``."""
    recording = asyncio.run(_record(ticks))
    with open(path, "wb") as file:
        pickle.dump(recording, file)


async def _record(ticks: int) -> dict[str, Any]:
    from agent.wiring import build_daemon
    from bench import tick as bench_tick
    from bench.tick_world import FixedClock, WorldProcess
    from sim.stack import StackOptions

    balances = {"ETH": 300.0, "BTC": 20.0, "USDC": 100_000.0}
    world = WorldProcess(StackOptions(deribit_balances=balances), bench_tick._extra_accounts)
    async with world as ready, AsyncExitStack() as resources:
        clock = FixedClock(ready.timestamp)
        daemon = await build_daemon(ready.config, resources, clock=clock)
        await bench_tick._options(daemon.parts.reader.venues["deribit"])  # type: ignore[arg-type]
        bench_tick._watch(daemon, ready.extras)
        kept = []
        for _ in range(ticks):
            plan = await daemon.plan(clock.now())
            kept.append(
                {
                    "now": clock.now(),
                    "reads": dict(plan.reads),
                    "in_flight": daemon.in_flight,
                    "gas_gwei": daemon.venue_gas_gwei(),
                }
            )
        parts = daemon.parts
        recording = {
            "ticks": kept,
            "profiles": dict(parts.profiles),
            "config": parts.config,
            "oracle_venue": parts.oracle_venue,
        }
    return recording


def main(arguments: list[str]) -> int:
    if len(arguments) >= 2 and arguments[0] == "record":
        from agent.ops.logs import configure_logging

        configure_logging(json_lines=False, level="warning")
        record(arguments[1])
        return 0
    if len(arguments) >= 2 and arguments[0] == "digest":
        if "PYTHONHASHSEED" not in os.environ:
            print("set PYTHONHASHSEED (e.g. 0): sets pickle in hash order")
            return 2
        with open(arguments[1], "rb") as file:
            recording = pickle.load(file)  # noqa: S301  (a file this module wrote)
        rounds = int(arguments[2]) if len(arguments) > 2 else 0
        for index, found in enumerate(replay(recording, changed_ticks(recording), rounds)):
            print(f"tick {index}: {found}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
