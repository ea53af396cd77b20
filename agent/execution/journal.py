"""The journal: the durable record that outlives every crash.

Intents, signed transactions (raw bytes, hash, nonce, fees, chain id) and client order
ids are written *before* anything leaves the process; outcomes after. The kill
switch's transitions live here too. Every write is its own transaction.

Two backends, same semantics (``agent.execution.journal_db``): one SQLite file (WAL,
``synchronous=FULL``, so a write that returned is on disk; an exclusive lock file
refuses a second daemon on it), the embedded default; or a book in a PostgreSQL
database, shared by a leader and its standbys, who take turns through the book's lease
(``agent.execution.lease``). Once ``fence``d, the writes that can lead to a send check
the lease in their own transaction.

Calls are synchronous: a commit is a few hundred bytes, and keeping them on the event
loop keeps "journal, then send" trivially ordered.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from agent.control.killswitch import KillTransition
from agent.execution.journal_db import (
    DEFAULT_BOOK,
    Database,
    JournalUnavailable,
    JournalUnrecorded,
    SqliteDatabase,
    is_database_url,
)
from agent.execution.journal_postgres import PostgresDatabase
from agent.execution.journal_schema import (
    INSERT_ORDER,
    INSERT_TX,
    SELECT_INTENTS,
    SELECT_ORDERS,
    SELECT_TX,
    intent_from_row,
    intent_payload,
    migrate,
    order_from_row,
    order_values,
    tx_from_row,
    tx_values,
)
from agent.execution.lease import Fence, Heartbeat, Lease, LeaseState
from agent.execution.records import (
    FINAL_ORDER,
    IntentEntry,
    IntentRecord,
    OrderRecord,
    TxRecord,
    TxStatus,
)
from agent.intents import Intent, KillState, Outcome, OutcomeStatus

_FINAL_ORDER = tuple(status.value for status in FINAL_ORDER)
_OPEN_INTENTS = (OutcomeStatus.PENDING.value, OutcomeStatus.UNKNOWN.value)
_UNFINISHED_TX = (TxStatus.SIGNED.value, TxStatus.BROADCAST.value, TxStatus.MINED.value)


class Journal:
    """The durable record. Open with ``Journal.open(path or URL)``; close when done."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.path = db.path  # the SQLite file; None on PostgreSQL
        self._lease = Lease(db)

    @classmethod
    def open(
        cls,
        target: Path | str,
        *,
        book: str = DEFAULT_BOOK,
        password: str | None = None,
        timeout_s: float = 5.0,
    ) -> Journal:
        """Open (creating or migrating) the journal: a SQLite file at ``target``, or
        ``book`` in the PostgreSQL database at a ``postgresql://`` URL (``password``
        apart, never in the URL; every call bounded by ``timeout_s``). InvariantViolation
        if another process holds the file or a newer build wrote the schema;
        TransientError if the database cannot be reached."""
        db: Database
        if is_database_url(target):
            db = PostgresDatabase(str(target), book, password=password, timeout_s=timeout_s)
        else:
            db = SqliteDatabase(Path(target), book)
        try:
            migrate(db)
            journal = cls(db)
            journal._lease.create()
        except BaseException:
            db.close()
            raise
        return journal

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connection(self) -> Database:
        """The database, for stores that keep their own tables in the journal."""
        return self._db

    @property
    def schema_version(self) -> int:
        return self._db.schema_version

    @property
    def book(self) -> str:
        return self._db.book

    @contextlib.contextmanager
    def _fenced(self) -> Iterator[None]:
        """A write that can lead to a send: checked against the lease in its own
        transaction once this journal is fenced; as before (autocommit) otherwise. A
        database failure is a TransientError if nothing was written, else
        JournalUnrecorded (it may have been: reconcile)."""
        try:
            if self._lease.fenced is None:
                yield
                return
            with self._db.transaction():
                self._lease.check()
                yield
        except JournalUnavailable as error:
            if error.may_have_written:
                raise JournalUnrecorded(f"{error} (the write may have landed)") from error
            raise

    @contextlib.contextmanager
    def _recording(self) -> Iterator[None]:
        """The record of something already done: a database failure is JournalUnrecorded,
        never a TransientError a caller could read as "not sent"."""
        try:
            yield
        except JournalUnavailable as error:
            raise JournalUnrecorded(f"{error} (not recorded)") from error

    # --- the lease (agent.execution.lease) -----------------------------------------

    def lease(self) -> LeaseState:
        return self._lease.state()

    def try_acquire_lease(self, holder: str, ttl_s: float) -> LeaseState | None:
        return self._lease.try_acquire(holder, ttl_s)

    def renew_lease(self, holder: str, epoch: int, ttl_s: float) -> LeaseState:
        return self._lease.renew(holder, epoch, ttl_s)

    def release_lease(self, holder: str, epoch: int) -> None:
        self._lease.release(holder, epoch)

    def fence(self, holder: str, epoch: int) -> None:
        """From now on intents, transactions and orders are written only while
        ``holder`` holds the lease at ``epoch``, unexpired (else LeaseLost)."""
        self._lease.fenced = Fence(holder, epoch)

    def heartbeat(self, holder: str, role: str, detail: str) -> None:
        self._lease.heartbeat(holder, role, detail)

    def heartbeats(self) -> list[Heartbeat]:
        return self._lease.heartbeats()

    # --- intents -----------------------------------------------------------------

    def record_intent(self, intent: Intent, entry: IntentEntry, *, at: float) -> bool:
        """Journal ``intent``; False (and no change) if its id is already there."""
        with self._fenced():
            cursor = self._db.execute(
                "INSERT INTO intents (intent_id, venue, action, asset, quantity,"
                " notional_usd, risk_reducing, unwind, reason, legs, payload, status, detail,"
                " journaled_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (intent_id) DO NOTHING",
                (
                    intent.intent_id, intent.venue, intent.action.value, intent.asset,
                    intent.quantity, entry.notional_usd, int(entry.risk_reducing),
                    int(entry.unwind), intent.reason, entry.legs, intent_payload(intent),
                    entry.status.value, entry.detail, at, at,
                ),
            )  # fmt: skip
            return cursor.rowcount == 1

    def record_outcome(self, outcome: Outcome, *, at: float) -> None:
        with self._recording():
            self._db.execute(
                "UPDATE intents SET status=?, detail=?, reference=?, updated_at=?"
                " WHERE intent_id=?",
                (outcome.status.value, outcome.detail, outcome.reference, at, outcome.intent_id),
            )

    def transactions_of(self, intent_id: str) -> list[TxRecord]:
        rows = self._db.execute(
            SELECT_TX + " WHERE intent_id=? ORDER BY nonce, version", (intent_id,)
        )
        return [tx_from_row(row) for row in rows]

    def intent(self, intent_id: str) -> IntentRecord | None:
        row = self._db.execute(SELECT_INTENTS + " WHERE intent_id=?", (intent_id,)).fetchone()
        return None if row is None else intent_from_row(row)

    def recent_intents(self, limit: int = 20) -> list[IntentRecord]:
        rows = self._db.execute(
            SELECT_INTENTS + " ORDER BY journaled_at DESC, rowid DESC LIMIT ?",
            (limit,),
        )
        return [intent_from_row(row) for row in rows]

    def in_flight(self) -> list[IntentRecord]:
        """Intents sent but not final: their exposure stays reserved."""
        rows = self._db.execute(
            SELECT_INTENTS + " WHERE status IN (?,?) ORDER BY journaled_at",
            _OPEN_INTENTS,
        )
        return [intent_from_row(row) for row in rows]

    def reserved_by_venue(self) -> dict[str, float]:
        """USD notional of in-flight intents per venue, to add to the guard's exposures."""
        rows = self._db.execute(
            "SELECT venue, SUM(notional_usd) FROM intents WHERE status IN (?,?) GROUP BY venue",
            _OPEN_INTENTS,
        )
        return {str(venue): float(total) for venue, total in rows}

    def notional_since(self, since: float) -> float:
        """USD notional committed (anything not refused) since Unix time ``since``."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(notional_usd), 0) FROM intents"
            " WHERE journaled_at >= ? AND status != ?",
            (since, OutcomeStatus.REJECTED.value),
        ).fetchone()
        return float(row[0])

    # --- transactions --------------------------------------------------------------

    def record_transaction(self, tx: TxRecord) -> None:
        """Journal a signed transaction; it must be on disk before it is broadcast.

        Signing the same fields again gives the same hash: the row is then reused.
        """
        with self._fenced():
            self._db.execute(INSERT_TX, tx_values(tx))

    def set_tx_status(
        self,
        tx: TxRecord,
        status: TxStatus,
        *,
        at: float,
        detail: str | None = None,
        block: tuple[int, str, int] | None = None,
    ) -> None:
        """Update a transaction; ``block`` is (number, hash, receipt status) once mined."""
        number, block_hash, receipt_status = block if block else (None, None, None)
        with self._recording():
            self._db.execute(
                "UPDATE transactions SET status=?, updated_at=?, detail=COALESCE(?, detail),"
                " block_number=?, block_hash=?, receipt_status=? WHERE hash=? AND intent_id=?",
                (status.value, at, detail, number, block_hash, receipt_status, tx.hash,
                 tx.intent_id),
            )  # fmt: skip

    def transactions_at(self, account: str, chain_id: int, nonce: int) -> list[TxRecord]:
        """Every transaction of ours at ``nonce``, oldest version first."""
        rows = self._db.execute(
            SELECT_TX + " WHERE account=? AND chain_id=? AND nonce=? ORDER BY version",
            (account.lower(), chain_id, nonce),
        )
        return [tx_from_row(row) for row in rows]

    def unfinished_nonces(self, account: str, chain_id: int) -> list[int]:
        """Nonces whose transactions are neither final nor all discarded, ascending."""
        rows = self._db.execute(
            "SELECT DISTINCT nonce FROM transactions WHERE account=? AND chain_id=?"
            " AND status IN (?,?,?) ORDER BY nonce",
            (account.lower(), chain_id, *_UNFINISHED_TX),
        )
        return [int(row[0]) for row in rows]

    def next_nonce(self, account: str, chain_id: int) -> int:
        """One past the highest nonce our transactions hold (discarded ones hold none)."""
        row = self._db.execute(
            "SELECT MAX(nonce) FROM transactions WHERE account=? AND chain_id=? AND status != ?",
            (account.lower(), chain_id, TxStatus.DISCARDED.value),
        ).fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def transactions_with_status(
        self, account: str, chain_id: int, status: TxStatus
    ) -> list[TxRecord]:
        """Our transactions in ``status`` on ``chain_id``, by nonce."""
        rows = self._db.execute(
            SELECT_TX + " WHERE account=? AND chain_id=? AND status=? ORDER BY nonce, version",
            (account.lower(), chain_id, status.value),
        )
        return [tx_from_row(row) for row in rows]

    def pending_transactions(self) -> list[TxRecord]:
        rows = self._db.execute(
            SELECT_TX + " WHERE status IN (?,?,?) ORDER BY nonce",
            _UNFINISHED_TX,
        )
        return [tx_from_row(row) for row in rows]

    # --- orders --------------------------------------------------------------------

    def record_order(self, order: OrderRecord) -> None:
        """Journal a client order id; it must be on disk before the order is placed."""
        with self._fenced():
            self._db.execute(INSERT_ORDER, order_values(order))

    def update_order(self, order: OrderRecord) -> None:
        """An order's state as the venue reported it (after the send: not fenced, so a
        deposed leader still records what it already did)."""
        with self._recording(), self._db.transaction() as db:
            db.execute("DELETE FROM orders WHERE client_order_id=?", (order.client_order_id,))
            db.execute(INSERT_ORDER, order_values(order))

    def order(self, client_order_id: str) -> OrderRecord | None:
        row = self._db.execute(
            SELECT_ORDERS + " WHERE client_order_id=?", (client_order_id,)
        ).fetchone()
        return None if row is None else order_from_row(row)

    def unfinished_orders(self) -> list[OrderRecord]:
        rows = self._db.execute(
            SELECT_ORDERS + " WHERE status NOT IN (?,?,?,?) ORDER BY created_at", _FINAL_ORDER
        )
        return [order_from_row(row) for row in rows]

    def orders_of(self, intent_id: str) -> list[OrderRecord]:
        rows = self._db.execute(
            SELECT_ORDERS + " WHERE intent_id=? ORDER BY created_at", (intent_id,)
        )
        return [order_from_row(row) for row in rows]

    def known_client_order_ids(self, venue: str) -> set[str]:
        rows = self._db.execute("SELECT client_order_id FROM orders WHERE venue=?", (venue,))
        return {str(row[0]) for row in rows}

    # --- kill switch (KillStateStore) --------------------------------------------------

    def load_kill_state(self) -> KillState | None:
        row = self._db.execute(
            "SELECT state FROM kill_transitions ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else KillState(row[0])

    def record_kill_transition(self, transition: KillTransition) -> None:
        self._db.execute(
            "INSERT INTO kill_transitions (at, previous, state, actor, reason, automatic)"
            " VALUES (?,?,?,?,?,?)",
            (
                transition.at.timestamp(),
                transition.previous.value,
                transition.state.value,
                transition.actor,
                transition.reason,
                int(transition.automatic),
            ),
        )

    def kill_history(self, limit: int) -> Sequence[KillTransition]:
        rows = self._db.execute(
            "SELECT at, previous, state, actor, reason, automatic FROM kill_transitions"
            " ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            KillTransition(
                at=datetime.fromtimestamp(row[0], UTC),
                previous=KillState(row[1]),
                state=KillState(row[2]),
                actor=row[3],
                reason=row[4],
                automatic=bool(row[5]),
            )
            for row in rows
        ]
