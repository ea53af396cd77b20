"""``ballast run`` as the container and systemd run it: the image's own entrypoint,
against the local world, supervised over sd_notify, stopped by SIGTERM.

The Dockerfile's ENTRYPOINT, CMD, ENV and HEALTHCHECK are read from the file and run
directly (no Docker engine here), with the container's paths mapped to folders of this
test the way the compose file mounts them."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from agent.execution.journal import Journal
from sim.stack import LocalStack, StackOptions
from tests.support.config_files import ConfigFiles, write_local_config
from tests.support.dockerfile import Image, mapped

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "container" / "Dockerfile"
START_TIMEOUT_S = 120.0


@dataclass
class Container:
    """The image's process, run here."""

    process: asyncio.subprocess.Process
    files: ConfigFiles
    image: Image
    env: dict[str, str]
    mounts: dict[str, Path]
    notices: asyncio.Queue[list[str]]
    log_lines: list[str]


async def _datagrams(sock: socket.socket, into: asyncio.Queue[list[str]]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        data = await loop.sock_recv(sock, 4096)
        await into.put(data.decode().split("\n"))


async def _lines(stream: asyncio.StreamReader, into: list[str]) -> None:
    async for line in stream:
        into.append(line.decode().rstrip("\n"))


def _kernel_cache(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """pytest's cache folder when there is one (compiled kernels then persist)."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("ballast-cache")) if cache is not None else tmp_path / "cache"


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[LocalStack]:
    async with LocalStack(StackOptions(run_dir=tmp_path / "world")) as stack:
        yield stack


@pytest.fixture
async def container(
    world: LocalStack, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Container]:
    mounts = {
        "/etc/ballast/ballast.toml": tmp_path / "etc" / "ballast.toml",
        "/run/secrets": tmp_path / "secrets",
        "/run/ballast": tmp_path / "run",
        "/var/lib/ballast": tmp_path / "state",
        # Compiled kernels persist between test runs, as the cache volume does.
        "/var/cache/ballast": _kernel_cache(request, tmp_path),
        "/opt/ballast": Path(sys.prefix),
    }
    files = write_local_config(
        world, config=mounts["/etc/ballast/ballast.toml"], credentials=mounts["/run/secrets"],
        state=mounts["/var/lib/ballast"], run=mounts["/run/ballast"],
    )  # fmt: skip
    image = Image.read(DOCKERFILE, base_env={"PATH": os.environ["PATH"]})
    env = {name: mapped(value, mounts) for name, value in image.env.items()}
    notify_path = tmp_path / "notify.sock"
    env["NOTIFY_SOCKET"] = str(notify_path)
    env["WATCHDOG_USEC"] = str(300 * 10**6)  # as WatchdogSec=300 sets it: the daemon checks it
    command = [mapped(part, mounts) for part in image.entrypoint + image.cmd]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(notify_path))
        sock.setblocking(False)
        notices: asyncio.Queue[list[str]] = asyncio.Queue()
        process = await asyncio.create_subprocess_exec(
            *command, env=env, cwd=mounts["/var/lib/ballast"],
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert process.stdout is not None
        assert process.stderr is not None
        log_lines: list[str] = []
        readers = [
            asyncio.create_task(_datagrams(sock, notices)),
            asyncio.create_task(_lines(process.stderr, log_lines)),
            asyncio.create_task(_lines(process.stdout, log_lines)),
        ]
        try:
            yield Container(process, files, image, env, mounts, notices, log_lines)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)


async def _next_notice(container: Container) -> list[str]:
    try:
        return await asyncio.wait_for(container.notices.get(), START_TIMEOUT_S)
    except TimeoutError:
        tail = "\n".join(container.log_lines[-20:])
        raise AssertionError(f"no sd_notify datagram; the daemon said:\n{tail}") from None


async def _healthcheck(container: Container) -> tuple[int, str]:
    command = [mapped(part, container.mounts) for part in container.image.healthcheck]
    check = await asyncio.create_subprocess_exec(
        *command, env=container.env, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await check.communicate()
    assert check.returncode is not None
    return check.returncode, output.decode()


async def _scrape(files: ConfigFiles, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"http://127.0.0.1:{files.admin_port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as reply:
        return reply.status, await reply.text()


def _closed_cleanly(path: Path) -> bool:
    """No write-ahead log left (the last connection checkpointed it) and the lock free."""
    assert not Path(f"{path}-wal").exists(), "the journal was not checkpointed"
    with Journal.open(path) as journal:
        return journal.schema_version >= 1


async def test_the_image_entrypoint_runs_under_systemd_supervision_and_stops_on_sigterm(
    container: Container,
) -> None:
    ready = await _next_notice(container)
    assert ready[0] == "READY=1", ready
    assert ready[1].startswith("STATUS=tick at ")
    watchdog = await _next_notice(container)
    assert watchdog[0] == "WATCHDOG=1", watchdog
    watchdog = await _next_notice(container)  # a second tick: the loop keeps pinging
    assert watchdog[0] == "WATCHDOG=1", watchdog

    code, output = await _healthcheck(container)
    assert (code, output.split(":")[0]) == (0, "healthy"), output
    status, text = await _scrape(container.files, container.files.admin_token)
    assert status == 200
    assert 'ballast_kill_switch_state{state="active"} 1.0' in text
    assert (await _scrape(container.files, None))[0] == 401, "TCP needs the bearer token"

    container.process.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(container.process.wait(), 60)
    stopping = await _next_notice(container)
    while stopping[0] == "WATCHDOG=1":  # a tick may finish between the signal and the stop
        stopping = await _next_notice(container)
    assert stopping[0] == "STOPPING=1"
    assert code == 0, "\n".join(container.log_lines[-20:])

    events = [json.loads(line) for line in container.log_lines]  # every line is JSON
    names = [event["event"] for event in events]
    for expected in ("daemon_started", "stop_requested", "journal_closed", "daemon_stopped"):
        assert expected in names, names
    assert names.index("journal_closed") < names.index("daemon_stopped")
    assert _closed_cleanly(container.files.journal)
    code, output = await _healthcheck(container)
    assert code == 1, "a stopped daemon is unhealthy"
