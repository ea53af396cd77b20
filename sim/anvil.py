"""Start and stop anvil: a free port, ready when eth_chainId answers, nothing orphaned.

The child gets PR_SET_PDEATHSIG on Linux, so even a SIGKILLed parent does not leave
an anvil behind; ``stop`` terminates by PID, escalating to SIGKILL, and reaps it.

Each anvil writes the historical states it evicts from memory into its own temporary
``--cache-path``, removed by ``stop``: by default anvil 1.x puts them in
``~/.foundry/anvil/tmp/anvil-state-*`` and leaves them there when it exits (measured:
216 such folders, 75 GB, after one day of this project's test runs filled the disk).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar

from agent.errors import TransientError
from agent.ops.redaction import redact
from sim.toolchain import foundry_binary

DEFAULT_CHAIN_ID = 31337
# anvil's published development mnemonic: its first accounts and their keys are public.
DEV_MNEMONIC = "test test test test test test test test test test test junk"


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class AnvilOptions:
    """What anvil is started with. ``fork_url`` makes it a fork of another chain."""

    port: int | None = None
    chain_id: int = DEFAULT_CHAIN_ID
    accounts: int = 10
    balance_eth: int = 1_000_000
    block_time_s: float | None = None
    no_mining: bool = False
    base_fee_wei: int | None = None
    fork_url: str | None = None
    fork_block: int | None = None
    load_state: Path | None = None
    timestamp: int | None = None
    extra_args: list[str] = field(default_factory=list)

    def arguments(self, port: int) -> list[str]:
        args = [
            "--host", "127.0.0.1",
            "--port", str(port),
            "--accounts", str(self.accounts),
            "--balance", str(self.balance_eth),
            "--mnemonic", DEV_MNEMONIC,
            "--code-size-limit", "100000",
        ]  # fmt: skip
        if self.fork_url:
            args += ["--fork-url", self.fork_url]
            if self.fork_block is not None:
                args += ["--fork-block-number", str(self.fork_block)]
        else:
            args += ["--chain-id", str(self.chain_id)]
        if self.block_time_s is not None:
            args += ["--block-time", str(self.block_time_s)]
        if self.no_mining:
            args += ["--no-mining"]
        if self.base_fee_wei is not None:
            args += ["--block-base-fee-per-gas", str(self.base_fee_wei)]
        if self.load_state is not None:
            args += ["--load-state", str(self.load_state)]
        if self.timestamp is not None:
            args += ["--timestamp", str(self.timestamp)]
        return args + self.extra_args


class Anvil:
    """One anvil process. Use as a context manager, or call ``start``/``stop``."""

    _live: ClassVar[dict[int, Anvil]] = {}  # pid -> process, for the no-orphans check

    def __init__(self, options: AnvilOptions | None = None, *, log_path: Path | None = None):
        self.options = options or AnvilOptions()
        self.log_path = log_path
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._cache: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @classmethod
    def live_pids(cls) -> list[int]:
        return [pid for pid, anvil in cls._live.items() if anvil.running]

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, *, ready_timeout_s: float = 15.0) -> Anvil:
        """Start anvil and wait until it answers eth_chainId; retries once on a port race."""
        for attempt in range(3):
            self.port = self.options.port or free_port()
            self._spawn()
            try:
                self._wait_ready(ready_timeout_s)
                return self
            except TransientError:
                self.stop()
                if self.options.port is not None or self.options.fork_url or attempt == 2:
                    raise  # a fork that failed fails again on any port
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        binary = foundry_binary("anvil")
        # Without a log file, output goes to a temporary one: if anvil dies starting up
        # (an unreachable --fork-url), what it said is the error's reason.
        output = open(self.log_path, "ab") if self.log_path else tempfile.TemporaryFile()  # noqa: SIM115
        self._output = output
        self._cache = Path(tempfile.mkdtemp(prefix="ballast-anvil-states-"))
        try:
            self._process = subprocess.Popen(
                [str(binary), *self.options.arguments(self.port), "--cache-path", str(self._cache)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
                start_new_session=True,
            )
        finally:
            if self.log_path:
                output.close()
        Anvil._live[self._process.pid] = self

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not self.running:
                raise TransientError(self._exit_reason())
            with contextlib.suppress(OSError, ValueError):
                self.rpc("eth_chainId")
                return
            time.sleep(0.02)
        raise TransientError(f"anvil did not answer on port {self.port} within {timeout_s}s")

    def _exit_reason(self) -> str:
        """Why anvil exited: the fork URL (redacted) and the last thing anvil said."""
        said = ""
        if self.log_path is not None:
            with contextlib.suppress(OSError):
                said = self.log_path.read_text(errors="replace")
        elif self._output is not None:
            self._output.seek(0)
            said = self._output.read().decode(errors="replace")
        lines = [line.strip() for line in said.splitlines() if line.strip()]
        last = redact(" ".join(lines[-3:]))[-400:] if lines else "no output"
        fork = self.options.fork_url
        where = f"forking {redact(fork)}" if fork else f"on port {self.port}"
        return f"anvil exited during start-up {where}: {last}"

    def rpc(self, method: str, params: list[object] | None = None) -> object:
        """A blocking JSON-RPC call, for set-up and tests; the agent uses its own client."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
        request = urllib.request.Request(  # noqa: S310 - our own loopback http URL
            self.url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            reply = json.loads(response.read())
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def stop(self, *, timeout_s: float = 5.0) -> None:
        """Terminate by PID (SIGTERM, then SIGKILL) and reap; safe to call twice."""
        process, self._process = self._process, None
        output, self._output = self._output, None
        cache, self._cache = self._cache, None
        if output is not None and not output.closed:
            output.close()
        if process is not None:
            Anvil._live.pop(process.pid, None)
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        if cache is not None:
            shutil.rmtree(cache, ignore_errors=True)

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- state: snapshots for tests, dumps for restarts -----------------------------

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        if self.rpc("evm_revert", [snapshot_id]) is not True:
            raise RuntimeError(f"evm_revert({snapshot_id}) failed")

    def dump_state(self, path: Path) -> None:
        """Write the whole chain state to ``path`` (load it with ``AnvilOptions.load_state``)."""
        path.write_text(str(self.rpc("anvil_dumpState")))

    def load_state(self, path: Path) -> None:
        self.rpc("anvil_loadState", [path.read_text().strip()])


def descendant_pids(root: int | None = None) -> list[int]:
    """Live descendants of ``root`` (default: this process), read from /proc."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, parent = fields[0], int(fields[1])
        if state != "Z":
            children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    frontier = [root]
    while frontier:
        for child in children.get(frontier.pop(), []):
            found.append(child)
            frontier.append(child)
    return found
