"""sd_notify over a real datagram socket, as systemd would receive it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.errors import ConfigError
from agent.intents import KillState
from agent.ops.notify import SystemdNotifier, TickNotifier, watchdog_interval_s
from agent.tick.checks import InputReport
from agent.tick.report import TickReport


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(2.0)
    yield path, sock
    sock.close()


def _report(error: str | None = None) -> TickReport:
    at = datetime(2026, 3, 1, tzinfo=UTC)
    empty = InputReport((), frozenset())
    return TickReport(at, {}, empty, None, kill_state=KillState.REDUCE_ONLY, error=error)


def _received(sock: socket.socket) -> list[str]:
    return sock.recv(4096).decode().split("\n")


def test_ready_once_then_a_watchdog_ping_per_tick(listener: tuple[str, socket.socket]) -> None:
    path, sock = listener
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": path})
    assert notifier is not None
    ticks = TickNotifier(notifier)
    ticks(_report())
    ticks(_report(error="TransientError: down"))
    ticks.stopping()
    datagrams = [_received(sock) for _ in range(4)]
    assert datagrams[0][0] == "READY=1"
    assert [d[0] for d in datagrams[1:]] == ["WATCHDOG=1", "WATCHDOG=1", "STOPPING=1"]
    assert "kill switch reduce_only" in datagrams[0][1]
    assert datagrams[2][1].endswith("last tick failed")
    assert "down" not in datagrams[2][1], "error details stay in the logs"
    notifier.close()


def test_abstract_socket_names_are_supported() -> None:
    name = f"ballast-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(2.0)
        notifier = SystemdNotifier("@" + name)
        assert notifier.send("READY=1")
        assert sock.recv(100) == b"READY=1"
        notifier.close()


def test_without_systemd_nothing_is_sent_and_a_dead_socket_never_raises(tmp_path: Path) -> None:
    assert SystemdNotifier.from_environment({}) is None
    notifier = SystemdNotifier(str(tmp_path / "nobody-listens.sock"))
    assert not notifier.send("WATCHDOG=1")
    notifier.close()


def test_the_watchdog_must_allow_two_pings_per_timeout_and_the_longest_wait() -> None:
    environ = {"WATCHDOG_USEC": "300000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval_s(environ) == 300.0
    TickNotifier.check(150.0, 125.0, environ)
    with pytest.raises(ConfigError, match="more than half of WatchdogSec"):
        TickNotifier.check(200.0, 125.0, environ)
    with pytest.raises(ConfigError, match="longer than WatchdogSec") as refused:
        TickNotifier.check(10.0, 300.0, environ)
    assert refused.value.field == "agent.intent_wait_s", "names the setting that shortens it"
    assert watchdog_interval_s({"WATCHDOG_USEC": "1", "WATCHDOG_PID": "1"}) is None
    TickNotifier.check(10_000.0, 10_000.0, {})  # not under a watchdog: nothing to check
