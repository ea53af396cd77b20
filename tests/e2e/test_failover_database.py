"""Two hosts, one book, and the database between them (issue 19, drills 3, 4 and 5).

Three ``ballast run`` processes on one PostgreSQL and the local world: alpha and beta
share book "main" (alpha reaches the database through a TCP proxy of its own), gamma
leads book "other" alone, its kill switch HALTED by an operator (same key, so it must
never trade here).

- Drill 4: alpha's proxy blackholes its connections (PostgreSQL cut off, nothing else).
  alpha stops acting before its lease can expire - its status's acting deadline is
  before the expiry the database holds - and beta takes over; alpha sends nothing; when
  the network heals alpha steps down.
- Drill 3: PostgreSQL stops under both; the leader holds the book at REDUCE_ONLY while
  it is unreachable, and acts again once it is back: the next need is hedged once.
  Nothing was sent without a journal write: every mined transaction of the agent's is
  in the journal.
- Drill 5: through all of it book "other" keeps its holder and epoch and its HALTED
  state, and book "main" never saw that kill.

The drill's lease is short (``tests.e2e.failover.DRILL_LEADERSHIP``).
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from agent.control.client import AdminClient, AdminTarget
from sim.stack import LocalStack
from tests.e2e.failover import (
    TAKEOVER_LIMIT_S,
    Host,
    LeaseRow,
    hosts,
    lease,
    rows,
    running,
    wait_leader,
    wait_role,
)
from tests.e2e.test_in_flight import DRIFT_WETH, agent_transactions, drift, flat_book, rpc
from tests.support.postgres import PostgresCluster, PostgresDatabase
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

pytestmark = pytest.mark.e2e


async def hedged_once(stack: LocalStack, database: PostgresDatabase, swaps_before: int) -> None:
    """Drift the book past its band; wait until one more swap is mined and settled."""
    chain, manifest = stack.world.chain, stack.world.manifest
    assert manifest is not None
    await drift(chain, manifest, DRIFT_WETH)

    def filled() -> bool:
        done = rows(database, "SELECT count(*) FROM intents WHERE status = 'filled'")
        return bool(done) and int(done[0][0]) > swaps_before

    await wait_until(filled, timeout_s=60, interval_s=0.2, what="the hedge")


async def deadline_estimate(host: Host, until: asyncio.Event, found: list[float]) -> None:
    """While ``until`` is unset: ``host``'s acting deadline as a Unix time, an upper
    bound (the status's seconds left, counted from when its answer arrived)."""
    while not until.is_set():
        document = await host.status_or_none()
        if document is None:  # blocked in a journal call that is timing out: ask again
            await asyncio.sleep(0.1)
            continue
        received = time.time()
        left = (document["agent"].get("leadership") or {}).get("acting_left_s")
        if left is not None:
            found.append(received + left)
        await asyncio.sleep(0.1)


async def wait_expiry_then_leader(
    database: PostgresDatabase, old: Host, new: Host
) -> tuple[LeaseRow, float]:
    """The last lease ``old`` held as the database had it, and the seconds until ``new``
    held one."""
    started = time.monotonic()
    last: list[LeaseRow] = []

    def taken() -> bool:
        row = lease(database)
        if row is not None and old.owns(row.holder):
            last.append(row)
        return row is not None and new.owns(row.holder)

    await wait_until(taken, timeout_s=30, interval_s=0.1, what=f"{new.name} takes over")
    assert last, "the lease was never seen with its old holder"
    return last[-1], time.monotonic() - started


async def unreachable_seen(host: Host) -> dict[str, str]:
    """Until ``host`` reports its journal out of reach; its kill switch then."""
    while True:
        document = await host.status_or_none()
        if document is None:
            await asyncio.sleep(0.05)
            continue
        leadership = document["agent"].get("leadership") or {}
        if not leadership.get("journal_reachable", True):
            return dict(document["kill_switch"])
        await asyncio.sleep(0.05)


async def test_a_leader_cut_off_from_its_database_stops_in_time_and_a_restart_loses_nothing(
    tmp_path: Path, postgres_cluster: PostgresCluster, postgres_database: PostgresDatabase
) -> None:
    database, cluster = postgres_database, postgres_cluster
    async with (
        flat_book(tmp_path / "world", "uniswap") as stack,
        TcpProxy("127.0.0.1", cluster.port) as cut,
    ):
        cut_url = database.url.replace(f":{cluster.port}/", f":{cut.port}/")
        async with (
            hosts(stack, tmp_path, database, journal_url={"alpha": cut_url}) as (alpha, beta),
            hosts(stack, tmp_path, database, book="other", names=("gamma",)) as (gamma,),
        ):
            chain, manifest = stack.world.chain, stack.world.manifest
            assert manifest is not None
            start = int(await rpc(chain, "eth_blockNumber"), 16)
            async with AsyncExitStack() as processes:
                await processes.enter_async_context(running(gamma))
                gamma_lease = await wait_leader(database, gamma, book="other")
                target = AdminTarget(
                    url=f"http://127.0.0.1:{gamma.files.admin_port}", token=gamma.files.admin_token
                )
                await AdminClient(target).command("kill", reason="drill", operator="drill")
                await processes.enter_async_context(running(alpha))
                await wait_leader(database, alpha)
                await processes.enter_async_context(running(beta))
                await wait_role(beta, "standby")

                # drill 4: PostgreSQL cut off from the leader only
                stop_polling, deadlines = asyncio.Event(), []
                poller = asyncio.ensure_future(deadline_estimate(alpha, stop_polling, deadlines))
                await asyncio.sleep(1.0)  # a few estimates while it still renews
                sent_before_cut = len(alpha.sent_raw())
                cut.blackhole()
                last_alpha, takeover_s = await wait_expiry_then_leader(database, alpha, beta)
                stop_polling.set()
                await poller
                await hedged_once(stack, database, 0)
                sent_while_cut = len(alpha.sent_raw()) - sent_before_cut
                cut.restore()
                await wait_until(
                    lambda: alpha.events("stepped_down"), timeout_s=30, what="alpha steps down"
                )
                await wait_role(alpha, "standby")

                # drill 3: PostgreSQL stops and starts under both
                await asyncio.to_thread(cluster.stop_server)
                try:
                    held = await asyncio.wait_for(unreachable_seen(beta), 20)
                finally:
                    cluster.start_server()  # on this thread: the server dies with its starter
                row = await _any_leader(database, (alpha, beta))
                leader = alpha if alpha.owns(row.holder) else beta
                await wait_role(leader, "leader")
                await hedged_once(stack, database, 1)

                main_kill = (await leader.status())["kill_switch"]["state"]
                main_transitions = rows(database, "SELECT state, actor FROM kill_transitions")
                other_lease = lease(database, "other")
                gamma_status = await gamma.status()
                gamma_intents = rows(database, "SELECT status FROM intents", book="other")
                gamma_sent = gamma.sent_raw()
        mined = await agent_transactions(chain, agent=manifest.accounts["agent"], first_block=start)
        journaled = {h for (h,) in rows(database, "SELECT hash FROM transactions")}

    # drill 4
    assert deadlines, "alpha's status never said how long it may act"
    expiry = last_alpha.expires_at.timestamp()
    assert min(deadlines) < expiry, (min(deadlines), expiry)  # stopped before it could expire
    assert takeover_s <= TAKEOVER_LIMIT_S, takeover_s
    assert sent_while_cut == 0
    # drill 3
    assert held["effective"] == "reduce_only", held
    assert "unreachable" in (held["held_by"] or "")
    router = manifest.contract("uniswap.router").lower()
    swaps = [tx for tx in mined if tx["to"] and tx["to"].lower() == router]
    assert len(swaps) == 2, mined  # one per need
    assert all(tx["hash"] in journaled for tx in mined), (
        "a transaction sent without a journal write"
    )
    # drill 5
    assert other_lease is not None
    assert (other_lease.holder, other_lease.epoch) == (gamma_lease.holder, gamma_lease.epoch)
    assert gamma_status["agent"]["leadership"]["role"] == "leader"
    assert gamma_status["kill_switch"]["state"] == "halted"
    assert main_kill == "active"  # book "other"'s kill never reached book "main"
    assert ("halted", "drill") not in main_transitions, main_transitions
    assert {status for (status,) in gamma_intents} <= {"rejected"}  # HALTED: refused, journaled
    assert gamma_sent == []
    assert not gamma.events("stepped_down")


async def _any_leader(database: PostgresDatabase, candidates: tuple[Host, ...]) -> LeaseRow:
    """Once the database is back: whoever holds the book's live lease."""
    found: list[LeaseRow] = []

    def held() -> bool:
        try:
            row = lease(database)
        except Exception:  # still starting
            return False
        if row and row.expires_at > row.now and any(h.owns(row.holder) for h in candidates):
            found.append(row)
            return True
        return False

    await wait_until(held, timeout_s=30, interval_s=0.1, what="a leader after the restart")
    return found[-1]
