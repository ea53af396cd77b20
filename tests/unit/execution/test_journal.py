"""The journal: durable, versioned, one process at a time, and the nonce bookkeeping."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.control.killswitch import KillTransition
from agent.errors import InvariantViolation
from agent.execution.journal import Journal
from agent.execution.journal_db import Database, SqliteDatabase
from agent.execution.journal_postgres import PostgresDatabase
from agent.execution.journal_schema import MIGRATIONS, SCHEMA_VERSION, postgres_ddl
from agent.execution.records import (
    IntentEntry,
    OrderRecord,
    OrderStatus,
    TxKind,
    TxRecord,
    TxStatus,
)
from agent.intents import Action, Intent, KillState, Outcome, OutcomeStatus
from tests.support.journals import OpenJournal, journal, open_journal

__all__ = ["journal", "open_journal"]  # fixtures: most tests here run on both backends

ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def intent(sequence: int = 0, venue: str = "aave") -> Intent:
    return Intent(
        venue=venue, action=Action.SUPPLY, asset="WETH", quantity=1.0, reason="test",
        created_at=T0, sequence=sequence,
    )  # fmt: skip


def entry(notional: float = 3000.0, status: OutcomeStatus = OutcomeStatus.PENDING) -> IntentEntry:
    return IntentEntry(notional, True, False, 1, status)


def tx(
    intent_id: str, nonce: int, version: int = 1, status: TxStatus = TxStatus.SIGNED
) -> TxRecord:
    return TxRecord(
        hash=f"0x{nonce:04x}{version:04x}", intent_id=intent_id, account=ACCOUNT, chain_id=31337,
        nonce=nonce, version=version, kind=TxKind.INTENT, raw=b"\x02raw", to=ACCOUNT, data=b"",
        value=10**19, gas=21000, max_fee_per_gas=2**70, max_priority_fee_per_gas=1, function="",
        emergency=False, status=status, created_at=1.0, updated_at=1.0,
    )  # fmt: skip


@pytest.fixture
def sqlite_journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(tmp_path / "journal.sqlite") as opened:
        yield opened


def test_schema_version(journal: Journal) -> None:
    assert journal.schema_version == SCHEMA_VERSION


def test_sqlite_durability_settings(sqlite_journal: Journal) -> None:
    assert sqlite_journal.path is not None
    db = sqlite3.connect(sqlite_journal.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert sqlite_journal.connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_second_process_cannot_open_it(sqlite_journal: Journal) -> None:
    assert sqlite_journal.path is not None
    with pytest.raises(InvariantViolation, match="another running process"):
        Journal.open(sqlite_journal.path)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InvariantViolation, match="newer than this build"):
        Journal.open(path)
    Journal.open(path.with_name("other.sqlite")).close()  # the lock was released


def test_everything_survives_a_reopen(open_journal: OpenJournal) -> None:
    with open_journal() as first:
        first.record_intent(intent(), entry(), at=10.0)
        first.record_transaction(tx(intent().intent_id, 0))
        first.record_kill_transition(
            KillTransition(T0, KillState.ACTIVE, KillState.HALTED, "alice", "test", False)
        )
    with open_journal() as second:
        assert second.intent(intent().intent_id) is not None
        [record] = second.transactions_at(ACCOUNT, 31337, 0)
        expected = replace(tx(intent().intent_id, 0), account=ACCOUNT.lower())
        assert record == expected  # wei beyond 2**63 round-trips
        assert second.load_kill_state() is KillState.HALTED


def test_an_intent_id_is_journaled_once(journal: Journal) -> None:
    assert journal.record_intent(intent(), entry(), at=1.0)
    assert not journal.record_intent(intent(), entry(notional=1.0), at=2.0)
    record = journal.intent(intent().intent_id)
    assert record is not None
    assert record.notional_usd == 3000.0


def test_next_nonce_skips_discarded_but_not_dropped(journal: Journal) -> None:
    journal.record_intent(intent(), entry(), at=1.0)
    ident = intent().intent_id
    assert journal.next_nonce(ACCOUNT, 31337) == 0
    journal.record_transaction(tx(ident, 0, status=TxStatus.CONFIRMED))
    journal.record_transaction(tx(ident, 1, status=TxStatus.DROPPED))
    journal.record_transaction(tx(ident, 2, status=TxStatus.DISCARDED))
    assert journal.next_nonce(ACCOUNT.lower(), 31337) == 2
    assert journal.next_nonce(ACCOUNT, 1) == 0


def test_re_signing_the_same_fields_reuses_the_row(journal: Journal) -> None:
    journal.record_intent(intent(), entry(), at=1.0)
    record = tx(intent().intent_id, 0)
    journal.record_transaction(record)
    journal.set_tx_status(record, TxStatus.DISCARDED, at=2.0, detail="not sent")
    journal.record_transaction(replace(record, updated_at=3.0))
    [again] = journal.transactions_at(ACCOUNT, 31337, 0)
    assert again.status is TxStatus.SIGNED


def test_rolling_notional_and_reservations(journal: Journal) -> None:
    journal.record_intent(intent(0), entry(1000.0), at=100.0)
    journal.record_intent(intent(1, "deribit"), entry(2000.0), at=200.0)
    journal.record_intent(intent(2), entry(5000.0, OutcomeStatus.REJECTED), at=200.0)
    assert journal.notional_since(50.0) == 3000.0
    assert journal.notional_since(150.0) == 2000.0
    assert journal.reserved_by_venue() == {"aave": 1000.0, "deribit": 2000.0}
    journal.record_outcome(Outcome(intent(0).intent_id, OutcomeStatus.FILLED, "aave"), at=300.0)
    assert journal.reserved_by_venue() == {"deribit": 2000.0}
    assert [i.status for i in journal.in_flight()] == [OutcomeStatus.PENDING]


def test_the_read_side_agrees_on_both_backends(journal: Journal) -> None:
    """Ties broken by insertion order, history newest first, updates in place."""
    for sequence in range(3):  # the same journaled_at: insertion order decides
        journal.record_intent(intent(sequence), entry(), at=5.0)
    assert [r.intent_id for r in journal.recent_intents(2)] == [
        intent(2).intent_id, intent(1).intent_id,
    ]  # fmt: skip
    for previous, state in ((KillState.ACTIVE, KillState.REDUCE_ONLY),
                            (KillState.REDUCE_ONLY, KillState.HALTED)):  # fmt: skip
        journal.record_kill_transition(KillTransition(T0, previous, state, "bob", "t", True))
    assert [t.state for t in journal.kill_history(5)] == [KillState.HALTED, KillState.REDUCE_ONLY]
    assert journal.kill_history(5)[0].at == T0
    ident = intent(0).intent_id
    record = tx(ident, 4, status=TxStatus.BROADCAST)
    journal.record_transaction(record)
    assert journal.unfinished_nonces(ACCOUNT, 31337) == [4]
    assert [t.nonce for t in journal.pending_transactions()] == [4]
    journal.set_tx_status(record, TxStatus.MINED, at=6.0, block=(77, "0xblock", 1))
    [mined] = journal.transactions_with_status(ACCOUNT, 31337, TxStatus.MINED)
    assert (mined.block_number, mined.block_hash, mined.receipt_status) == (77, "0xblock", 1)
    order = OrderRecord(
        client_order_id="c1", intent_id=ident, venue="deribit", symbol="ETH-PERPETUAL",
        side="buy", quantity=2.0, limit_price=None, reduce_only=True, time_in_force="ioc",
        status=OrderStatus.JOURNALED, created_at=1.0, updated_at=1.0,
    )  # fmt: skip
    journal.record_order(order)
    filled = replace(order, status=OrderStatus.CLOSED, filled_quantity=2.0, venue_order_id="v9")
    journal.update_order(filled)
    assert journal.order("c1") == filled
    assert journal.known_client_order_ids("deribit") == {"c1"}
    assert journal.unfinished_orders() == []
    assert journal.orders_of(ident) == [filled]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_older_journal_is_migrated_in_place(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A journal written at version 2 (before the lease) opens at the current version,
    its rows kept, its book's lease at epoch 0."""
    if backend == "sqlite":
        path = tmp_path / "old.sqlite"
        old: Database = SqliteDatabase(path, "main")
        target: Path | str = path
        password = None
    else:
        database = request.getfixturevalue("postgres_database")
        old = PostgresDatabase(database.url, "main", password=database.password, timeout_s=5)
        target, password = database.url, database.password
    old.prepare_schema()
    for version in (0, 1):
        old.apply_migration(version, MIGRATIONS[version] if backend == "sqlite" else
                            postgres_ddl(MIGRATIONS[version]))  # fmt: skip
    old.execute(
        "INSERT INTO kill_transitions (at, previous, state, actor, reason, automatic)"
        " VALUES (?,?,?,?,?,?)",
        (1.0, "active", "halted", "alice", "before the upgrade", 0),
    )
    assert old.schema_version == 2
    old.close()
    with Journal.open(target, password=password) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        assert journal.load_kill_state() is KillState.HALTED
        assert (journal.lease().holder, journal.lease().epoch) == (None, 0)
