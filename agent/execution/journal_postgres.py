"""The journal on PostgreSQL: a psycopg 3 connection behind ``journal_db.Database``.

Why psycopg 3 and not asyncpg for PostgreSQL: the journal is synchronous and runs on
the event loop, so that "journal, then send" stays trivially ordered (nothing else can
run between a write returning and the send). psycopg 3's synchronous API keeps exactly
that; asyncpg would make every journal call an await point and every caller async. The
price of blocking the loop is bounded: every connection has ``connect_timeout``, a
server-side ``statement_timeout`` (lock waits included), and a client-side bound on every
wait for the server (``_bounded_connection``) for a server that stops answering without
closing the connection (a stopped host, a network path that black-holes). A call that
cannot finish raises instead of hanging the loop: ``JournalUnavailable`` (a
TransientError) when nothing can have been written, ``JournalUnrecorded`` (an
OutcomeUnknown, raised by ``Journal``) when a write may have landed or something already
done could not be recorded. A broken or abandoned connection is dropped and the next
call opens a new one.

Each book lives in its own PostgreSQL schema (``ballast_<book>``), selected with
``search_path`` at connect, so one server serves several daemons and no query can see
another book's rows.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from agent.errors import ConfigError
from agent.execution.journal_db import Cursor, Database, JournalUnavailable, check_url
from agent.ops.redaction import redact


class Row(tuple[Any, ...]):
    """A PostgreSQL row that reads like ``sqlite3.Row``: by index, by name, ``dict(row)``."""

    _names: tuple[str, ...]

    def __new__(cls, values: Sequence[Any], names: tuple[str, ...]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> tuple[str, ...]:
        return self._names

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._names.index(key))
        return super().__getitem__(key)


@functools.cache
def _bounded_connection() -> Any:
    """psycopg's Connection whose every wait for the server is bounded: an unanswered
    call raises (psycopg's ``_WaitTimeout``, an ``OperationalError``) rather than
    blocking the event loop forever."""
    import psycopg

    class BoundedConnection(psycopg.Connection[Any]):
        call_timeout_s: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            bound = timeout if timeout is not None else self.call_timeout_s
            return super().wait(gen, interval=interval, timeout=bound)

    return BoundedConnection


def _row_factory(cursor: Any) -> Any:
    names = tuple(column.name for column in cursor.description or ())
    return functools.partial(Row, names=names)


@functools.lru_cache(maxsize=256)
def _placeholders(sql: str) -> str:
    """``?`` to psycopg's ``%s`` (the journal's SQL has no literal ``?`` or ``%``)."""
    return sql.replace("?", "%s")


def _value(value: object) -> object:
    # Flags are INTEGER 0/1 on both backends (PostgreSQL casts no boolean to an integer).
    return int(value) if isinstance(value, bool) else value


def _values(params: Sequence[object]) -> tuple[object, ...]:
    return tuple(_value(value) for value in params)


class PostgresDatabase(Database):
    """A psycopg 3 connection, reopened on the next call after it broke."""

    dialect = "postgresql"
    # clock_timestamp(), not now(): now() is the transaction's start, and a transaction
    # that waited for the lease row's lock would judge expiry at a time already past.
    now = "extract(epoch from clock_timestamp())::float8"
    for_update = " FOR UPDATE"
    for_share = " FOR SHARE"

    def __init__(self, url: str, book: str, *, password: str | None, timeout_s: float) -> None:
        super().__init__(book)
        check_url(url)
        self.url = url
        self.schema = f"ballast_{self.book}"
        self._password = password
        self._timeout_s = timeout_s
        self._conn: Any = None
        self._connection()

    def _connection(self) -> Any:
        import psycopg

        if self._conn is not None and not self._conn.closed:
            return self._conn
        self._conn = None
        timeout_ms = int(self._timeout_s * 1000)
        # synchronous_commit=on whatever the server's default: a write that returned is
        # durable, as on SQLite (synchronous=FULL).
        options = (
            f"-c search_path={self.schema} -c statement_timeout={timeout_ms}"
            f" -c idle_in_transaction_session_timeout={timeout_ms * 2} -c synchronous_commit=on"
        )
        try:
            connection = _bounded_connection().connect(
                self.url, password=self._password, autocommit=True, row_factory=_row_factory,
                connect_timeout=max(2, round(self._timeout_s)), options=options,
                application_name=f"ballast:{self.book}", keepalives=1, keepalives_idle=5,
                keepalives_interval=2, keepalives_count=2, tcp_user_timeout=timeout_ms,
            )  # fmt: skip
        except psycopg.Error as error:
            raise self._transient(error, sent=False) from None
        # Past the server's own statement_timeout, so that one reports first when it can.
        connection.call_timeout_s = 2 * self._timeout_s + 1.0
        self._conn = connection
        return connection

    def _transient(self, error: Exception, *, sent: bool) -> JournalUnavailable:
        # No SQLSTATE: the failure is the connection's, not a statement's (a statement
        # timeout has one and leaves the connection usable); its state is unknown.
        lost = getattr(error, "sqlstate", None) is None
        if self._conn is not None and (lost or self._conn.closed or self._conn.broken):
            self._conn.close()
            self._conn = None
        where = redact(self.url)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return JournalUnavailable(
            f"journal database {where} (book {self.book}): {redact(first)}",
            may_have_written=sent and lost,
        )

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            raise self._transient(error, sent=True) from None

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        with self._errors():
            connection = self._connection()
            if not params:
                return connection.execute(sql)  # type: ignore[no-any-return]
            return connection.execute(_placeholders(sql), _values(params))  # type: ignore[no-any-return]

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        with self._errors():
            cursor = self._connection().cursor()
            cursor.executemany(_placeholders(sql), [_values(row) for row in rows])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        with self._errors():
            connection = self._connection()
            with connection.transaction():
                yield self

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def schema_version(self) -> int:
        row = self.execute(
            "SELECT version FROM schema_version WHERE EXISTS (SELECT 1 FROM"
            " information_schema.tables WHERE table_schema = ? AND table_name = 'schema_version')",
            (self.schema,),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def apply_migration(self, version: int, script: str) -> None:
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self.schema,))
            if self.schema_version != version:
                return  # another daemon on this book migrated it meanwhile
            self.execute(script)
            self.execute("UPDATE schema_version SET version = ?", (version + 1,))

    def prepare_schema(self) -> None:
        """The book's schema and its version table, created once (safe to race: the
        advisory lock serialises daemons starting together). A role that may not use
        the book's schema (another book's role) is a ConfigError."""
        import psycopg

        try:
            with self.transaction():
                self.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (self.schema,))
                self.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
                # The schema's name is checked (BOOK_NAME), never raw input.
                self.execute(
                    f"CREATE TABLE IF NOT EXISTS {self.schema}.schema_version"  # noqa: S608
                    " (version INTEGER NOT NULL);"
                    f" INSERT INTO {self.schema}.schema_version SELECT 0"
                    f" WHERE NOT EXISTS (SELECT 1 FROM {self.schema}.schema_version)"
                )
        except psycopg.errors.InsufficientPrivilege as error:
            raise ConfigError(
                f"the journal's database role may not use book {self.book} (schema"
                f" {self.schema}): {redact(str(error).splitlines()[0])}",
                field="agent.book",
            ) from None
