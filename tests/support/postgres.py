"""A throwaway PostgreSQL cluster for the tests: Debian's ``postgresql`` package, a
temporary directory, 127.0.0.1 on a free port, gone at teardown.

``initdb`` and ``postgres`` refuse to run as root, so as root they run as the package's
``postgres`` user (``subprocess``'s ``user=``); as anyone else, as that user. The
server is the test process's child, told to stop when that process dies (a test run
killed by a timeout leaves no server running; its directory stays in /tmp). The
cluster is per test session (per xdist worker). ``postgres_database`` is one database
per session, emptied after every test (each book's schema dropped, every connection
to it ended), so tests never see each other's rows; that is several times cheaper than
CREATE DATABASE per test on a loaded 2-core machine (measured: about 0.04 s against
0.2 to 1.2 s).
A test that needs a database of its own calls ``new_database()``.

Speed settings (``fsync=off``, ``synchronous_commit=off``, ``full_page_writes=off``)
are for tests only: none of the tests using this fixture checks durability across a
host crash; the restart tests stop the server cleanly (a "fast" shutdown), which writes
everything out whatever fsync says.

The superuser has a password (scram-sha-256 over TCP), so the journal's password
comes by reference (``env:``) in the tests exactly as it does in a deployment.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.anvil import _die_with_parent

_PG_ROOT = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"


def postgres_bin() -> Path | None:
    """The newest installed server's bin directory, or None if there is none."""
    versions = sorted(
        (p for p in _PG_ROOT.glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    """One running server; ``url(database)`` and ``password`` connect to it."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.version = bin_dir.parent.name
        self.root = Path(tempfile.mkdtemp(prefix="ballast-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.password = secrets.token_hex(16)
        self._as_root = os.geteuid() == 0
        self._databases = itertools.count(1)
        self._shared: str | None = None
        self._server: subprocess.Popen[bytes] | None = None

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        user = SUPERUSER if self._as_root else None
        return subprocess.run(  # the package's own binaries, fixed arguments
            [str(self.bin_dir / args[0]), *args[1:]],
            user=user,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def start(self) -> None:
        if self._as_root:
            shutil.chown(self.root, SUPERUSER, SUPERUSER)
        password_file = self.root / "pw"
        password_file.write_text(self.password)
        if self._as_root:
            shutil.chown(password_file, SUPERUSER, SUPERUSER)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(password_file),
            "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C.UTF-8",
            "--no-sync",
        )  # fmt: skip
        password_file.unlink()
        self.log.touch()
        if self._as_root:  # pg_ctl (as a drill may use it) appends to it as postgres
            shutil.chown(self.log, SUPERUSER, SUPERUSER)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.root}'",
            "max_connections": "60",
            "shared_buffers": "16MB",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "log_min_messages": "warning",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._launch()

    def _launch(self) -> None:
        """The postmaster as this process's child (not daemonised by pg_ctl), told to
        stop if the test process dies: a killed test run leaves no server behind."""
        with self.log.open("ab") as log:
            self._server = subprocess.Popen(  # the package's own binary, fixed arguments
                [str(self.bin_dir / "postgres"), "-D", str(self.data)],
                user=SUPERUSER if self._as_root else None, cwd=self.root,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while not self._ready():  # as pg_ctl -w does: postmaster.pid's status line
            if self._server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.02)

    def _ready(self) -> bool:
        with contextlib.suppress(OSError):
            lines = (self.data / "postmaster.pid").read_text().splitlines()
            return len(lines) >= 8 and lines[7].strip() == "ready"
        return False

    def _shut_down(self, how: signal.Signals) -> None:
        server = self._server
        if server is not None and server.poll() is None:
            server.send_signal(how)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        self._shut_down_any(how)

    def _shut_down_any(self, how: signal.Signals) -> None:
        """A server someone started otherwise (``pg_ctl start``): by postmaster.pid."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().splitlines()[0])
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            return
        if str(self.data).encode() not in command:
            return  # a stale file: that pid is not this cluster's server (any more)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, how)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                os.kill(pid, 0)  # ProcessLookupError once it is gone
                time.sleep(0.02)
            os.kill(pid, signal.SIGKILL)

    def stop_server(self) -> None:
        """Stop the server ("fast": every connection dropped), keeping its files."""
        self._shut_down(signal.SIGINT)

    def start_server(self) -> None:
        """Start the stopped server again: same port, same data."""
        self._launch()

    def restart(self) -> None:
        """Stop the server (every connection dropped) and start it again, same port."""
        self.stop_server()
        self.start_server()

    def stop(self) -> None:
        """Stop the server and remove every file; no process is left behind."""
        try:
            self._shut_down(signal.SIGQUIT)  # "immediate": the files go anyway
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """A URL without the password (it travels separately, like in a deployment)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run ``sql`` as the superuser in the ``postgres`` database (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(), password=self.password, autocommit=True) as db:
            db.execute(sql)

    def shared_database(self) -> str:
        """The session's test database, created on first use."""
        if self._shared is None:
            self._shared = self.new_database()
        return self._shared

    def new_database(self) -> str:
        name = f"test_{next(self._databases)}"
        self.admin(f"CREATE DATABASE {name}")
        return name

    def empty(self, database: str) -> None:
        """End every connection to ``database`` and drop every schema but the system's."""
        import psycopg

        with psycopg.connect(self.url(), password=self.password, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        with psycopg.connect(self.url(database), password=self.password, autocommit=True) as db:
            rows = db.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
                " AND nspname NOT IN ('information_schema', 'public')"
            ).fetchall()
            for (schema,) in rows:
                db.execute(f'DROP SCHEMA "{schema}" CASCADE')


@dataclass(frozen=True, slots=True)
class PostgresDatabase:
    """A fresh database on the session's cluster."""

    cluster: PostgresCluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)

    @property
    def password(self) -> str:
        return self.cluster.password


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL server; skips (saying why) where none is installed."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (make test-py installs Debian's postgresql)")
    cluster = PostgresCluster(bin_dir)
    try:
        cluster.start()
    except (subprocess.CalledProcessError, RuntimeError) as error:
        cluster.stop()
        detail = getattr(error, "stderr", None) or str(error)
        pytest.fail(f"cannot start PostgreSQL {cluster.version}: {detail}")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_database(postgres_cluster: PostgresCluster) -> Iterator[PostgresDatabase]:
    """An empty database for one test (the session's, emptied again afterwards)."""
    name = postgres_cluster.shared_database()
    yield PostgresDatabase(postgres_cluster, name)
    postgres_cluster.empty(name)
