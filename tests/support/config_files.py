"""The local world's config as a file, with its secrets as credential files, for tests
that run ``ballast`` as a process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent import config as config_module
from sim.anvil import free_port
from sim.local_config import (
    AGENT_DEV_KEY,
    DERIBIT_CLIENT_ID,
    DERIBIT_CLIENT_SECRET,
    SECOND_CHAIN,
    SimulatorUrls,
    local_document,
    move_gmx_to_second_chain,
)
from sim.stack import LOCAL_CONFIG, LocalStack
from tests.support.toml_writer import dumps

ADMIN_TOKEN = "admin-token-for-tests-0123456789"
CREDENTIAL = "file:${CREDENTIALS_DIRECTORY}/"


def _merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> None:
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


@dataclass(frozen=True)
class ConfigFiles:
    config: Path
    credentials: Path
    journal: Path
    socket: Path
    admin_port: int
    admin_token: str


def write_local_config(
    stack: LocalStack,
    *,
    config: Path,
    credentials: Path,
    state: Path,
    run: Path,
    secrets: Mapping[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ConfigFiles:
    """config/local.toml filled for ``stack``'s world, every secret read from a file in
    ``credentials`` through ``${CREDENTIALS_DIRECTORY}``; the journal in ``state``, the
    admin socket in ``run`` and a TCP admin listener with a bearer token."""
    assert stack.world.manifest is not None
    assert stack.deribit is not None
    assert stack.hyperliquid is not None
    values = {
        "agent-key": AGENT_DEV_KEY,
        "deribit-client-id": DERIBIT_CLIENT_ID,
        "deribit-client-secret": DERIBIT_CLIENT_SECRET,
        "admin-token": ADMIN_TOKEN,
        **(secrets or {}),
    }
    for directory in (credentials, state, run, config.parent):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, value in values.items():
        (credentials / name).write_text(value + "\n")
        (credentials / name).chmod(0o600)
    urls = SimulatorUrls(deribit=stack.deribit.url, hyperliquid=stack.hyperliquid.url)
    document = local_document(config_module.read_toml(LOCAL_CONFIG), stack.world.manifest, urls)
    if stack.second is not None:  # the two-chain world: GMX on the second chain
        assert stack.second.manifest is not None
        move_gmx_to_second_chain(document, stack.second.manifest)
        document["chains"][SECOND_CHAIN]["account"]["private_key"] = CREDENTIAL + "agent-key"
    document["chains"]["local"]["account"]["private_key"] = CREDENTIAL + "agent-key"
    deribit = document["venues"]["deribit"]
    deribit["client_id"] = CREDENTIAL + "deribit-client-id"
    deribit["client_secret"] = CREDENTIAL + "deribit-client-secret"
    document["venues"]["hyperliquid"]["private_key"] = CREDENTIAL + "agent-key"
    port = free_port()
    document["agent"]["journal"] = str(state / "journal.sqlite")
    document["admin"] = {
        "socket": str(run / "admin.sock"),
        "tcp_host": "127.0.0.1",
        "tcp_port": port,
        "tcp_token": CREDENTIAL + "admin-token",
    }
    _merge(document, overrides or {})
    config.write_text(dumps(document))
    return ConfigFiles(
        config, credentials, state / "journal.sqlite", run / "admin.sock", port, ADMIN_TOKEN
    )
