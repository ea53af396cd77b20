"""kill -9 mid-hedge, a position changed behind the agent's back, restart (RELIABILITY
row 14; issue 14 part 4).

The daemon runs as ``ballast run`` in a process of its own. Its Hyperliquid hedge
reaches the simulator (applied, reply lost, the order hidden from lookups) and the
process is SIGKILLed before it learns the outcome. While it is down someone trades
with its key and undoes the hedge. The restarted daemon reconciles the order (filled),
finds a position its own work does not explain, and acts on nothing (the simulator's
request log shows no order) until ``ballast ack``; then it hedges once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from agent.model import Side
from agent.ports import OrderRequest
from agent.wiring.venues import build_venues
from sim.venues.faults import ANY_ORDER
from tests.e2e.conftest import BAND_HALF_WIDTH
from tests.e2e.test_in_flight import DRIFT_WETH, drift, flat_book
from tests.e2e.world_view import hyperliquid_eth
from tests.support.config_files import ConfigFiles, write_local_config
from tests.support.processes import child_process
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e

BALLAST = str(Path(sys.executable).parent / "ballast")
ORDERS = "exchange/order"


@asynccontextmanager
async def daemon(files: ConfigFiles, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """``ballast run``; its output goes to ``log`` (read it when a wait times out)."""
    env = {**os.environ, "CREDENTIALS_DIRECTORY": str(files.credentials)}
    with log.open("wb") as out:
        async with child_process(
            BALLAST, "run", "--config", str(files.config), env=env,
            stdout=out, stderr=asyncio.subprocess.STDOUT,
        ) as process:  # fmt: skip
            yield process


def journal_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read the daemon's journal from outside (read-only; empty before it exists)."""
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        try:
            return list(db.execute(sql))
        except sqlite3.OperationalError:  # tables not created yet
            return []


def looks(path: Path) -> int:
    """How many times the daemon looked at Hyperliquid: its look's timestamp changes."""
    rows = journal_rows(
        path, "SELECT seen_at FROM positions_seen WHERE venue='hyperliquid' AND kind='looked'"
    )
    return int(rows[0][0] * 1000) if rows else 0  # type: ignore[call-overload]


async def ticks(path: Path, count: int, process: asyncio.subprocess.Process) -> None:
    """Wait for ``count`` more looks by the running daemon."""
    seen: set[int] = {looks(path)}

    def more() -> bool:
        assert process.returncode is None, "the daemon exited"
        seen.add(looks(path))
        return len(seen) > count

    await wait_until(more, timeout_s=60, interval_s=0.1, what=f"{count} ticks")


async def test_kill_9_mid_hedge_and_a_change_behind_its_back_hold_it_read_only_until_ack(
    tmp_path: Path,
) -> None:
    async with flat_book(tmp_path / "world", "hyperliquid") as stack:
        assert stack.config is not None
        assert stack.hyperliquid is not None
        manifest = stack.world.manifest
        assert manifest is not None
        agent = manifest.accounts["agent"]
        simulator = stack.hyperliquid
        underlyings = {
            "ETH": {
                "band": {"mode": "fixed", "half_width_coin": BAND_HALF_WIDTH},
                "hedge_venues": ["hyperliquid"],
            }
        }
        files = write_local_config(
            stack, config=tmp_path / "etc" / "ballast.toml", credentials=tmp_path / "secrets",
            state=tmp_path / "state", run=tmp_path / "run",
            overrides={"underlyings": underlyings},
        )  # fmt: skip
        journal = files.journal

        async with daemon(files, tmp_path / "first.log") as first:
            await ticks(journal, 1, first)  # the flat book, journaled
            simulator.faults.drop_order_replies(1)  # applied, then the reply is lost
            simulator.faults.hide_order(ANY_ORDER)  # and lookups do not find it
            await drift(stack.world.chain, manifest, DRIFT_WETH)
            await wait_until(lambda: simulator.count(ORDERS) == 1, timeout_s=60, what="hedge")
            first.send_signal(signal.SIGKILL)
            assert await first.wait() == -signal.SIGKILL
        simulator.faults.clear()
        hedged = hyperliquid_eth(stack, agent)
        assert hedged == pytest.approx(-DRIFT_WETH)  # the hedge landed; the agent never knew

        async with AsyncExitStack() as resources:  # someone else, with the agent's key
            built = await build_venues(stack.config, resources)
            await built.orders["hyperliquid"].place_order(
                OrderRequest("0x" + "ee" * 16, "ETH/USDC:USDC", Side.BUY, DRIFT_WETH, 3300.0)
            )
        assert hyperliquid_eth(stack, agent) == pytest.approx(0.0)
        before_restart = simulator.count(ORDERS)

        async with daemon(files, tmp_path / "second.log") as second:
            await wait_until(
                lambda: journal_rows(journal, "SELECT 1 FROM external_events"),
                timeout_s=60, what="the restart's finding",
            )  # fmt: skip
            await ticks(journal, 2, second)  # read-only ticks: delta 3 ETH, band 2
            held = simulator.count(ORDERS) - before_restart
            position_held = hyperliquid_eth(stack, agent)
            ack = await asyncio.create_subprocess_exec(
                BALLAST, "ack", "--socket", str(files.socket), "--reason", "my own trade",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await ack.communicate()
            assert ack.returncode == 0, (out + err).decode()
            await wait_until(
                lambda: simulator.count(ORDERS) > before_restart, timeout_s=60, what="the hedge"
            )
            await ticks(journal, 2, second)  # hedged once: nothing more
            after_ack = simulator.count(ORDERS) - before_restart
            position = hyperliquid_eth(stack, agent)
        events = journal_rows(
            journal, "SELECT venue, asset, kind, before, after, explained, cause FROM"
            " external_events"
        )  # fmt: skip
    assert held == 0, "an order was sent before the operator acknowledged"
    assert position_held == pytest.approx(0.0)
    assert events == [
        ("hyperliquid", "ETH", "hedge", 0.0, pytest.approx(0.0), pytest.approx(-DRIFT_WETH),
         "unexplained")
    ]  # fmt: skip
    assert after_ack == 1
    assert position == pytest.approx(-DRIFT_WETH)
