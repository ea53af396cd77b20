"""The deployment manifest: where everything of the local world is.

Written by the deployer as JSON and read by connectors (through config), keepers and
tests. Contract addresses are keyed by dotted role (``aave.pool``,
``uniswap.router``), so adding a protocol adds keys, not fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import ConfigError


@dataclass(frozen=True)
class TokenInfo:
    symbol: str
    address: str
    decimals: int


@dataclass(frozen=True)
class FeedInfo:
    """A Chainlink feed: ``underlying``/USD with its decimals and heartbeat."""

    underlying: str
    address: str
    decimals: int
    heartbeat_s: int
    description: str


@dataclass(frozen=True)
class Manifest:
    chain_id: int
    rpc_url: str
    block: int
    timestamp: int
    tokens: Mapping[str, TokenInfo]
    feeds: Mapping[str, FeedInfo]
    contracts: Mapping[str, str]
    accounts: Mapping[str, str]
    pools: Mapping[str, str] = field(default_factory=dict)
    artifacts: Mapping[str, str] = field(default_factory=dict)  # role -> "Source.sol:Contract"

    def contract(self, role: str) -> str:
        try:
            return self.contracts[role]
        except KeyError:
            raise ConfigError(f"manifest has no contract {role!r}") from None

    def token(self, symbol: str) -> TokenInfo:
        try:
            return self.tokens[symbol]
        except KeyError:
            raise ConfigError(f"manifest has no token {symbol!r}") from None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json() + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            document: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ConfigError(f"cannot read manifest: {error}", source=str(path)) from error
        try:
            return cls(
                chain_id=int(document["chain_id"]),
                rpc_url=str(document["rpc_url"]),
                block=int(document["block"]),
                timestamp=int(document["timestamp"]),
                tokens={k: TokenInfo(**v) for k, v in document["tokens"].items()},
                feeds={k: FeedInfo(**v) for k, v in document["feeds"].items()},
                contracts=dict(document["contracts"]),
                accounts=dict(document["accounts"]),
                pools=dict(document.get("pools", {})),
                artifacts=dict(document.get("artifacts", {})),
            )
        except (KeyError, TypeError) as error:
            raise ConfigError(f"malformed manifest: {error}", source=str(path)) from error
