"""The leader lease and its fencing epoch, on both backends (the database's clock).

A lease taken with ``ttl_s=0`` is expired the moment it is written: that stands for
"the holder paused past its lease" without the test sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from agent.control.killswitch import KillTransition
from agent.execution.journal import Journal
from agent.execution.lease import LeaseLost
from agent.execution.records import (
    IntentEntry,
    OrderRecord,
    OrderStatus,
    TxKind,
    TxRecord,
    TxStatus,
)
from agent.intents import Action, Intent, KillState
from tests.support.journals import OpenJournal, journal, open_journal
from tests.support.postgres import PostgresDatabase

__all__ = ["journal", "open_journal"]  # fixtures

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ACCOUNT = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
TTL = 30.0


def intent(sequence: int) -> Intent:
    return Intent(venue="aave", action=Action.SUPPLY, asset="WETH", quantity=1.0, reason="t",
                  created_at=T0, sequence=sequence)  # fmt: skip


def tx(intent_id: str, nonce: int) -> TxRecord:
    return TxRecord(
        hash=f"0x{nonce:064x}", intent_id=intent_id, account=ACCOUNT, chain_id=1, nonce=nonce,
        version=1, kind=TxKind.INTENT, raw=b"\x02", to=ACCOUNT, data=b"", value=0, gas=21_000,
        max_fee_per_gas=1, max_priority_fee_per_gas=1, function="", emergency=False,
        status=TxStatus.SIGNED, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


def order(intent_id: str, client_order_id: str) -> OrderRecord:
    return OrderRecord(
        client_order_id=client_order_id, intent_id=intent_id, venue="deribit",
        symbol="ETH-PERPETUAL", side="sell", quantity=1.0, limit_price=None, reduce_only=False,
        time_in_force="ioc", status=OrderStatus.JOURNALED, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


def write_all(journal: Journal, sequence: int) -> None:
    """The three writes that precede a send."""
    item = intent(sequence)
    journal.record_intent(item, IntentEntry(1.0, True, False, 1), at=0.0)
    journal.record_transaction(tx(item.intent_id, sequence))
    journal.record_order(order(item.intent_id, f"c{sequence}"))


def nothing_written(journal: Journal, sequence: int) -> bool:
    item = intent(sequence)
    return (
        journal.intent(item.intent_id) is None
        and not journal.transactions_of(item.intent_id)
        and journal.order(f"c{sequence}") is None
    )


def test_a_new_book_has_epoch_zero_and_no_holder(journal: Journal) -> None:
    state = journal.lease()
    assert (state.book, state.holder, state.epoch) == ("main", None, 0)
    assert state.remaining_s() < 0
    assert state.now.tzinfo is not None
    assert abs((state.now - datetime.now(UTC)).total_seconds()) < 5  # the database's clock


def test_takeover_only_after_expiry_and_only_then_the_epoch_moves(journal: Journal) -> None:
    first = journal.try_acquire_lease("host-a", TTL)
    assert first is not None
    assert (first.holder, first.epoch) == ("host-a", 1)
    assert TTL - 5 < first.remaining_s() <= TTL
    assert journal.try_acquire_lease("host-b", TTL) is None  # unexpired: the standby waits
    again = journal.try_acquire_lease("host-a", TTL)  # the holder renews: same epoch
    assert again is not None
    assert again.epoch == 1
    assert journal.lease().holder == "host-a"

    journal.try_acquire_lease("host-a", 0.0)  # ... then pauses past its lease
    taken = journal.try_acquire_lease("host-b", TTL)
    assert taken is not None
    assert (taken.holder, taken.epoch) == ("host-b", 2)
    with pytest.raises(LeaseLost, match="epoch 2 held by host-b"):
        journal.renew_lease("host-a", 1, TTL)


def test_renewing_after_expiry_works_if_nobody_took_it(journal: Journal) -> None:
    state = journal.try_acquire_lease("host-a", 0.0)
    assert state is not None
    assert state.remaining_s() <= 0
    renewed = journal.renew_lease("host-a", state.epoch, TTL)
    assert (renewed.holder, renewed.epoch) == ("host-a", state.epoch)
    assert renewed.remaining_s() > TTL - 5
    assert renewed.age_s() < 5


def test_release_hands_over_at_once_and_the_old_epoch_is_dead(journal: Journal) -> None:
    state = journal.try_acquire_lease("host-a", TTL)
    assert state is not None
    journal.release_lease("host-a", state.epoch)
    assert journal.lease().holder is None
    taken = journal.try_acquire_lease("host-b", TTL)
    assert taken is not None
    assert taken.epoch == state.epoch + 1
    journal.release_lease("host-a", state.epoch)  # too late: a no-op, not a release of b's
    assert journal.lease().holder == "host-b"
    with pytest.raises(LeaseLost):
        journal.renew_lease("host-a", state.epoch, TTL)


def test_a_deposed_leader_writes_nothing(open_journal: OpenJournal) -> None:
    """Two hosts on one book: the old leader, fenced at epoch 1, wakes after the
    standby took epoch 2. Its intent, transaction and order are all refused and no row
    of them exists; the new leader writes freely; kill transitions are not fenced."""
    old = open_journal()
    state = old.try_acquire_lease("host-a", TTL)
    assert state is not None
    old.fence("host-a", state.epoch)
    write_all(old, 0)  # while it leads, it writes

    old.try_acquire_lease("host-a", 0.0)  # it pauses past its lease
    new = old if old.path is not None else open_journal()  # SQLite: one process per file
    taken = new.try_acquire_lease("host-b", TTL)
    assert taken is not None
    assert taken.epoch == 2

    item = intent(1)
    with pytest.raises(LeaseLost, match="epoch 2 held by host-b"):
        old.record_intent(item, IntentEntry(1.0, True, False, 1), at=0.0)
    with pytest.raises(LeaseLost):
        old.record_transaction(tx(intent(0).intent_id, 1))  # for an intent journaled before
    with pytest.raises(LeaseLost):
        old.record_order(order(intent(0).intent_id, "c1"))
    assert nothing_written(new, 1)
    assert [t.nonce for t in new.transactions_of(intent(0).intent_id)] == [0]

    # The operator's kill reaches the shared journal from either host.
    old.record_kill_transition(
        KillTransition(T0, KillState.ACTIVE, KillState.HALTED, "alice", "drill", False)
    )
    assert new.load_kill_state() is KillState.HALTED

    if new is not old:
        new.fence("host-b", taken.epoch)
        write_all(new, 2)
        assert not nothing_written(old, 2)  # the old host reads what the new one wrote


def test_an_expired_lease_blocks_writes_until_renewed(journal: Journal) -> None:
    state = journal.try_acquire_lease("host-a", 0.0)  # expired, nobody took it
    assert state is not None
    journal.fence("host-a", state.epoch)
    with pytest.raises(LeaseLost, match="expired"):
        write_all(journal, 0)
    assert nothing_written(journal, 0)
    journal.renew_lease("host-a", state.epoch, TTL)
    write_all(journal, 0)
    assert not nothing_written(journal, 0)


def test_an_unfenced_journal_writes_as_before(journal: Journal) -> None:
    journal.try_acquire_lease("someone-else", TTL)
    write_all(journal, 0)  # single host, SQLite default: no lease involved
    assert not nothing_written(journal, 0)


def test_heartbeats_on_the_database_clock(journal: Journal) -> None:
    state = journal.try_acquire_lease("host-a", TTL)
    assert state is not None
    journal.fence("host-a", state.epoch)
    journal.heartbeat("host-a", "leader", "tick 1 ok")
    journal.heartbeat("host-b", "standby", "tick 7 ok")
    journal.heartbeat("host-a", "leader", "tick 2 ok")
    beats = {beat.holder: beat for beat in journal.heartbeats()}
    assert set(beats) == {"host-a", "host-b"}
    assert (beats["host-a"].role, beats["host-a"].detail) == ("leader", "tick 2 ok")
    assert beats["host-b"].epoch == beats["host-a"].epoch == 1
    assert beats["host-a"].seen_at >= beats["host-b"].seen_at
    assert beats["host-a"].seen_at <= journal.lease().now


def test_books_never_see_each_other(open_journal: OpenJournal) -> None:
    """One database, two daemons' books: intents, orders, kill state, lease and
    heartbeats stay apart."""
    red, blue = open_journal("red"), open_journal("blue")
    state = red.try_acquire_lease("red-a", TTL)
    assert state is not None
    red.fence("red-a", state.epoch)
    write_all(red, 0)
    red.record_kill_transition(
        KillTransition(T0, KillState.ACTIVE, KillState.HALTED, "alice", "red only", False)
    )
    red.heartbeat("red-a", "leader", "ok")
    assert (blue.book, red.book) == ("blue", "red")
    assert nothing_written(blue, 0)
    assert blue.load_kill_state() is None
    assert blue.in_flight() == []
    assert (blue.lease().holder, blue.lease().epoch) == (None, 0)
    assert blue.heartbeats() == []
    taken = blue.try_acquire_lease("blue-a", TTL)  # red's leader does not hold blue
    assert taken is not None
    assert taken.epoch == 1
    blue.fence("blue-a", taken.epoch)
    write_all(blue, 0)  # the same ids in another book
    assert red.lease().holder == "red-a"


def test_racing_standbys_exactly_one_wins(postgres_database: PostgresDatabase) -> None:
    """Two connections call try_acquire on an expired lease at the same moment, many
    times: each time exactly one takes it, and the epoch moves by exactly one."""
    journals = [
        Journal.open(postgres_database.url, password=postgres_database.password) for _ in range(2)
    ]
    try:
        rounds, barrier = 20, threading.Barrier(2)
        results: list[list[object]] = [[], []]

        def contend(index: int) -> None:
            for _ in range(rounds):
                barrier.wait(timeout=30)
                results[index].append(journals[index].try_acquire_lease(f"host-{index}", TTL))
                barrier.wait(timeout=30)
                if results[index][-1] is not None:  # the winner steps down for the next round
                    journals[index].release_lease(f"host-{index}", journals[index].lease().epoch)
                barrier.wait(timeout=30)

        threads = [threading.Thread(target=contend, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        winners = [[i for i in range(2) if results[i][n] is not None] for n in range(rounds)]
        assert all(len(won) == 1 for won in winners), winners
        assert journals[0].lease().epoch == rounds
    finally:
        for journal in journals:
            journal.close()
