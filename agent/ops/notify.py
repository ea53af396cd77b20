"""systemd's notification protocol (sd_notify(3)), without a systemd library.

Under ``Type=notify`` systemd sets ``$NOTIFY_SOCKET`` (a filesystem path, or ``@name``
for the abstract namespace) and waits for a datagram holding ``READY=1``; with
``WatchdogSec=`` it also sets ``$WATCHDOG_USEC`` and restarts the service when no
``WATCHDOG=1`` arrives in time. The daemon sends READY after its first tick and
WATCHDOG after every tick, both from the tick loop: a loop that is stuck (a hung
await, a blocked event loop) stops pinging and is restarted. ``STOPPING=1`` marks a
graceful stop; ``STATUS=`` is what ``systemctl status`` shows.

Outside systemd (no ``$NOTIFY_SOCKET``) nothing is sent. A failed send is logged and
never raised: the daemon's work does not depend on its supervisor's socket.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import structlog

from agent.errors import ConfigError
from agent.tick.report import TickReport

log = structlog.get_logger(__name__)


def _address(value: str) -> str:
    return "\0" + value[1:] if value.startswith("@") else value


class SystemdNotifier:
    """Sends notification datagrams to one socket."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._socket.setblocking(False)
        self._failed = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> SystemdNotifier | None:
        """A notifier for ``$NOTIFY_SOCKET``, or None when not run by systemd."""
        value = (environ if environ is not None else os.environ).get("NOTIFY_SOCKET")
        return cls(value) if value else None

    def send(self, *assignments: str) -> bool:
        """Send ``KEY=VALUE`` lines in one datagram; False (logged once) if it failed."""
        message = "\n".join(assignments).encode()
        try:
            self._socket.sendto(message, _address(self.address))
        except OSError as error:
            if not self._failed:
                log.warning("sd_notify_failed", socket=self.address, error=str(error))
            self._failed = True
            return False
        return True

    def close(self) -> None:
        self._socket.close()


def watchdog_interval_s(environ: Mapping[str, str] | None = None) -> float | None:
    """The watchdog timeout systemd enforces on this process, in seconds, or None."""
    env = environ if environ is not None else os.environ
    usec = env.get("WATCHDOG_USEC")
    pid = env.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1e6


class TickNotifier:
    """A daemon tick observer speaking to systemd: READY once, then WATCHDOG each tick."""

    def __init__(self, notifier: SystemdNotifier) -> None:
        self.notifier = notifier
        self.ready = False

    @staticmethod
    def check(
        tick_interval_s: float, longest_wait_s: float, environ: Mapping[str, str] | None = None
    ) -> None:
        """ConfigError if systemd would kill a healthy daemon: ticks must come at least
        twice per watchdog timeout (as sd_watchdog_enabled(3) advises), and one tick may
        legitimately wait ``longest_wait_s`` (an intent's confirmation) before it ends."""
        timeout = watchdog_interval_s(environ)
        if timeout is None:
            return
        if tick_interval_s > timeout / 2:
            raise ConfigError(
                f"tick_interval_s {tick_interval_s} is more than half of WatchdogSec "
                f"({timeout:g}s): raise WatchdogSec or tick more often",
                field="agent.tick_interval_s",
            )
        if longest_wait_s >= timeout:
            raise ConfigError(
                f"a tick may wait {longest_wait_s:g}s for an intent's outcome, longer than "
                f"WatchdogSec ({timeout:g}s): raise WatchdogSec or lower agent.intent_wait_s",
                field="agent.intent_wait_s",
            )

    def __call__(self, report: TickReport) -> None:
        status = f"STATUS=tick at {report.at.isoformat()}, kill switch {report.kill_state.value}"
        if report.error is not None:
            status += ", last tick failed"
        if not self.ready:
            self.ready = self.notifier.send("READY=1", status)
        self.notifier.send("WATCHDOG=1", status)

    def stopping(self) -> None:
        self.notifier.send("STOPPING=1", "STATUS=stopping: finishing the current tick")
