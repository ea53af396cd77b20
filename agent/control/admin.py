"""The admin API: a Unix socket (mode 0600) and, optionally, TCP with a bearer token.

Routes (JSON): ``GET /v1/status``; ``POST /v1/pause``, ``/v1/kill``, ``/v1/resume``,
``/v1/flatten``, ``/v1/ack`` with ``{"operator": ..., "reason": ..., "cancel_transactions": bool}``;
``GET /v1/health`` (200 while ticks keep finishing, 503 otherwise: container health
checks); ``GET /metrics`` (Prometheus text format). On the Unix socket the file's
permissions are the authentication; anything else must present
``Authorization: Bearer <token>`` (compared in constant time) or gets 401. Every
response passes through ``agent.ops.redaction``: error strings in problems and
kill-switch reasons cannot carry a secret out.
"""

from __future__ import annotations

import hmac
import os
import socket
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import structlog
from aiohttp import web

from agent.control.commands import CommandResult, Controls
from agent.control.killswitch import KillSwitch
from agent.control.status import StatusProvider, to_json
from agent.errors import BallastError, ConfigError
from agent.ops.redaction import redact, redact_data

log = structlog.get_logger(__name__)

_COMMANDS = ("pause", "kill", "resume", "flatten", "ack")
_METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _json(document: object, *, status: int = 200) -> web.Response:
    return web.json_response(redact_data(document), status=status)


@dataclass(frozen=True, slots=True)
class TcpListen:
    """Where the TCP listener binds, and the bearer token it demands (never logged)."""

    host: str
    port: int
    token: str

    def __repr__(self) -> str:
        return f"TcpListen(host={self.host!r}, port={self.port})"


class AdminServer:
    """Serves the admin API while entered (``async with``)."""

    def __init__(
        self,
        controls: Controls,
        status: StatusProvider,
        *,
        socket_path: Path,
        tcp: TcpListen | None = None,
        metrics: Callable[[], bytes] | None = None,
        liveness: Callable[[], tuple[bool, str]] | None = None,
    ) -> None:
        if tcp is not None and len(tcp.token) < 16:
            raise ConfigError("the admin API token must be at least 16 characters")
        self.controls = controls
        self.status = status
        self.socket_path = Path(socket_path)
        self.tcp = tcp
        self.metrics = metrics
        self.liveness = liveness
        self._runner: web.AppRunner | None = None
        self._owns_socket = False  # only a socket we bound is ours to remove
        self.tcp_port: int | None = None

    @property
    def killswitch(self) -> KillSwitch:
        return self.controls.killswitch

    async def __aenter__(self) -> AdminServer:
        app = web.Application(middlewares=[self._authenticate])
        app.router.add_get("/v1/status", self._get_status)
        app.router.add_get("/v1/health", self._get_health)
        app.router.add_get("/v1/pnl", self._get_pnl)
        app.router.add_get("/metrics", self._get_metrics)
        for name in _COMMANDS:
            app.router.add_post(f"/v1/{name}", self._post_command)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runner = runner
        try:
            unix = _unix_socket(self.socket_path)
            self._owns_socket = True
            await web.SockSite(runner, unix).start()
            if self.tcp is not None:
                site = web.TCPSite(runner, self.tcp.host, self.tcp.port)
                await site.start()
                self.tcp_port = _bound_port(site)
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        log.info("admin_listening", socket=str(self.socket_path), tcp_port=self.tcp_port)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        if self._owns_socket:
            self._owns_socket = False
            self.socket_path.unlink(missing_ok=True)

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not self._on_unix_socket(request) and not self._token_ok(request):
            log.warning("admin_unauthorized", path=request.path, peer=str(request.remote))
            return _json({"error": "missing or wrong bearer token"}, status=401)
        response: web.StreamResponse = await handler(request)
        return response

    def _on_unix_socket(self, request: web.Request) -> bool:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        return isinstance(sockname, str) and sockname == str(self.socket_path)

    def _token_ok(self, request: web.Request) -> bool:
        if self.tcp is None:
            return False
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        expected = self.tcp.token.encode()
        return scheme == "Bearer" and hmac.compare_digest(presented.encode(), expected)

    async def _get_status(self, request: web.Request) -> web.Response:
        agent = await self.status.status()
        document = {
            "kill_switch": self._kill_switch_json(),
            "agent": to_json(agent),
        }
        return _json(document)

    async def _get_pnl(self, request: web.Request) -> web.Response:
        """The attributed P&L since start and per day (null before the first tick)."""
        agent = await self.status.status()
        return _json({"pnl": to_json(agent.pnl)})

    async def _get_health(self, request: web.Request) -> web.Response:
        if self.liveness is None:
            return _json({"ok": True, "detail": "no liveness check configured"})
        ok, detail = self.liveness()
        return _json({"ok": ok, "detail": detail}, status=200 if ok else 503)

    async def _get_metrics(self, request: web.Request) -> web.Response:
        if self.metrics is None:
            return _json({"error": "metrics are not enabled"}, status=404)
        text = redact(self.metrics().decode())
        return web.Response(body=text.encode(), headers={"Content-Type": _METRICS_CONTENT_TYPE})

    def _kill_switch_json(self) -> dict[str, object]:
        switch = self.killswitch
        try:
            history = [to_json(t) for t in switch.history(5)]
        except BallastError as error:  # a shared journal out of reach: the state still shows
            history = [{"error": f"history unavailable: {error}"}]
        ceiling = switch.ceiling() if switch.ceiling is not None else None
        return {
            "state": switch.recorded_state.value,
            "effective": switch.state.value,
            "held_by": ceiling[1] if ceiling else None,
            "last": to_json(switch.last_transition),
            "history": history,
        }

    async def _post_command(self, request: web.Request) -> web.Response:
        name = request.path.rsplit("/", 1)[-1]
        try:
            body = await request.json() if request.can_read_body else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _json({"error": "the body is not a JSON object"}, status=400)
        operator = str(body.get("operator") or "").strip()
        reason = str(body.get("reason") or "").strip()
        if not operator or not reason:
            return _json({"error": "operator and reason are required"}, status=400)
        result = await self._run(name, operator, reason, bool(body.get("cancel_transactions")))
        log.warning("admin_command", command=name, operator=operator, reason=reason)
        return _json(
            {"command": name, "transition": to_json(result.transition), "actions": result.actions}
        )

    async def _run(self, name: str, operator: str, reason: str, cancel: bool) -> CommandResult:
        controls = self.controls
        if name == "kill":
            return await controls.kill(operator, reason, cancel_transactions=cancel)
        command = {
            "pause": controls.pause, "resume": controls.resume, "flatten": controls.flatten,
            "ack": controls.ack,
        }  # fmt: skip
        return await command[name](operator, reason)


def _unix_socket(path: Path) -> socket.socket:
    """A bound Unix socket at ``path`` with mode 0600 before anyone can connect.

    A stale socket file left by a crash is removed; a live one means another daemon.
    Local file-system calls at start-up only, so they run inline.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        _remove_stale(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(path))
        os.chmod(path, 0o600)  # before listen(): nobody can connect in between
    except BaseException:
        sock.close()
        raise
    return sock


def _remove_stale(path: Path) -> None:
    if not stat.S_ISSOCK(path.lstat().st_mode):
        raise ConfigError(f"{path} exists and is not a socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            path.unlink(missing_ok=True)
            return
    raise ConfigError(f"another process is serving the admin API on {path}")


def _bound_port(site: web.TCPSite) -> int | None:
    server = site._server  # aiohttp exposes no public accessor for the bound port
    sockets = getattr(server, "sockets", None) or []
    return int(sockets[0].getsockname()[1]) if sockets else None
