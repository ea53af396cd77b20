"""The admin API and ``ballast status|pause|kill|resume|flatten`` over a real socket."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from agent import cli
from agent.control.admin import AdminServer, TcpListen
from agent.control.client import AdminClient, AdminTarget, AdminUnavailable
from agent.control.commands import Controls
from agent.control.killswitch import KillSwitch
from agent.control.status import AgentStatus, JournalStatus, PositionSummary
from agent.errors import ConfigError
from agent.execution.journal import Journal
from agent.execution.reconcile import ReadOnlyGate
from agent.intents import KillState
from agent.model import Greeks
from agent.pnl_live import PnlTotals

TOKEN = "s3cret-token-for-tests-only"


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 3, 1, 12, tzinfo=UTC)

    def monotonic(self) -> float:
        return 0.0

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


class Actions:
    """HaltActions whose order cancel keeps failing (RELIABILITY row 16)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def cancel_open_orders(self) -> list[str]:
        self.calls.append("orders")
        return ["deribit 0xabc: canceled", "deribit 0xdef: FAILED: cancel timed out"]

    async def cancel_pending_transactions(self) -> list[str]:
        self.calls.append("transactions")
        return ["chain 1 nonce 7: replaced by version 2"]


class BookStatus:
    def __init__(self, journal: JournalStatus) -> None:
        self.journal = journal

    async def status(self) -> AgentStatus:
        base = await self.journal.status()
        return AgentStatus(
            positions=[PositionSummary("deribit", "ETH-PERPETUAL", -12.5, 37_500.0)],
            greeks={"ETH": Greeks(delta=0.3, delta_usd=900.0, gamma=-0.01, vega=-120.0)},
            last_actions=base.last_actions,
            read_only_reason=base.read_only_reason,
            pnl=PnlTotals(None, {"delta": -12.5, "fees": -1.0, "total": -13.5}),
        )


@dataclass
class Admin:
    server: AdminServer
    switch: KillSwitch
    actions: Actions
    socket: Path


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[Admin]:
    journal = Journal.open(tmp_path / "journal.sqlite")
    switch = KillSwitch(journal, Clock())
    actions = Actions()
    status = BookStatus(JournalStatus(journal, ReadOnlyGate(), Clock()))
    socket = tmp_path / "run" / "admin.sock"
    tcp = TcpListen("127.0.0.1", 0, TOKEN)
    async with AdminServer(
        Controls(switch, actions), status, socket_path=socket, tcp=tcp
    ) as server:
        yield Admin(server, switch, actions, socket)
    journal.close()


def run_cli(*argv: str) -> int:
    return cli.main(list(argv))


async def test_the_socket_is_private(admin: Admin) -> None:
    assert stat.S_IMODE(os.stat(admin.socket).st_mode) == 0o600


async def test_pnl_over_tcp(admin: Admin) -> None:
    assert admin.server.tcp_port is not None
    url = f"http://127.0.0.1:{admin.server.tcp_port}/v1/pnl"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as reply:
        document = await reply.json()
    assert document["pnl"]["since_start"] == {"delta": -12.5, "fees": -1.0, "total": -13.5}


async def test_status_over_the_socket(admin: Admin) -> None:
    document = await AdminClient(AdminTarget(socket_path=admin.socket)).status()
    assert document["kill_switch"]["state"] == "active"
    assert document["agent"]["greeks"]["ETH"]["delta"] == 0.3
    assert document["agent"]["positions"][0]["symbol"] == "ETH-PERPETUAL"


async def test_kill_halts_at_once_and_reports_a_failing_cancel(admin: Admin) -> None:
    client = AdminClient(AdminTarget(socket_path=admin.socket))
    reply = await client.command("kill", reason="drill", operator="alice", cancel_transactions=True)
    assert admin.switch.state is KillState.HALTED
    assert reply["transition"]["state"] == "halted"
    assert any("FAILED" in line for line in reply["actions"])
    assert admin.actions.calls == ["orders", "transactions"]


async def test_tcp_needs_the_token(admin: Admin, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{admin.server.tcp_port}"
    good = AdminClient(AdminTarget(url=url, token=TOKEN))
    assert (await good.status())["kill_switch"]["state"] == "active"
    for token in ("wrong-token-wrong-token", ""):
        with pytest.raises(AdminUnavailable, match="401"):
            await AdminClient(AdminTarget(url=url, token=token)).command(
                "resume", reason="x", operator="mallory"
            )


async def test_commands_need_an_operator_and_a_reason(admin: Admin) -> None:
    client = AdminClient(AdminTarget(socket_path=admin.socket))
    with pytest.raises(AdminUnavailable, match="operator and reason"):
        await client.command("pause", reason="", operator="alice")


async def test_the_cli_round_trip(
    admin: Admin, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    socket = str(admin.socket)
    assert (
        await asyncio.to_thread(run_cli, "pause", "--socket", socket, "--reason", "vol spike") == 0
    )
    assert "ACTIVE -> REDUCE_ONLY" in capsys.readouterr().out
    assert await asyncio.to_thread(run_cli, "kill", "--socket", socket) == 0
    assert "REDUCE_ONLY -> HALTED" in capsys.readouterr().out
    assert await asyncio.to_thread(run_cli, "status", "--socket", socket) == 0
    shown = capsys.readouterr().out
    assert "kill switch: HALTED" in shown
    assert "ETH: delta +0.3000" in shown
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    url = f"http://127.0.0.1:{admin.server.tcp_port}"
    resume = ("resume", "--url", url, "--token-file", str(token_file), "--reason", "drill over")
    assert await asyncio.to_thread(run_cli, *resume) == 0
    assert "HALTED -> ACTIVE" in capsys.readouterr().out
    assert admin.switch.state is KillState.ACTIVE
    assert await asyncio.to_thread(run_cli, "flatten", "--socket", socket) == 0
    assert admin.switch.state is KillState.FLATTEN


def test_a_clear_error_when_no_daemon_listens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("status", "--socket", str(tmp_path / "nobody.sock")) == 2
    error = capsys.readouterr().err
    assert "no Ballast daemon is answering" in error
    assert "nobody.sock" in error


def test_the_token_never_shows(tmp_path: Path) -> None:
    target = AdminTarget(url="http://127.0.0.1:1", token=TOKEN)
    assert TOKEN not in repr(target)
    assert TOKEN not in repr(TcpListen("127.0.0.1", 1, TOKEN))
    with pytest.raises(ConfigError, match="token-file"):
        AdminTarget.from_arguments(None, "http://127.0.0.1:1", None)


async def test_a_second_server_on_the_same_socket_is_refused(admin: Admin) -> None:
    other = AdminServer(admin.server.controls, admin.server.status, socket_path=admin.socket)
    with pytest.raises(ConfigError, match="another process"):
        await other.__aenter__()
    still = await AdminClient(AdminTarget(socket_path=admin.socket)).status()  # untouched
    assert still["kill_switch"]["state"] == "active"


async def test_a_stale_socket_is_replaced(tmp_path: Path) -> None:
    import socket as sockets

    stale = tmp_path / "admin.sock"
    leftover = sockets.socket(sockets.AF_UNIX, sockets.SOCK_STREAM)
    leftover.bind(str(stale))
    leftover.close()  # bound, never listening: what a crash leaves behind
    with Journal.open(tmp_path / "j.sqlite") as journal:
        switch = KillSwitch(journal, Clock())
        status = JournalStatus(journal, ReadOnlyGate(), Clock())
        async with AdminServer(Controls(switch), status, socket_path=stale):
            document = await AdminClient(AdminTarget(socket_path=stale)).status()
    assert document["agent"]["read_only_reason"] == "start-up reconciliation has not run yet"
