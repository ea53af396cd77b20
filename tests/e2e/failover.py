"""Two ``ballast run`` processes on one book in a PostgreSQL journal, on the local world:
what the failover drills share (issue 19).

Each host is a real daemon process with its own config, admin listener, log and RPC
proxy (``sim.rpc_proxy``: its request log shows what that process sent to the chain).
The lease is short for the drills - ``DRILL_LEADERSHIP``, against 10 s / 2 s / 2 s in
production - so a takeover takes seconds, not tens of seconds.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from agent.control.client import AdminClient, AdminTarget, AdminUnavailable
from sim.rpc_proxy import Forwarded, RpcFaultProxy
from sim.stack import LocalStack
from tests.e2e.conftest import BAND_HALF_WIDTH
from tests.support.config_files import ConfigFiles, write_local_config
from tests.support.postgres import PostgresDatabase
from tests.support.processes import child_process
from tests.support.waiting import wait_until
from tests.support.webhook_receiver import WebhookReceiver

BALLAST = str(Path(sys.executable).parent / "ballast")
DRILL_LEADERSHIP = {"lease_ttl_s": 3.0, "renew_interval_s": 0.5, "safety_margin_s": 1.0}
TICK_S = 1.0
TAKEOVER_LIMIT_S = 15.0  # the target: lease time plus one tick, well inside this
JOURNAL_TIMEOUT_S = 1.0  # every journal call on PostgreSQL gives up after this


@dataclass
class Host:
    """One daemon: ``name`` is its leadership host (its holder starts with ``name#``)."""

    name: str
    files: ConfigFiles
    rpc: RpcFaultProxy
    log: Path
    process: asyncio.subprocess.Process | None = None
    lines_read: list[dict[str, Any]] = field(default_factory=list)

    def owns(self, holder: str | None) -> bool:
        return holder is not None and holder.startswith(self.name + "#")

    def events(self, name: str) -> list[dict[str, Any]]:
        """The daemon's log lines whose event is ``name`` (JSON lines)."""
        found = []
        for line in self.log.read_text().splitlines() if self.log.exists() else ():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == name:
                found.append(entry)
        return found

    def sent_raw(self) -> list[Forwarded]:
        """Every ``eth_sendRawTransaction`` this process sent to the chain."""
        return [f for f in self.rpc.forwarded if f.method == "eth_sendRawTransaction"]

    async def status_or_none(self) -> dict[str, Any] | None:
        """The status, or None if the daemon does not answer within 2 s (busy)."""
        try:
            return await asyncio.wait_for(self.status(), 2.0)
        except (TimeoutError, AdminUnavailable):
            return None

    async def status(self) -> dict[str, Any]:
        target = AdminTarget(
            url=f"http://127.0.0.1:{self.files.admin_port}", token=self.files.admin_token
        )
        return await AdminClient(target, timeout_s=5.0).status()

    def signal(self, signum: signal.Signals) -> None:
        assert self.process is not None
        assert self.process.returncode is None
        self.process.send_signal(signum)

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None


def drill_overrides(
    database: PostgresDatabase, book: str, name: str, rpc_url: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """One host's config on top of the local world's: the shared journal, the drill's
    short lease and ticks, its own RPC proxy."""
    return {
        "agent": {
            "journal": database.url,
            "journal_password": "file:${CREDENTIALS_DIRECTORY}/journal-password",
            "book": book,
            "venue_timeout_s": JOURNAL_TIMEOUT_S,  # also bounds every journal call
            "tick_interval_s": TICK_S,
            "min_tick_interval_s": 0.5,
            "intent_wait_s": 5.0,
        },
        "leadership": {"host": name, **DRILL_LEADERSHIP},
        "underlyings": {  # as tests.e2e.test_in_flight.flat_book's world: Uniswap hedges
            "ETH": {
                "band": {"mode": "fixed", "half_width_coin": BAND_HALF_WIDTH},
                "hedge_venues": ["uniswap"],
            }
        },
        "chains": {"local": {"rpc_urls": [rpc_url]}},
        **extra,
    }


@asynccontextmanager
async def hosts(
    stack: LocalStack,
    directory: Path,
    database: PostgresDatabase,
    *,
    book: str = "main",
    names: tuple[str, ...] = ("alpha", "beta"),
    overrides: dict[str, Any] | None = None,
    journal_url: dict[str, str] | None = None,
    hook: WebhookReceiver | None = None,
) -> AsyncIterator[list[Host]]:
    """A config per host (``journal_url`` may route one host through a proxy; ``hook``
    receives each host's alerts at ``/<name>``); no process started yet (``running``)."""
    manifest = stack.world.manifest
    assert manifest is not None
    async with AsyncExitStack() as resources:
        found = []
        for name in names:
            proxy = await resources.enter_async_context(RpcFaultProxy(manifest.rpc_url))
            extra = drill_overrides(database, book, name, proxy.url, overrides or {})
            if journal_url and name in journal_url:
                extra["agent"]["journal"] = journal_url[name]
            if hook is not None:
                extra["alerts"] = {
                    "webhooks": [
                        {"format": "json", "url": hook.url(f"/{name}"), "min_severity": "info"}
                    ],
                    "delivery": {"max_per_minute": 1000},
                }
            base = directory / name
            files = write_local_config(
                stack, config=base / "etc" / "ballast.toml", credentials=base / "secrets",
                state=base / "state", run=base / "run",
                secrets={"journal-password": database.password}, overrides=extra,
            )  # fmt: skip
            found.append(Host(name, files, proxy, base / "ballast.log"))
        yield found


@asynccontextmanager
async def running(host: Host) -> AsyncIterator[Host]:
    """``ballast run`` for ``host`` until the block ends (killed and reaped whatever
    the test did to it); its output in ``host.log``."""
    env = {**os.environ, "CREDENTIALS_DIRECTORY": str(host.files.credentials)}
    with host.log.open("ab") as out:
        async with child_process(
            BALLAST, "run", "--config", str(host.files.config), env=env,
            stdout=out, stderr=asyncio.subprocess.STDOUT,
        ) as process:  # fmt: skip
            host.process = process
            try:
                yield host
            finally:
                if process.returncode is None:  # a stopped process cannot die of SIGKILL late
                    process.send_signal(signal.SIGCONT)


@dataclass(frozen=True)
class LeaseRow:
    holder: str | None
    epoch: int
    expires_at: datetime
    now: datetime


def connect(database: PostgresDatabase, book: str) -> psycopg.Connection[Any]:
    """A connection of the test's own to the book's schema (``ballast_<book>``)."""
    return psycopg.connect(
        database.url, password=database.password, connect_timeout=5,
        options=f"-c search_path=ballast_{book}",
    )  # fmt: skip


def lease(database: PostgresDatabase, book: str = "main") -> LeaseRow | None:
    """The book's lease as the database has it (read from outside both daemons)."""
    with connect(database, book) as db:
        try:
            row = db.execute(
                "SELECT holder, epoch, expires_at, now() FROM lease WHERE book = %s", (book,)
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    if row is None:
        return None
    holder, epoch, expires_at, now = row
    if not isinstance(expires_at, datetime):
        expires_at = datetime.fromtimestamp(float(expires_at), now.tzinfo)
    return LeaseRow(holder, int(epoch), expires_at, now)


def rows(
    database: PostgresDatabase, sql: str, *params: object, book: str = "main"
) -> list[tuple[Any, ...]]:
    """``sql`` on the book's schema, from outside the daemons (empty before it exists)."""
    with connect(database, book) as db:
        try:
            return list(db.execute(sql, params).fetchall())  # type: ignore[call-overload]
        except psycopg.errors.UndefinedTable:
            return []


async def wait_leader(
    database: PostgresDatabase, host: Host, *, book: str = "main", timeout_s: float = 60.0
) -> LeaseRow:
    """Until ``host`` holds the book's unexpired lease; every host's process must stay up."""
    found: list[LeaseRow] = []

    def leads() -> bool:
        row = lease(database, book)
        if row is not None and host.owns(row.holder) and row.expires_at > row.now:
            found.append(row)
            return True
        return False

    await wait_until(leads, timeout_s=timeout_s, interval_s=0.1, what=f"{host.name} leads")
    return found[-1]


async def wait_role(host: Host, role: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
    """Until ``host``'s status reports ``role`` (its admin API answers)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert host.alive(), f"{host.name} exited; see {host.log}"
        try:
            document = await host.status()
        except Exception:  # not listening yet, or busy: ask again
            document = {}
        leadership = document.get("agent", {}).get("leadership") or {}
        if leadership.get("role") == role:
            return document
        seen.append(leadership)
        await asyncio.sleep(0.2)
    raise AssertionError(f"{host.name} never reported {role}; last: {seen[-1:]}; see {host.log}")


def contiguous(nonces: Iterator[int] | list[int]) -> bool:
    ordered = sorted(nonces)
    return ordered == list(range(ordered[0], ordered[0] + len(ordered))) if ordered else True
