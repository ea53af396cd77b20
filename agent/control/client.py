"""The operator's side of the admin API.

``ballast status | pause | kill | resume | flatten | ack``.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from agent.errors import BallastError, ConfigError

DEFAULT_SOCKET = Path(os.environ.get("BALLAST_ADMIN_SOCKET", "run/admin.sock"))


class AdminUnavailable(BallastError):
    """No daemon answered, or it refused us."""


@dataclass(frozen=True, slots=True)
class AdminTarget:
    """Either a Unix socket path, or a URL with a bearer token (never printed)."""

    socket_path: Path | None = None
    url: str | None = None
    token: str | None = None

    @classmethod
    def from_arguments(
        cls, socket_path: str | None, url: str | None, token_file: str | None
    ) -> AdminTarget:
        if url is None:
            return cls(socket_path=Path(socket_path) if socket_path else DEFAULT_SOCKET)
        if token_file is None:
            raise ConfigError("--url needs --token-file (the admin API's bearer token)")
        try:
            token = Path(token_file).read_text().strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read the token: {error.strerror}", source=token_file
            ) from None
        return cls(url=url.rstrip("/"), token=token)

    @property
    def where(self) -> str:
        return str(self.socket_path) if self.url is None else str(self.url)

    def __repr__(self) -> str:
        return f"AdminTarget({self.where})"


def operator_name() -> str:
    """``user@host``: who issued a command, for the kill switch's history."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


class AdminClient:
    def __init__(self, target: AdminTarget, *, timeout_s: float = 15.0) -> None:
        self.target = target
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def status(self) -> dict[str, Any]:
        return await self._call("GET", "status")

    async def health(self) -> dict[str, Any]:
        """``{"ok": bool, "detail": str}``: whether ticks keep finishing."""
        return await self._call("GET", "health", accept=(200, 503))

    async def command(
        self, name: str, *, reason: str, operator: str, cancel_transactions: bool = False
    ) -> dict[str, Any]:
        body = {"operator": operator, "reason": reason, "cancel_transactions": cancel_transactions}
        return await self._call("POST", name, body)

    async def _call(
        self, method: str, name: str, body: object = None, *, accept: tuple[int, ...] = (200,)
    ) -> dict[str, Any]:
        target = self.target
        connector: aiohttp.BaseConnector | None = None
        headers = {}
        if target.url is None:
            connector = aiohttp.UnixConnector(path=str(target.socket_path))
            url = f"http://ballast/v1/{name}"
        else:
            url = f"{target.url}/v1/{name}"
            headers["Authorization"] = f"Bearer {target.token}"
        try:
            async with (
                aiohttp.ClientSession(connector=connector, timeout=self.timeout) as session,
                session.request(method, url, json=body, headers=headers) as response,
            ):
                document = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientConnectionError, FileNotFoundError, TimeoutError) as error:
            raise AdminUnavailable(
                f"no Ballast daemon is answering on {target.where} ({type(error).__name__}); "
                "is `ballast run` started, and is this its socket?"
            ) from None
        except ValueError:
            raise AdminUnavailable(f"{target.where} did not answer with JSON") from None
        if status not in accept:
            error_text = document.get("error") if isinstance(document, dict) else document
            raise AdminUnavailable(f"the daemon refused: {error_text} (HTTP {status})")
        return dict(document)


def run(coroutine: Any) -> Any:
    """Run one client call to completion (the CLI is synchronous)."""
    return asyncio.run(coroutine)


def format_status(document: Mapping[str, Any]) -> str:
    """A short human summary of ``GET /v1/status``."""
    switch = document["kill_switch"]
    agent = document["agent"]
    lines = [*_leadership(agent.get("leadership")), f"kill switch: {switch['state'].upper()}"]
    last = switch.get("last")
    if last:
        lines.append(f"  since {last['at']} by {last['actor']}: {last['reason']}")
    if switch.get("held_by"):
        lines.append(f"  held at {switch['effective'].upper()} here: {switch['held_by']}")
    if agent.get("read_only_reason"):
        lines.append(f"READ-ONLY: {agent['read_only_reason']}")
    lines += [f"problem: {problem}" for problem in agent.get("problems", [])]
    lines += _section("greeks", [
        f"{u}: delta {g['delta']:+.4f} ({g['delta_usd']:+,.0f} USD), gamma {g['gamma']:+.6f}, "
        f"vega {g['vega']:+,.0f}, theta {g['theta']:+,.0f}/day"
        for u, g in agent.get("greeks", {}).items()
    ])  # fmt: skip
    lines += _section("health", [
        f"{h['venue']}: {h['kind']} ratio {h['ratio']}" for h in agent.get("health", [])
    ])  # fmt: skip
    lines += _section("liquidation risk", [
        f"{a['account']}: {a['kind']} health {_ratio(a['health'])}, probability "
        f"{_chance(a['probability'])} within the horizon at vol {_ratio(a['vol'])}"
        + _projected(a.get("projected_health"))
        + f"; acts at {_ratio(a['trigger'])}, restores {_ratio(a['target'])}"
        + (f" (acting: {a['cause']})" if a.get("cause") else "")
        + _market_priced(a.get("market_priced"))
        for a in agent.get("steering", [])
    ])  # fmt: skip
    lines += _section("venue failure", [
        f"{v['venue']}: loses {v['loss_usd']:,.0f} USD; net delta left "
        + ", ".join(f"{u} {d:+.4f}" for u, d in sorted(v["delta_after"].items()))
        for v in agent.get("venue_failure", [])
    ])  # fmt: skip
    pnl = agent.get("pnl") or {}
    lines += _section("pnl since start (USD)", [
        ", ".join(f"{name} {value:+,.2f}" for name, value in pnl.get("since_start", {}).items())
    ] if pnl else [])  # fmt: skip
    lines += _section("accounts", [
        f"{venue}: " + ", ".join(f"{name} {value}" for name, value in settings.items())
        for venue, settings in agent.get("account_settings", {}).items()
    ])  # fmt: skip
    lines += _section("positions", [
        f"{p['venue']} {p['symbol']}: {p['quantity']:+g} ({p['notional_usd']:,.0f} USD)"
        for p in agent.get("positions", [])
    ])  # fmt: skip
    lines += _section("pending transactions", [
        f"chain {t['chain_id']} nonce {t['nonce']} v{t['version']} {t['hash']} "
        f"{t['status']}, maxFee {t['max_fee_gwei']:.2f} gwei, {t['age_s']:.0f} s old"
        for t in agent.get("pending_transactions", [])
    ])  # fmt: skip
    lines += _section("last actions", [
        f"{a['at']} {a['venue']} {a['action']} {a['quantity']:g} {a['asset']}: "
        f"{a['status']} {a['detail']}"
        for a in agent.get("last_actions", [])
    ])  # fmt: skip
    return "\n".join(lines)


def _leadership(role: Mapping[str, Any] | None) -> list[str]:
    """Role, epoch, the lease and the other processes' last heartbeats (shared journal)."""
    if not role:
        return []
    remaining, age = role["lease_remaining_s"], role["lease_age_s"]
    lease = (
        f"lease held by {role['lease_holder']} (epoch {role['lease_epoch']}), "
        f"{remaining:.1f} s left, renewed {age:.1f} s ago"
        if remaining is not None and age is not None
        else "lease not read yet"
    )
    lines = [
        f"role: {role['role'].upper()} of book {role['book']} as {role['holder']}"
        f" (epoch {role['epoch']}){'' if role['acting'] else ', not acting'}",
        f"  {lease}",
    ]
    if role.get("restriction"):
        lines.append(f"  restricted: {role['restriction']}")
    lines += [
        f"  peer {p['holder']}: {p['role']} (epoch {p['epoch']}), last heartbeat"
        f" {p['age_s']:.1f} s ago: {p['detail']}"
        for p in role.get("peers", [])
    ]
    return lines


def _ratio(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float | int) else str(value)


def _projected(value: object) -> str:
    """The steering's projected health, when the account is projected."""
    return "" if value is None else f", projected health {_ratio(value)} after the move"


def _market_priced(doubts: object) -> str:
    """Which doubted feeds the account is steered on the venues' prices for."""
    if not doubts or not isinstance(doubts, list | tuple):
        return ""
    return f"; steered on market prices, oracle in doubt: {', '.join(map(str, doubts))}"


def _chance(value: object) -> str:
    return f"{value:.3%}" if isinstance(value, float | int) else str(value)


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"{title}:", *(f"  {line}" for line in lines)] if lines else [f"{title}: none"]


def format_command(document: Mapping[str, Any]) -> str:
    transition = document["transition"]
    lines = [
        f"{document['command']}: {transition['previous'].upper()} -> "
        f"{transition['state'].upper()} (by {transition['actor']}: {transition['reason']})"
    ]
    lines += [f"  {line}" for line in document.get("actions", [])]
    return "\n".join(lines)
