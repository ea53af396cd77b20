"""The leader lease of a book, its fencing epoch, and the hosts' heartbeats.

One row per book: holder, epoch, expiry, every time on the database's clock (so two
hosts' clocks never need to agree). A standby takes the lease only once it has
expired, and taking it increments the epoch. A journal fenced at (holder, epoch)
checks, inside the very transaction of each write that can lead to something leaving
the process, that the row still names that holder and epoch and has not expired;
otherwise the write is rolled back and ``LeaseLost`` raised. A leader that paused past
its lease therefore cannot journal, and so cannot send.

On PostgreSQL the writer's check reads the row ``FOR SHARE`` and a takeover reads it
``FOR UPDATE``: a write and a takeover are serialised, so a write either commits before
the new leader's epoch exists (and the new leader sees it when it reconciles) or is
refused. On SQLite ``BEGIN IMMEDIATE`` serialises everything already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agent.errors import InvariantViolation
from agent.execution.journal_db import Database


class LeaseLost(InvariantViolation):
    """The fencing epoch moved on, or the lease expired: this process must not write."""


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


@dataclass(frozen=True, slots=True)
class LeaseState:
    """A book's lease as read; every time is the database's clock."""

    book: str
    holder: str | None  # None: never taken, or released
    epoch: int  # fencing epoch; 0 before the first leader
    expires_at: datetime
    renewed_at: datetime
    now: datetime  # the database's clock when this was read

    def remaining_s(self) -> float:
        """Seconds until expiry; negative once expired."""
        return (self.expires_at - self.now).total_seconds()

    def age_s(self) -> float:
        """Seconds since the last renewal."""
        return (self.now - self.renewed_at).total_seconds()


@dataclass(frozen=True, slots=True)
class Heartbeat:
    holder: str
    role: str
    epoch: int
    seen_at: datetime  # the database's clock
    detail: str


@dataclass(frozen=True, slots=True)
class Fence:
    holder: str
    epoch: int


class Lease:
    """The lease operations on one journal's database (``Journal`` delegates here)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.book = db.book
        self.fenced: Fence | None = None

    def create(self) -> None:
        """The book's row at epoch 0, if it has none yet."""
        self._db.execute(
            "INSERT INTO lease (book, holder, epoch, expires_at, renewed_at)"
            " VALUES (?, NULL, 0, 0, 0) ON CONFLICT (book) DO NOTHING",
            (self.book,),
        )

    def _read(self, lock: str = "") -> LeaseState:
        row = self._db.execute(
            f"SELECT holder, epoch, expires_at, renewed_at, {self._db.now}"  # noqa: S608
            f" FROM lease WHERE book = ?{lock}",
            (self.book,),
        ).fetchone()
        if row is None:
            raise InvariantViolation(f"the lease row of book {self.book} is missing")
        holder, epoch, expires_at, renewed_at, now = row
        return LeaseState(
            self.book, holder, int(epoch), _time(expires_at), _time(renewed_at), _time(now)
        )

    def state(self) -> LeaseState:
        return self._read()

    def try_acquire(self, holder: str, ttl_s: float) -> LeaseState | None:
        """Take the lease if free or expired (epoch + 1), renew it if ``holder`` holds it
        unexpired; the state if ``holder`` holds it afterwards, else None."""
        with self._db.transaction():
            current = self._read(self._db.for_update)
            if current.remaining_s() > 0:
                if current.holder != holder:
                    return None
                epoch = current.epoch
            else:
                epoch = current.epoch + 1
            self._set(holder, epoch, ttl_s)
            return self._read()

    def _set(self, holder: str, epoch: int, ttl_s: float) -> int:
        now = self._db.now
        cursor = self._db.execute(
            f"UPDATE lease SET holder = ?, epoch = ?, expires_at = {now} + ?,"  # noqa: S608
            f" renewed_at = {now} WHERE book = ?",
            (holder, epoch, float(ttl_s), self.book),
        )
        return int(cursor.rowcount)

    def renew(self, holder: str, epoch: int, ttl_s: float) -> LeaseState:
        """Extend the lease; LeaseLost unless the row still has this holder and epoch
        (renewing after expiry is fine if nobody took it in between)."""
        with self._db.transaction():
            current = self._read(self._db.for_update)
            if (current.holder, current.epoch) != (holder, epoch):
                raise self._lost(holder, epoch, current)
            self._set(holder, epoch, ttl_s)
            return self._read()

    def release(self, holder: str, epoch: int) -> None:
        """Orderly step-down: the lease expires now (a no-op if it is no longer ours)."""
        now = self._db.now
        self._db.execute(
            f"UPDATE lease SET holder = NULL, expires_at = {now}"  # noqa: S608
            " WHERE book = ? AND holder = ? AND epoch = ?",
            (self.book, holder, epoch),
        )

    def check(self) -> None:
        """Inside a write's transaction: LeaseLost unless the fence still holds."""
        fence = self.fenced
        if fence is None:
            return
        current = self._read(self._db.for_share)
        if (current.holder, current.epoch) != (fence.holder, fence.epoch):
            raise self._lost(fence.holder, fence.epoch, current)
        if current.remaining_s() <= 0:
            raise LeaseLost(
                f"the lease of book {self.book} (epoch {fence.epoch}, {fence.holder}) expired"
                f" {-current.remaining_s():.1f} s ago: renew it before writing"
            )

    def _lost(self, holder: str, epoch: int, current: LeaseState) -> LeaseLost:
        return LeaseLost(
            f"the lease of book {self.book} moved on: it is at epoch {current.epoch}"
            f" held by {current.holder or 'nobody'}, not epoch {epoch} held by {holder}"
        )

    def heartbeat(self, holder: str, role: str, detail: str) -> None:
        """Record that ``holder`` is alive in ``role``, with the epoch it is fenced at
        (or the book's current epoch if this journal is not fenced)."""
        fence = self.fenced
        epoch = fence.epoch if fence and fence.holder == holder else self.state().epoch
        self._db.execute(
            "INSERT INTO heartbeats (holder, role, epoch, seen_at, detail)"  # noqa: S608
            f" VALUES (?, ?, ?, {self._db.now}, ?) ON CONFLICT (holder) DO UPDATE"
            " SET role = excluded.role, epoch = excluded.epoch, seen_at = excluded.seen_at,"
            " detail = excluded.detail",
            (holder, role, epoch, detail),
        )

    def heartbeats(self) -> list[Heartbeat]:
        rows = self._db.execute(
            "SELECT holder, role, epoch, seen_at, detail FROM heartbeats ORDER BY holder"
        )
        return [
            Heartbeat(str(holder), str(role), int(epoch), _time(seen_at), str(detail))
            for holder, role, epoch, seen_at, detail in rows
        ]
