"""The role machine (agent.leadership) on a real journal's lease (SQLite backend; the
PostgreSQL one has the same semantics and is exercised by the failover drills).

The database's clock is real time; each process's own view of its lease runs on a
manual monotonic clock, so a test can put a leader past its acting deadline at once
and show it stops before the database could give the lease away.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agent.config.leadership import LeadershipSettings
from agent.control.client import format_status
from agent.control.commands import Controls
from agent.control.killswitch import KillSwitch
from agent.control.status import AgentStatus, to_json
from agent.errors import TransientError
from agent.execution.journal import Journal
from agent.intents import KillState
from agent.leadership import LeaderOnlyActions, Leadership, Role, RoleChange
from agent.ops.alerts import role_notice
from agent.ops.metrics import DaemonMetrics, ScrapeSources
from agent.policy.alerts import Severity
from tests.support.waiting import wait_until
from tests.unit.execution.exec_fakes import ManualClock

SETTINGS = LeadershipSettings(lease_ttl_s=0.6, renew_interval_s=0.1, safety_margin_s=0.2)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(tmp_path / "journal.sqlite") as opened:
        yield opened


def process(journal: Any, holder: str) -> tuple[Leadership, ManualClock, list[RoleChange]]:
    clock = ManualClock()
    leadership = Leadership(journal, SETTINGS, clock, holder=holder)
    changes: list[RoleChange] = []
    leadership.listeners.append(changes.append)
    return leadership, clock, changes


def test_settings_refuse_renewals_that_do_not_fit_the_lease() -> None:
    with pytest.raises(ValidationError, match="under half of lease_ttl_s"):
        LeadershipSettings(lease_ttl_s=10, renew_interval_s=5)
    with pytest.raises(ValidationError, match="must not exceed lease_ttl_s"):
        LeadershipSettings(lease_ttl_s=10, renew_interval_s=4, safety_margin_s=3)
    assert LeadershipSettings().lease_ttl_s == 10.0


def test_one_process_leads_and_the_other_stands_by(journal: Journal) -> None:
    a, _, a_changes = process(journal, "a")
    b, _, _ = process(journal, "b")
    assert a.try_take()
    assert not b.try_take()
    assert (a.role, a.epoch, a.ceiling()) == (Role.LEADER, 1, None)
    assert b.role is Role.STANDBY
    limit = b.ceiling()
    assert limit is not None
    assert limit[0] is KillState.HALTED
    assert journal.lease().holder == "a"
    assert [(c.role, c.took_over) for c in a_changes] == [(Role.LEADER, False)]


async def test_the_leader_stops_before_the_lease_can_expire_and_the_standby_takes_over(
    journal: Journal,
) -> None:
    a, a_clock, a_changes = process(journal, "a")
    b, _, b_changes = process(journal, "b")
    stopped: list[str] = []
    a.on_step_down.append(lambda: stopped.append("executor stood down"))
    assert a.try_take()
    b.end_tick("tick 1 ok")  # the standby has read the lease: it knows who held it
    a_clock.advance(SETTINGS.lease_ttl_s - SETTINGS.safety_margin_s)  # a paused, say
    limit = a.ceiling()
    assert limit is not None
    assert limit[0] is KillState.HALTED
    assert not a.may_act()
    assert not b.try_take()  # ...while the database still gives the lease to nobody else
    await wait_until(lambda: journal.lease().remaining_s() <= 0, timeout_s=5, what="expiry")
    assert b.try_take()
    assert (b.role, b.epoch) == (Role.LEADER, 2)
    assert [(c.role, c.took_over, c.epoch) for c in b_changes] == [(Role.LEADER, True, 2)]
    a.renew()  # the old leader wakes up: its epoch is gone
    assert a.role is Role.STANDBY
    assert stopped == ["executor stood down"]
    assert [(c.role, c.lost) for c in a_changes] == [(Role.LEADER, False), (Role.STANDBY, True)]
    notice = role_notice(a_changes[-1])
    assert notice.severity is Severity.CRITICAL
    assert "Lease lost" in notice.title
    assert role_notice(b_changes[0]).title.startswith("Failover: b leads")


def test_a_renewal_after_expiry_keeps_the_lease_if_nobody_took_it(journal: Journal) -> None:
    a, a_clock, _ = process(journal, "a")
    assert a.try_take()
    a_clock.advance(SETTINGS.lease_ttl_s)
    assert not a.may_act()
    a.renew()
    assert a.ceiling() is None
    assert (a.role, a.epoch) == (Role.LEADER, 1)


class Reachable:
    """The journal behind a network that a test can cut (``down``)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.down = False
        self.book = journal.book

    def __getattr__(self, name: str) -> Any:
        if self.down:
            raise TransientError("connection refused")
        return getattr(self.journal, name)


def test_an_unreachable_database_holds_the_leader_at_reduce_only_until_it_answers(
    journal: Journal,
) -> None:
    network = Reachable(journal)
    a, _, _ = process(network, "a")
    assert a.try_take()
    network.down = True
    a.renew()
    a.end_tick("tick 2 failed")
    assert a.ceiling() == (KillState.REDUCE_ONLY, "the journal's database is unreachable")
    assert a.leads
    assert a.may_act()  # risk-reducing work only; nothing without a journal write anyway
    network.down = False
    a.renew()
    assert a.ceiling() is None
    assert a.status().journal_reachable


async def test_a_standby_starts_up_on_taking_the_lease_and_reports_heartbeats(
    journal: Journal,
) -> None:
    a, _, _ = process(journal, "a")
    b, _, _ = process(journal, "b")
    started: list[str] = []

    async def start_up() -> None:
        started.append("reconciled")

    async def follow() -> bool:
        return False

    assert await a.begin_tick(start_up, follow)
    assert not await b.begin_tick(start_up, follow)
    assert started == ["reconciled"]  # once: only the process that took the lease
    b.end_tick("tick 1 ok")
    a.end_tick("tick 1 ok")
    status = a.status()
    assert (status.role, status.acting, status.epoch, status.lease_holder) == (
        Role.LEADER, True, 1, "a",
    )  # fmt: skip
    assert status.lease_remaining_s is not None
    assert 0 < status.lease_remaining_s <= 0.6
    assert [(p.holder, p.role, p.detail) for p in status.peers] == [("b", "standby", "tick 1 ok")]
    assert b.status().restriction == "standby: another process leads this book"


class Actions:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def cancel_open_orders(self) -> list[str]:
        self.calls.append("cancel open orders")
        return ["order 1 cancelled"]

    async def cancel_pending_transactions(self) -> list[str]:
        self.calls.append("cancel transactions")
        return []


async def test_a_kill_sent_to_the_standby_reaches_the_leader_and_only_the_leader_acts(
    journal: Journal,
) -> None:
    a, a_clock, _ = process(journal, "a")
    b, _, _ = process(journal, "b")
    assert a.try_take()
    leader_actions, standby_actions = Actions(), Actions()
    leader = Controls(KillSwitch(journal, a_clock), actions=LeaderOnlyActions(leader_actions, a))
    standby = Controls(KillSwitch(journal, a_clock), actions=LeaderOnlyActions(standby_actions, b))
    standby.killswitch.ceiling = b.ceiling
    result = await standby.kill("alice", "drill")  # sent to the standby's admin socket
    assert standby_actions.calls == []  # a standby sends nothing, not even cancels
    assert result.actions == ["not here: this process stands by; the leader cancels open orders"]
    assert standby.killswitch.recorded_state is KillState.HALTED
    assert await leader.follow_recorded()
    assert leader.killswitch.state is KillState.HALTED
    assert leader_actions.calls == ["cancel open orders"]
    assert not await leader.follow_recorded()  # once
    await standby.resume("alice", "drill over")
    assert await leader.follow_recorded()
    assert leader.killswitch.state is KillState.ACTIVE


def test_metrics_and_status_show_the_role_the_lease_and_the_peer(journal: Journal) -> None:
    a, _, _ = process(journal, "a")
    b, _, _ = process(journal, "b")
    assert a.try_take()
    b.end_tick("tick 1 ok")
    a.end_tick("tick 1 ok")
    b.end_tick("tick 2 ok")  # reads a's heartbeat
    sources = ScrapeSources(lambda: KillState.ACTIVE, leadership=a.status)
    text = DaemonMetrics(sources, monotonic=lambda: 0.0).exposition().decode()
    assert 'ballast_role{book="main",role="leader"} 1.0' in text
    assert 'ballast_role{book="main",role="standby"} 0.0' in text
    assert "ballast_lease_epoch 1.0" in text
    assert "ballast_acting 1.0" in text
    assert 'ballast_peer_heartbeat_age_seconds{holder="b",role="standby"}' in text
    document = {
        "kill_switch": {"state": "active", "last": None},
        "agent": to_json(AgentStatus(leadership=b.status())),
    }
    shown = format_status(document)
    assert "role: STANDBY of book main as b (epoch 0), not acting" in shown
    assert "lease held by a (epoch 1)" in shown
    assert "peer a: leader (epoch 1), last heartbeat" in shown
