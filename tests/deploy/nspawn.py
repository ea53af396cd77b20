"""A throwaway systemd machine for tests: Debian's ``systemd-nspawn`` boots the host's
own /usr with a root on tmpfs (``--volatile=yes``), sharing the host's network, so a
unit can be installed, started, watched and killed by a real systemd.

Nothing is registered with a host systemd (``--register=no --keep-unit``: this host
has none), so ``machinectl`` and ``systemd-run --machine`` cannot reach the machine;
commands run inside it with ``nsenter`` into its init's namespaces (mount, PID, UTS,
IPC, cgroup), as root, with a clean environment. They are children of the machine's
PID namespace, so they die with it. ``poweroff`` signals nspawn (SIGTERM makes it ask
the machine's systemd for an orderly shutdown, SIGRTMIN+4), waits for it, and checks
that no process of the machine's PID namespace is left on the host.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

BOOT_TIMEOUT_S = 60.0
POWEROFF_TIMEOUT_S = 30.0
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# The command of the issue: boot the host's /usr on a tmpfs root, no host registration.
NSPAWN = ["--directory=/", "--volatile=yes", "--register=no", "--keep-unit", "--quiet"]


@dataclass(frozen=True)
class Bind:
    source: Path
    target: str
    read_only: bool = True

    def option(self) -> str:
        return f"--bind{'-ro' if self.read_only else ''}={self.source}:{self.target}"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n{self.out}\n{self.err}"


def why_nspawn_cannot_run() -> str | None:
    """Why no machine can be booted here, or None: checked by running a command in a
    volatile container of / (no boot), which needs what a boot needs (root, namespaces,
    tmpfs mounts)."""
    nspawn = shutil.which("systemd-nspawn")
    if nspawn is None:
        return (
            "systemd-nspawn is not installed (Debian's systemd-container; `make test` "
            "installs it where apt-get can run as root)"
        )
    if os.geteuid() != 0:
        return "systemd-nspawn needs root"
    probe = subprocess.run(
        [nspawn, *NSPAWN, "--pipe", "/bin/true"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        return f"systemd-nspawn cannot run here: {probe.stderr.strip()[-500:]}"
    return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _init_of(nspawn: int) -> int:
    """The machine's systemd (a child of nspawn, or of its short-lived helper), or 0."""
    for child in _children(nspawn):
        for pid in (child, *_children(child)):
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                    return pid
    return 0


def _pid_namespace(pid: int) -> int:
    return os.stat(f"/proc/{pid}/ns/pid").st_ino


def processes_in_namespace(namespace: int) -> list[int]:
    """Host PIDs of every live process in the PID namespace ``namespace`` (an inode)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(entry / "ns" / "pid").st_ino == namespace:
                    found.append(int(entry.name))
    return found


class Machine:
    """One booted container; ``async with`` boots it and powers it off."""

    def __init__(self, binds: list[Bind], console_log: Path) -> None:
        self.binds = binds
        self.console_log = console_log
        self.process: asyncio.subprocess.Process | None = None
        self.leader = 0  # the machine's init (its PID 1), as a host PID
        self.namespace = 0
        self.boot_s = 0.0

    async def __aenter__(self) -> Machine:
        started = time.monotonic()
        nspawn = shutil.which("systemd-nspawn")
        assert nspawn is not None
        with self.console_log.open("wb") as console:
            self.process = await asyncio.create_subprocess_exec(
                nspawn, *NSPAWN, *(b.option() for b in self.binds),
                "--boot", "systemd.firstboot=off",
                stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            await self._wait_booted()
        except BaseException:
            await self.poweroff()
            raise
        self.boot_s = time.monotonic() - started
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.poweroff()

    async def _wait_booted(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while not self._systemd_listening():
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise AssertionError(f"nspawn did not boot a machine:\n{self.console()}")
            await asyncio.sleep(0.05)
        self.namespace = _pid_namespace(self.leader)
        # --wait returns once the boot job queue is empty: "running" or "degraded".
        state = await self.run(
            "systemctl", "is-system-running", "--wait", check=False, timeout_s=BOOT_TIMEOUT_S
        )
        assert state.out.strip() in ("running", "degraded"), f"{state}\n{self.console()}"

    def _systemd_listening(self) -> bool:
        """The machine's systemd has started and opened its private bus for systemctl."""
        assert self.process is not None
        self.leader = self.leader or _init_of(self.process.pid)
        return bool(self.leader) and Path(f"/proc/{self.leader}/root/run/systemd/private").exists()

    def console(self) -> str:
        return self.console_log.read_text(errors="replace")[-4000:]

    async def run(
        self,
        *argv: str,
        stdin: str | None = None,
        check: bool = True,
        cwd: str = "/",
        timeout_s: float = 120.0,
    ) -> Result:
        """``argv`` as root inside the machine, with only ``PATH`` in its environment."""
        assert self.leader, "the machine is not booted"
        process = await asyncio.create_subprocess_exec(
            "nsenter", f"--target={self.leader}", "--mount", "--uts", "--ipc", "--pid",
            "--cgroup", "--", "env", "-i", "-C", cwd, f"PATH={PATH}", *argv,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            out, err = await asyncio.wait_for(
                process.communicate(stdin.encode() if stdin is not None else b""), timeout_s
            )
        except TimeoutError:
            process.kill()
            await process.wait()
            raise AssertionError(f"{argv} took more than {timeout_s}s") from None
        assert process.returncode is not None
        result = Result(process.returncode, out.decode(), err.decode())
        if check:
            assert result.code == 0, f"{' '.join(argv)}: {result}"
        return result

    async def shell(self, script: str, **options: object) -> Result:
        return await self.run("sh", "-ec", script, **options)  # type: ignore[arg-type]

    async def poweroff(self) -> None:
        """Signal nspawn (an orderly poweroff of the machine), wait for it to exit, and
        assert that nothing of the machine is left."""
        process = self.process
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), POWEROFF_TIMEOUT_S)
        except TimeoutError:
            # A machine too young to handle the poweroff request: end its PID namespace.
            if self.leader:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.leader, signal.SIGKILL)
            await process.wait()
            raise AssertionError(f"the machine did not power off:\n{self.console()}") from None
        deadline = time.monotonic() + 5.0
        left = processes_in_namespace(self.namespace) if self.namespace else []
        while left and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            left = processes_in_namespace(self.namespace)
        assert not left, f"processes of the machine survived it: {left}"
