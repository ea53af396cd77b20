"""The journal's two databases behind one small interface: where SQLite and PostgreSQL
differ (placeholders, how a write transaction starts, row locks, the clock, the schema
version's home), and nowhere else.

The journal's SQL is written once, with ``?`` placeholders and the upsert syntax both
understand (``INSERT ... ON CONFLICT``); ``Database`` runs it on either.

The PostgreSQL side is ``agent.execution.journal_postgres``. Each book lives in its own
PostgreSQL schema (``ballast_<book>``), so one server serves several daemons.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from agent.errors import ConfigError, InvariantViolation, OutcomeUnknown, TransientError
from agent.ops.redaction import redact

BOOK_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_BOOK = "main"


class JournalUnavailable(TransientError):
    """The journal's database could not be reached or did not answer in time.

    ``may_have_written``: the connection failed after a statement was sent and before
    its answer came, so a write may have committed. A failure the server reported (a
    statement timeout, the server shutting the session) rolled the statement back.
    """

    def __init__(self, message: str, *, may_have_written: bool) -> None:
        super().__init__(message)
        self.may_have_written = may_have_written


class JournalUnrecorded(OutcomeUnknown):
    """A write that may or may not have landed, or the record of something already done
    (a send, its outcome) that could not be written: the journal is behind what
    happened, so reconcile before acting on it. Never read it as "not sent"."""


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


def check_book(book: str) -> str:
    if not BOOK_NAME.match(book):
        raise ConfigError(
            f"book name {book!r} must be 1-40 of a-z, 0-9 and _, starting with a letter",
            field="agent.book",
        )
    return book


class Database(ABC):
    """One connection to the journal's database, in autocommit: each statement outside
    ``transaction()`` is its own transaction."""

    dialect: str
    #: SQL for the database's clock as Unix seconds (float), for leases and heartbeats.
    now: str
    #: Appended to a SELECT that must hold the row until the transaction ends.
    for_update: str
    for_share: str

    path: Path | None = None  # the file, where there is one

    def __init__(self, book: str) -> None:
        self.book = check_book(book)

    @abstractmethod
    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...

    @abstractmethod
    def transaction(self) -> contextlib.AbstractContextManager[Database]:
        """A write transaction: committed on exit, rolled back on any exception."""

    @abstractmethod
    def close(self) -> None: ...

    def prepare_schema(self) -> None:  # noqa: B027 - only PostgreSQL has something to do
        """Whatever must exist before the schema version can be read (PostgreSQL: the
        book's schema)."""

    @property
    @abstractmethod
    def schema_version(self) -> int: ...

    @abstractmethod
    def apply_migration(self, version: int, script: str) -> None:
        """Bring the schema from ``version`` to ``version + 1`` with ``script``, in one
        transaction; a no-op if another process already did."""


class SqliteDatabase(Database):
    """One file in WAL mode, ``synchronous=FULL``: a write that returned is on disk. One
    process at a time: an exclusive lock file refuses a second daemon on the same file."""

    dialect = "sqlite"
    now = "((julianday('now') - 2440587.5) * 86400.0)"
    for_update = ""  # BEGIN IMMEDIATE already holds the one write lock
    for_share = ""

    def __init__(self, path: Path, book: str) -> None:
        super().__init__(book)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_file: int | None = _lock(path.with_name(path.name + ".lock"))
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            self.close()
            raise

    def execute(self, sql: str, params: Sequence[object] = ()) -> Cursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self._db.executemany(sql, rows)

    def apply_migration(self, version: int, script: str) -> None:
        # executescript commits anything pending first, so the transaction is in the script.
        try:
            self._db.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
            )
        except sqlite3.Error:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        if hasattr(self, "_db"):
            self._db.close()
        if self._lock_file is not None:
            _unlock(self._lock_file)
            self._lock_file = None

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])


def check_url(url: str) -> str:
    """A ``postgresql://`` URL with no password in it (the password comes by reference)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"journal URL {redact(url)} must start with postgresql://", field="agent.journal"
        )
    if parts.password is not None or "password=" in parts.query:
        raise ConfigError(
            f"journal URL {redact(url)} holds a password: give it by reference in"
            " agent.journal_password (env:NAME or file:PATH) instead",
            field="agent.journal",
        )
    return url


def is_database_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def newer_schema(version: int, supported: int) -> InvariantViolation:
    return InvariantViolation(
        f"journal schema version {version} is newer than this build ({supported})"
    )


def _lock(path: Path) -> int:
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise InvariantViolation(
            f"journal {path.with_suffix('')} is held by another running process"
        ) from None
    return descriptor


def _unlock(descriptor: int) -> None:
    fcntl.flock(descriptor, fcntl.LOCK_UN)
    os.close(descriptor)
