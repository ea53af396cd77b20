"""What only the PostgreSQL journal has: a server that restarts or is unreachable, a
password that must not be in the URL, schema versions in a table, daemons starting
together, and a rival standby in another process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import threading
import time

import psycopg
import pytest

from agent.errors import ConfigError, InvariantViolation, TransientError
from agent.execution.journal import Journal
from agent.execution.journal_db import JournalUnavailable, JournalUnrecorded
from agent.execution.journal_schema import SCHEMA_VERSION
from agent.execution.records import IntentEntry
from agent.intents import Action, Intent, Outcome, OutcomeStatus
from tests.support.postgres import PostgresCluster, PostgresDatabase
from tests.support.processes import child_process


def intent(sequence: int) -> Intent:
    return Intent(venue="aave", action=Action.SUPPLY, asset="WETH", quantity=1.0, reason="t",
                  sequence=sequence)  # fmt: skip


def open_pg(database: PostgresDatabase, **options: object) -> Journal:
    return Journal.open(database.url, password=database.password, **options)  # type: ignore[arg-type]


def test_a_commit_that_returned_is_durable_whatever_the_servers_default(
    postgres_database: PostgresDatabase,
) -> None:
    """The test cluster runs synchronous_commit=off; the journal's sessions do not."""
    with open_pg(postgres_database, timeout_s=3.0) as journal:
        settings = dict(
            journal.connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN"
                " ('synchronous_commit', 'statement_timeout', 'search_path')"
            )
        )
    assert settings == {
        "synchronous_commit": "on", "statement_timeout": "3000", "search_path": "ballast_main",
    }  # fmt: skip


def test_a_restart_of_the_server_is_a_transient_error_then_it_reconnects(
    postgres_cluster: PostgresCluster, postgres_database: PostgresDatabase
) -> None:
    """The server ended the session before the write ran (57P01): a plain transient error,
    nothing written. The record of something already done, though, is never a
    TransientError (a caller would read it as "not sent"): it is JournalUnrecorded."""
    with open_pg(postgres_database, timeout_s=2.0) as journal:
        journal.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)
        postgres_cluster.restart()
        started = time.monotonic()
        with pytest.raises(JournalUnavailable, match=r"journal database postgresql://\*\*\*@") as e:
            journal.record_intent(intent(1), IntentEntry(1.0, True, False, 1), at=2.0)
        assert time.monotonic() - started < 2.0
        assert not e.value.may_have_written
        assert postgres_database.password not in str(e.value)
        # The next call opens a new connection: the first write is there, the refused one not.
        assert journal.intent(intent(0).intent_id) is not None
        assert journal.intent(intent(1).intent_id) is None
        assert journal.record_intent(intent(1), IntentEntry(1.0, True, False, 1), at=3.0)
        postgres_cluster.restart()
        filled = Outcome(intent(0).intent_id, OutcomeStatus.FILLED, "aave")
        with pytest.raises(JournalUnrecorded, match="not recorded") as unrecorded:
            journal.record_outcome(filled, at=4.0)
        assert not isinstance(unrecorded.value, TransientError)
        journal.record_outcome(filled, at=4.0)  # reconnected
        record = journal.intent(intent(0).intent_id)
        assert record is not None
        assert record.status is OutcomeStatus.FILLED


def test_an_unreachable_server_fails_fast_and_says_where(
    postgres_database: PostgresDatabase,
) -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(TransientError, match=f"127.0.0.1:{port}"):
        Journal.open(f"postgresql://ballast@127.0.0.1:{port}/x", password="pw", timeout_s=1.0)
    with socket.socket() as silent:  # accepts TCP, never answers: connect_timeout bounds it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"postgresql://ballast@127.0.0.1:{silent.getsockname()[1]}/x"
        started = time.monotonic()
        with pytest.raises(TransientError):
            Journal.open(url, password="pw", timeout_s=1.0)
        assert time.monotonic() - started < 5.0


def test_a_statement_stuck_behind_a_lock_is_bounded(postgres_database: PostgresDatabase) -> None:
    with open_pg(postgres_database, timeout_s=0.5) as journal:
        with psycopg.connect(postgres_database.url, password=postgres_database.password) as rival:
            rival.execute("LOCK TABLE ballast_main.intents IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(JournalUnavailable, match="statement timeout"):
                journal.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)
            assert time.monotonic() - started < 3.0
            rival.rollback()
        assert journal.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)


def test_a_server_that_stops_answering_is_a_bounded_transient_error(
    postgres_database: PostgresDatabase,
) -> None:
    """The backend serving the journal is SIGSTOPped (a host frozen, a path black-holed:
    the TCP connection stays up, nothing answers, the server's own statement_timeout
    cannot fire). The call gives up within its client-side bound, in a fenced write's
    transaction too; as the write may have landed for all the journal knows, it says so
    (JournalUnrecorded, reconcile) rather than "not written". The next call, on a new
    connection, works."""
    with open_pg(postgres_database, timeout_s=0.5) as journal:
        state = journal.try_acquire_lease("host-a", 60.0)
        assert state is not None
        journal.fence("host-a", state.epoch)
        backend = int(journal.connection.execute("SELECT pg_backend_pid()").fetchone()[0])
        os.kill(backend, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with pytest.raises(JournalUnrecorded, match="may have landed"):
                journal.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)
            waited = time.monotonic() - started
        finally:
            os.kill(backend, signal.SIGCONT)
        assert 0.5 < waited < 5.0  # 2 x 0.5 s + 1 s, and not twice that
        assert journal.intent(intent(0).intent_id) is None  # nothing half-written
        assert journal.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)


def test_a_password_in_the_url_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError, match="by reference") as e:
        Journal.open("postgresql://ballast:hunter2@127.0.0.1:5432/ballast")
    assert "hunter2" not in str(e.value)
    with pytest.raises(ConfigError, match="by reference") as e:
        Journal.open("postgresql://ballast@127.0.0.1/ballast?password=hunter2")
    assert "hunter2" not in str(e.value)
    with pytest.raises(ConfigError, match="book name"):
        Journal.open("postgresql://ballast@127.0.0.1/ballast", book="Robert'); DROP")


def test_schema_versions_live_in_the_books_schema(postgres_database: PostgresDatabase) -> None:
    with open_pg(postgres_database) as journal:
        assert journal.schema_version == SCHEMA_VERSION
        journal.connection.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(InvariantViolation, match="newer than this build"):
        open_pg(postgres_database)
    with open_pg(postgres_database, book="other") as other:  # another book is its own
        assert other.schema_version == SCHEMA_VERSION


def test_each_books_role_sees_only_its_book(postgres_database: PostgresDatabase) -> None:
    """Deployed with one database role per book (the deploy notes' advice), the
    isolation is PostgreSQL's own: a role cannot open, nor read, another book."""
    cluster, name = postgres_database.cluster, postgres_database.name
    for role in ("red", "blue"):
        cluster.admin(f"DROP ROLE IF EXISTS {role}")
        cluster.admin(f"CREATE ROLE {role} LOGIN PASSWORD '{cluster.password}'")
        cluster.admin(f"GRANT CREATE ON DATABASE {name} TO {role}")
    url = f"postgresql://{{}}@127.0.0.1:{cluster.port}/{name}"  # {} is the role
    try:
        with (
            Journal.open(url.format("red"), book="red", password=cluster.password) as red,
            Journal.open(url.format("blue"), book="blue", password=cluster.password) as blue,
        ):
            red.record_intent(intent(0), IntentEntry(1.0, True, False, 1), at=1.0)
            assert blue.intent(intent(0).intent_id) is None
            with pytest.raises(ConfigError, match="may not use book red"):
                Journal.open(url.format("blue"), book="red", password=cluster.password)
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                blue.connection.execute("SELECT count(*) FROM ballast_red.intents")
    finally:
        cluster.empty(name)
        for role in ("red", "blue"):
            cluster.admin(f"DROP OWNED BY {role}")
            cluster.admin(f"DROP ROLE {role}")


def test_daemons_starting_together_migrate_once(postgres_database: PostgresDatabase) -> None:
    opened: list[Journal] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def start() -> None:
        barrier.wait(timeout=30)
        try:
            opened.append(open_pg(postgres_database, book="fresh"))
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert [j.schema_version for j in opened] == [SCHEMA_VERSION] * 3
    finally:
        for journal in opened:
            journal.close()


_RIVAL = """
import sys
from agent.execution.journal import Journal
journal = Journal.open(sys.argv[1], password=sys.stdin.readline().strip())
print("ready", flush=True)
held = None
for line in sys.stdin:
    if line.strip() == "go":
        held = journal.try_acquire_lease("rival", 30.0)
        print("won" if held else "lost", flush=True)
    else:
        if held is not None:
            journal.release_lease("rival", held.epoch)
        held = None
        print("released", flush=True)
"""


async def test_a_standby_in_another_process_never_wins_the_same_round(
    postgres_database: PostgresDatabase,
) -> None:
    """This process and a rival process race for the expired lease, round after round:
    exactly one of the two holds it each round, and the epoch moves once per round."""
    rounds = 15

    async def say(line: bytes) -> bytes:
        assert rival.stdin is not None
        assert rival.stdout is not None
        rival.stdin.write(line)
        await rival.stdin.drain()
        return (await asyncio.wait_for(rival.stdout.readline(), 60)).strip()

    async with child_process(
        sys.executable, "-c", _RIVAL, postgres_database.url,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    ) as rival:  # fmt: skip
        assert await say(f"{postgres_database.password}\n".encode()) == b"ready"
        with open_pg(postgres_database) as journal:
            ours = 0
            for _ in range(rounds):
                assert rival.stdin is not None
                rival.stdin.write(b"go\n")
                await rival.stdin.drain()
                state = journal.try_acquire_lease("here", 30.0)
                assert rival.stdout is not None
                theirs = (await asyncio.wait_for(rival.stdout.readline(), 30)).strip()
                assert (state is not None, theirs) in ((True, b"lost"), (False, b"won"))
                if state is not None:
                    ours += 1
                    journal.release_lease("here", state.epoch)
                assert await say(b"release\n") == b"released"
            assert journal.lease().epoch == rounds
        rival.stdin.close()  # type: ignore[union-attr]
    assert 0 <= ours <= rounds
