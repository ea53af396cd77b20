"""Leader or hot standby: two daemons on one shared journal, never acting at once.

The journal holds one lease per book (``agent.execution.lease``: holder, fencing epoch,
expiry on the database's clock). Each tick a standby reads and assesses like a leader
(its view current, its metrics meaningful) but never decides, sends or writes anything
but its heartbeat; it tries to take the lease. On taking it, it fences the journal (from
then on every write that can lead to a send checks its epoch in the same database
transaction), runs the crash-only start-up (reconcile journal, chains and venues), and
then acts.

The leader renews the lease every ``renew_interval_s`` in a task of its own. It stops
acting as soon as its own monotonic clock says the lease may have expired (the start of
its last successful renewal + ``lease_ttl_s`` - ``safety_margin_s``), before the
database could give the lease to the standby: the kill switch's ceiling (``ceiling``)
then refuses every signature, broadcast and order. While the database is unreachable
it holds the book at REDUCE_ONLY (nothing can be sent without a journal write anyway)
and recovers when a renewal succeeds. A ``LeaseLost`` anywhere (renewal, fenced write)
makes it step down to standby: in-flight work is left to the new leader, which resumes
it from the journal. Every change of role is logged and told to the listeners (alerts).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from agent.config.leadership import LeadershipSettings
from agent.control.commands import HaltActions
from agent.execution.lease import Heartbeat, LeaseLost, LeaseState
from agent.intents import KillState
from agent.ports import Clock

log = structlog.get_logger(__name__)


class Role(enum.StrEnum):
    LEADER = "leader"
    STANDBY = "standby"


class LeaseJournal(Protocol):
    """The part of the journal a leader and its standby use (``agent.execution.journal``)."""

    @property
    def book(self) -> str: ...

    def lease(self) -> LeaseState: ...

    def try_acquire_lease(self, holder: str, ttl_s: float) -> LeaseState | None: ...

    def renew_lease(self, holder: str, epoch: int, ttl_s: float) -> LeaseState: ...

    def release_lease(self, holder: str, epoch: int) -> None: ...

    def fence(self, holder: str, epoch: int) -> None: ...

    def heartbeat(self, holder: str, role: str, detail: str) -> None: ...

    def heartbeats(self) -> list[Heartbeat]: ...


@dataclass(frozen=True, slots=True)
class RoleChange:
    """This process became leader (``took_over``: the lease had another holder before) or
    stepped down (``lost``: the lease was taken or expired, not given up)."""

    at: datetime
    book: str
    holder: str
    role: Role
    epoch: int
    reason: str
    took_over: bool = False
    lost: bool = False


@dataclass(frozen=True, slots=True)
class PeerStatus:
    """Another process on this book, from its last heartbeat (database clock)."""

    holder: str
    role: str
    epoch: int
    seen_at: datetime
    age_s: float
    detail: str


@dataclass(frozen=True, slots=True)
class LeadershipStatus:
    """What ``ballast status`` and the metrics show: role, epoch, lease age and time left
    (as of the last read plus the time since), and the other processes' heartbeats."""

    book: str
    holder: str
    role: Role
    acting: bool
    restriction: str | None
    epoch: int
    lease_holder: str | None
    lease_epoch: int
    lease_remaining_s: float | None
    lease_age_s: float | None
    journal_reachable: bool
    acting_left_s: float | None  # a leader: seconds it may still act on its last renewal
    peers: tuple[PeerStatus, ...] = ()


def process_holder(settings: LeadershipSettings) -> str:
    """This process's name on the lease: the host, then a suffix of its own, so a
    restarted process never inherits a lease (or an epoch) its predecessor held."""
    host = settings.host or socket.gethostname()
    return f"{host}#{os.getpid()}-{os.urandom(2).hex()}"


class Leadership:
    """The role machine of one process on one book."""

    def __init__(
        self,
        journal: LeaseJournal,
        settings: LeadershipSettings,
        clock: Clock,
        *,
        holder: str | None = None,
    ) -> None:
        self.journal = journal
        self.settings = settings
        self.clock = clock
        self.holder = holder or process_holder(settings)
        self.book = journal.book
        self.role = Role.STANDBY
        self.epoch = 0
        self.journal_reachable = True
        self.listeners: list[Callable[[RoleChange], None]] = []
        self.on_step_down: list[Callable[[], None]] = []  # e.g. stop the executor's work
        self._renewed_at: float | None = None  # monotonic start of the last good renewal
        self._lease: LeaseState | None = None
        self._lease_read_at = 0.0
        self._peers: Sequence[Heartbeat] = ()
        self._said_stopped = False

    # --- what may happen now -------------------------------------------------------

    @property
    def leads(self) -> bool:
        return self.role is Role.LEADER

    def acting_left_s(self) -> float:
        """Seconds this leader may still act on its last renewal (negative: stopped)."""
        if self._renewed_at is None:
            return -1.0
        deadline = self._renewed_at + self.settings.lease_ttl_s - self.settings.safety_margin_s
        return deadline - self.clock.monotonic()

    def ceiling(self) -> tuple[KillState, str] | None:
        """The kill switch's ceiling (``KillSwitch.ceiling``): HALTED unless this process
        leads on a lease that cannot have expired; REDUCE_ONLY while the database is out
        of reach."""
        if self.role is Role.STANDBY:
            return KillState.HALTED, "standby: another process leads this book"
        left = self.acting_left_s()
        if left <= 0:
            return KillState.HALTED, f"the lease may have expired ({-left:.1f} s past acting)"
        if not self.journal_reachable:
            return KillState.REDUCE_ONLY, "the journal's database is unreachable"
        return None

    def may_act(self) -> bool:
        limit = self.ceiling()
        return limit is None or limit[0] is not KillState.HALTED

    # --- changes of role -----------------------------------------------------------

    def try_take(self) -> bool:
        """As standby: take the lease if it is free or expired, fence the journal and
        lead. True if this process leads now (the caller runs the start-up next)."""
        if self.leads:
            return True
        started = self.clock.monotonic()
        try:
            state = self.journal.try_acquire_lease(self.holder, self.settings.lease_ttl_s)
            if state is None:
                self._remember(self.journal.lease(), started)
                return False
            previous = self._lease.holder if self._lease is not None else None
            self.journal.fence(self.holder, state.epoch)
        except Exception as error:  # any failure to reach the database: stay standby
            self._unreachable("take", error)
            return False
        self.journal_reachable = True
        self.role, self.epoch, self._renewed_at = Role.LEADER, state.epoch, started
        self._remember(state, started)
        took_over = previous is not None and previous != self.holder
        reason = f"took over from {previous}" if took_over else "the lease was free"
        log.warning("leading", book=self.book, holder=self.holder, epoch=state.epoch, reason=reason)
        self._tell(RoleChange(self.clock.now(), self.book, self.holder, Role.LEADER,
                              state.epoch, reason, took_over=took_over))  # fmt: skip
        return True

    def renew(self) -> None:
        """As leader: renew the lease; LeaseLost steps down, any other failure marks
        the database unreachable (the ceiling tightens) until a renewal succeeds."""
        if not self.leads:
            return
        started = self.clock.monotonic()
        try:
            state = self.journal.renew_lease(self.holder, self.epoch, self.settings.lease_ttl_s)
        except LeaseLost as error:
            self.step_down(f"lease lost: {error}", lost=True)
            return
        except Exception as error:  # any failure to reach the database
            self._unreachable("renew", error)
            return
        if not self.journal_reachable:
            log.info("journal_reachable_again", book=self.book, holder=self.holder)
        self.journal_reachable = True
        self._renewed_at = started
        self._remember(state, started)

    def lost(self, error: LeaseLost) -> None:
        """A fenced write refused this process's epoch: step down."""
        if self.leads:
            self.step_down(f"lease lost: {error}", lost=True)

    def journal_failed(self, error: Exception) -> None:
        """A journal call of the tick's found the database out of reach (or lost its
        answer): held at REDUCE_ONLY until a renewal succeeds."""
        self._unreachable("tick", error)

    def step_down(self, reason: str, *, lost: bool) -> None:
        """Stop leading at once: nothing is sent from now on; work in flight is left to
        the next leader (the journal has it)."""
        if not self.leads:
            return
        self.role, self._renewed_at = Role.STANDBY, None
        log.error("stepped_down", book=self.book, holder=self.holder, epoch=self.epoch,
                  reason=reason)  # fmt: skip
        for callback in self.on_step_down:
            callback()
        self._tell(RoleChange(self.clock.now(), self.book, self.holder, Role.STANDBY,
                              self.epoch, reason, lost=lost))  # fmt: skip

    def release(self) -> None:
        """Orderly stop: give the lease up so the standby takes over at once."""
        if not self.leads:
            return
        epoch = self.epoch
        self.step_down("stopping: lease released", lost=False)
        try:
            self.journal.release_lease(self.holder, epoch)
        except Exception as error:  # it expires on its own
            log.warning("lease_release_failed", book=self.book, error=str(error))

    # --- every tick and in the background -----------------------------------------

    async def begin_tick(
        self, start_up: Callable[[], Awaitable[None]], follow: Callable[[], Awaitable[bool]]
    ) -> bool:
        """Before a tick: a standby tries to take the lease (and runs ``start_up`` when it
        does); the kill state another process recorded is taken (``follow``). True if
        this tick may decide and act."""
        if not self.leads and self.try_take():
            await start_up()
        try:
            await follow()
        except LeaseLost:
            raise
        except Exception as error:  # the journal out of reach: the ceiling says so
            self._unreachable("kill state", error)
        return self.leads and self.may_act()

    def end_tick(self, detail: str) -> None:
        """After a tick: this process's heartbeat, and the lease and the others' as the
        database has them (for status and metrics); never raises."""
        started = self.clock.monotonic()
        try:
            self.journal.heartbeat(self.holder, self.role.value, detail)
            self._peers = [h for h in self.journal.heartbeats() if h.holder != self.holder]
            self._remember(self.journal.lease(), started)
        except Exception as error:
            self._unreachable("heartbeat", error)

    async def run(self, stop: asyncio.Event) -> None:
        """Renew every ``renew_interval_s`` while leading, until ``stop`` (a background
        task of the daemon's TaskGroup: never raises)."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.renew_interval_s)
            if stop.is_set():
                break
            try:
                self.renew()
                self._say_if_stopped()
            except Exception:  # must never stop the loop
                log.exception("lease_renewal_crashed", book=self.book)

    def _say_if_stopped(self) -> None:
        """Log once when a leader's acting deadline passes without a renewal (the
        ceiling already refuses every send; this says so)."""
        stopped = self.leads and self.acting_left_s() <= 0
        if stopped and not self._said_stopped:
            log.error("stopped_acting", book=self.book, holder=self.holder, epoch=self.epoch,
                      reason="no renewal: the lease may expire before the next one")  # fmt: skip
        self._said_stopped = stopped

    def status(self) -> LeadershipStatus:
        lease = self._lease
        elapsed = self.clock.monotonic() - self._lease_read_at
        peers = tuple(
            PeerStatus(
                p.holder, p.role, p.epoch, p.seen_at,
                max(0.0, (lease.now - p.seen_at).total_seconds() + elapsed) if lease else 0.0,
                p.detail,
            )
            for p in self._peers
        )  # fmt: skip
        limit = self.ceiling()
        return LeadershipStatus(
            book=self.book, holder=self.holder, role=self.role,
            acting=self.leads and self.may_act(), restriction=limit[1] if limit else None,
            epoch=self.epoch, lease_holder=lease.holder if lease else None,
            lease_epoch=lease.epoch if lease else 0,
            lease_remaining_s=lease.remaining_s() - elapsed if lease else None,
            lease_age_s=lease.age_s() + elapsed if lease else None,
            journal_reachable=self.journal_reachable, peers=peers,
            acting_left_s=self.acting_left_s() if self.leads else None,
        )  # fmt: skip

    # --- plumbing ------------------------------------------------------------------

    def _remember(self, state: LeaseState, read_at: float) -> None:
        self._lease, self._lease_read_at = state, read_at

    def _unreachable(self, what: str, error: Exception) -> None:
        if self.journal_reachable:
            log.error("journal_unreachable", book=self.book, during=what, error=str(error))
        self.journal_reachable = False

    def _tell(self, change: RoleChange) -> None:
        for listener in self.listeners:
            try:
                listener(change)
            except Exception:  # reporting must never stop the role machine
                log.exception("role_listener_failed", listener=repr(listener))


class LeaderOnlyActions:
    """The kill switch's follow-up actions (``HaltActions``), carried out only while this
    process leads: a standby sends nothing, not even cancels; the leader does them when
    it takes the recorded state (``Controls.follow_recorded``)."""

    def __init__(self, actions: HaltActions, leadership: Leadership) -> None:
        self.actions = actions
        self.leadership = leadership

    async def cancel_open_orders(self) -> list[str]:
        if not self.leadership.leads:
            return ["not here: this process stands by; the leader cancels open orders"]
        return await self.actions.cancel_open_orders()

    async def cancel_pending_transactions(self) -> list[str]:
        if not self.leadership.leads:
            return ["not here: this process stands by; ask the leader to cancel transactions"]
        return await self.actions.cancel_pending_transactions()
