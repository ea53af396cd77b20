"""Secrets never leave the process (RELIABILITY row 18).

Canaries are planted where real secrets live: a private key (the Hyperliquid API wallet;
the chain key is the world's agent key, watched too), a Deribit API secret, a token in
the RPC URL's path, the admin API's bearer token and a webhook URL's token. Then errors
are forced in every layer: config (invalid files, a key that is not the account's),
RPC (a provider that echoes its URL and token back, HTTP 503s), exchanges (rate limits,
orders signed by an unapproved key), signers (wrong chain, wrong keystore password, an
unreachable remote signer), executor (simulation refused with the echo). Every output
is collected: the daemon's log lines at debug level, anything written to stdout or
stderr, `ballast` processes' output, every admin API response and every webhook body.
None may contain a canary; and the errors must really have happened."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import secrets
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import structlog
from eth_account import Account
from pydantic import SecretStr

from agent import config as config_module
from agent.control.client import AdminClient, AdminTarget
from agent.errors import BallastError
from agent.ops.logs import configure_logging
from agent.wiring import build_daemon
from connectors.evm.keystore import keystore_signer
from connectors.evm.remote_signer import RemoteSigner
from sim.anvil import free_port
from sim.local_config import AGENT_DEV_KEY, DERIBIT_CLIENT_ID
from sim.stack import LocalStack, WorldClock
from tests.support.canaries import leaks
from tests.support.config_files import CREDENTIAL, write_local_config
from tests.support.rpc_fault_proxy import RpcFaultProxy
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.e2e

CANARY_KEY = "0x" + secrets.token_hex(32)
CANARY_SECRET = "deribit-secret-" + secrets.token_hex(12)
RPC_TOKEN = "rpc-token-" + secrets.token_hex(12)
ADMIN_TOKEN = "admin-token-" + secrets.token_hex(12)
HOOK_TOKEN = "hook-token-" + secrets.token_hex(12)
CANARIES = [CANARY_KEY, AGENT_DEV_KEY, CANARY_SECRET, RPC_TOKEN, ADMIN_TOKEN, HOOK_TOKEN]


def _leaks(text: str) -> list[str]:
    return leaks(text, CANARIES)


class Outputs:
    """Everything the process and its children showed the world."""

    def __init__(self) -> None:
        self.logs = io.StringIO()
        self.texts: dict[str, str] = {}

    def add(self, where: str, text: object) -> None:
        self.texts[f"{where}#{len(self.texts)}"] = str(text)

    def error(self, where: str, error: BaseException) -> None:
        """An error as a caller would show it: message, repr and its traceback."""
        self.add(where, "".join(traceback.format_exception(error)))
        structlog.get_logger("test").error("forced_error", layer=where, exc_info=error)


@pytest.fixture
def outputs() -> Iterator[Outputs]:
    hooks = (sys.excepthook, threading.excepthook)
    collected = Outputs()
    configure_logging(json_lines=True, level="debug", stream=collected.logs)
    yield collected
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()
    sys.excepthook, threading.excepthook = hooks


async def _ballast(*args: str, env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent.cli", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 2, (out + err).decode()
    return (out + err).decode()


def _broken_configs(tmp_path: Path, config_file: Path) -> tuple[Path, Path]:
    """The canary config made invalid, and made to name an account its key does not own."""
    text = config_file.read_text()
    invalid = text.replace('"max_slippage" = 0.01', '"max_slippage" = 5')
    (tmp_path / "invalid.toml").write_text(invalid + '\n"unknown_section" = 1\n')
    owner = f'"address" = "{Account.from_key(AGENT_DEV_KEY).address}"'
    assert owner in text
    (tmp_path / "mismatch.toml").write_text(text.replace(owner, f'"address" = "0x{"77" * 20}"'))
    return tmp_path / "invalid.toml", tmp_path / "mismatch.toml"


async def _config_errors(
    tmp_path: Path, credentials: Path, config_file: Path, outputs: Outputs
) -> None:
    """Config layer: an invalid file, and a key that is not the account's, as processes."""
    invalid, mismatch = _broken_configs(tmp_path, config_file)
    env = {"CREDENTIALS_DIRECTORY": str(credentials), "CANARY_RPC": f"wss://x.example/{RPC_TOKEN}"}
    checked, ran = await asyncio.gather(
        _ballast("config", "check", str(invalid), env=env),
        _ballast("run", "--config", str(mismatch), env=env),
    )
    assert "max_slippage" in checked
    assert "does not belong to" in ran
    outputs.add("ballast config check", checked)
    outputs.add("ballast run", ran)
    document = config_module.read_toml(config_file)
    document["chains"]["local"]["rpc_urls"] = ["env:CANARY_RPC"]
    os.environ["CANARY_RPC"] = env["CANARY_RPC"]
    try:
        config_module.validate(document, source="in-process.toml")
    except BallastError as error:
        outputs.error("config", error)
    finally:
        del os.environ["CANARY_RPC"]


async def _signer_errors(daemon: Any, tmp_path: Path, outputs: Outputs) -> None:
    manager = next(iter(daemon.parts.executor.chains.values()))
    transaction = {"chainId": 31337, "nonce": 0, "to": manager.account, "value": 0,
                   "gas": 21000, "maxFeePerGas": 1, "maxPriorityFeePerGas": 1}  # fmt: skip
    unreachable = SecretStr(f"http://127.0.0.1:{free_port()}/sign/{RPC_TOKEN}")
    async with RemoteSigner(unreachable, address=manager.account, chain_id=31337) as remote:
        for attempt in (
            manager.signer.sign_transaction({**transaction, "chainId": 1}),  # wrong chain
            remote.sign_transaction(transaction),  # signer down
        ):
            try:
                await attempt
            except BallastError as error:
                outputs.error("signer", error)

    keystore = tmp_path / "keystore.json"
    keystore.write_text(json.dumps(Account.encrypt(CANARY_KEY, "right", iterations=2**10)))
    try:
        keystore_signer(keystore, SecretStr(CANARY_SECRET), chain_id=31337)
    except BallastError as error:
        outputs.error("keystore", error)


async def _admin_responses(socket: Path, port: int, outputs: Outputs) -> dict[str, Any]:
    client = AdminClient(AdminTarget(socket_path=socket))
    status = await client.status()
    outputs.add("status", json.dumps(status))
    outputs.add("kill", json.dumps(await client.command("kill", reason="r", operator="o")))
    outputs.add("health", json.dumps(await client.health()))
    async with aiohttp.ClientSession() as session:
        for token in (ADMIN_TOKEN, "wrong-token-xxxxxxxxxx"):
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/metrics", "/v1/status"):
                url = f"http://127.0.0.1:{port}{path}"
                async with session.get(url, headers=headers) as reply:
                    outputs.add(f"tcp {path}", await reply.text())
    return status


async def test_no_output_carries_a_secret(
    seeded_stack: LocalStack, tmp_path: Path, outputs: Outputs, capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    stack = seeded_stack
    assert stack.deribit is not None
    stack.deribit.exchange.accounts[DERIBIT_CLIENT_ID].client_secret = CANARY_SECRET
    async with RpcFaultProxy(stack.world.anvil.url) as proxy, WebhookReceiver() as receiver:
        rpc_url = f"{proxy.url}/v3/{RPC_TOKEN}"
        credentials = tmp_path / "credentials"
        files = write_local_config(
            stack, config=tmp_path / "ballast.toml", credentials=credentials,
            state=tmp_path / "state", run=tmp_path / "run",
            secrets={"deribit-client-secret": CANARY_SECRET, "admin-token": ADMIN_TOKEN,
                     "hyperliquid-key": CANARY_KEY, "rpc-url": rpc_url,
                     "hook": receiver.url(f"/hook/{HOOK_TOKEN}")},
            overrides={
                "chains": {"local": {"rpc_urls": [CREDENTIAL + "rpc-url"]}},
                "venues": {"hyperliquid": {"private_key": CREDENTIAL + "hyperliquid-key"}},
                "alerts": {"webhooks": [{"format": "slack", "url": CREDENTIAL + "hook",
                                         "min_severity": "info"}],
                           "delivery": {"max_per_minute": 1000, "failure_streak": 1}},
            },
        )  # fmt: skip
        monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
        await _config_errors(tmp_path, credentials, files.config, outputs)
        config = config_module.load(files.config)
        echo = f"invalid project {RPC_TOKEN} (you called {rpc_url})"
        stop = asyncio.Event()
        async with AsyncExitStack() as resources:
            daemon = await build_daemon(config, resources, clock=WorldClock(stack.driver))
            background = [asyncio.create_task(task(stop)) for task in daemon.parts.background]
            reports = [await daemon.tick()]
            proxy.reject("eth_call", echo, times=2)  # RPC: a provider echoing its URL
            stack.deribit.faults.rate_limit(requests=2, retry_after_s=1)  # exchange
            reports.append(await daemon.tick())
            await stack.driver.advance(1200)  # Aave health under its trigger: repays
            proxy.reject("eth_estimateGas", echo, times=10)  # executor: simulation refused
            reports.append(await daemon.tick())
            reports.append(await daemon.tick())
            proxy.http_error("eth_call", 503)  # RPC down (for its cool-down: last)
            reports.append(await daemon.tick())
            await _signer_errors(daemon, tmp_path, outputs)
            status = await _admin_responses(files.socket, files.admin_port, outputs)
            await receiver.wait_for(3)
            stop.set()
            await asyncio.wait_for(asyncio.gather(*background), 30)
    captured = capfd.readouterr()
    outputs.add("stdout", captured.out)
    outputs.add("stderr", captured.err)
    for received in receiver.received:
        outputs.add("webhook", json.dumps(received.body))

    log = outputs.logs.getvalue()
    events = [json.loads(line) for line in log.splitlines()]
    names = {e["event"] for e in events}
    # The errors happened, in every layer...
    ours = "|".join(sorted(n for n in names if " " not in n))
    assert {"venue_read_failed", "forced_error", "rpc_provider_down"} <= names, ours
    assert {e["layer"] for e in events if e["event"] == "forced_error"} >= {
        "config", "signer", "keystore",
    }  # fmt: skip
    assert any("hyperliquid" in str(e) and e["level"] in ("warning", "error") for e in events)
    assert any(e["event"] == "retrying" and "deribit" in str(e) for e in events), "rate limited"
    assert any(
        "***" in str(p) for p in status["agent"]["problems"] + [status["agent"]["last_actions"]]
    ), "the echoed token reached the status, masked"
    assert RPC_TOKEN in repr(reports), "the provider's echo reached the agent's own data"
    assert len(log) > 10_000
    # ...and no output carries a secret.
    leaks = {where: found for where, text in outputs.texts.items() if (found := _leaks(text))}
    leaks.update({"log": _leaks(log)} if _leaks(log) else {})
    assert not leaks, leaks
