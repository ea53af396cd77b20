"""The local world's part of the agent's config: addresses from the manifest, endpoints
of the venue simulators, and the agent's anvil development key.

``local_document(toml_document, manifest, ...)`` fills config/local.toml's blanks; the
result validates like any config. The agent's key is anvil's published development key
#1 (never use it anywhere else), handed over as a SecretStr, never written to disk.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from sim.deploy.base import UNDERLYING_TOKEN
from sim.manifest import Manifest

# anvil's development account #1 (the "agent" role): a public test key.
AGENT_DEV_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
DERIBIT_CLIENT_ID = "ballast-local-deribit"
DERIBIT_CLIENT_SECRET = "ballast-local-secret"  # the simulator's account, local only
TOKEN_UNDERLYING = {token: underlying for underlying, token in UNDERLYING_TOKEN.items()}


@dataclass(frozen=True)
class SimulatorUrls:
    deribit: str
    hyperliquid: str


def _tokens(manifest: Manifest) -> dict[str, dict[str, Any]]:
    return {
        symbol: {
            "address": t.address,
            "decimals": t.decimals,
            "underlying": TOKEN_UNDERLYING[symbol],
        }
        for symbol, t in manifest.tokens.items()
    }


def _chain(manifest: Manifest) -> dict[str, Any]:
    return {
        "chain_id": manifest.chain_id,
        "rpc_urls": [manifest.rpc_url],
        "tokens": _tokens(manifest),
        "account": {"address": manifest.accounts["agent"], "private_key": SecretStr(AGENT_DEV_KEY)},
    }


def _chainlink(manifest: Manifest) -> dict[str, Any]:
    return {
        "feeds": {
            u: {"address": f.address, "heartbeat_s": f.heartbeat_s}
            for u, f in manifest.feeds.items()
        },
        "sequencer_uptime_feed": manifest.contract("chainlink.sequencer_uptime"),
    }


def _uniswap(manifest: Manifest) -> dict[str, Any]:
    pools = []
    for name, address in sorted(manifest.pools.items()):
        base, quote, fee = name.split("/")
        pools.append(
            {
                "address": address,
                "base": base,
                "quote": quote,
                "fee": int(fee),
                "quote_size_coin": 1.0 if base == "WETH" else 0.05,
            }
        )
    return {
        "router": manifest.contract("uniswap.router"),
        "quoter": manifest.contract("uniswap.quoter"),
        "pools": pools,
    }


def _gmx(manifest: Manifest) -> dict[str, Any]:
    roles = ("exchange_router", "router", "order_vault", "reader", "data_store", "event_emitter")
    markets = {
        underlying: {
            "address": manifest.contract(f"gmx.market.{underlying}"),
            "index_token": token,
            "long_token": token,
            "short_token": "USDC",
        }
        for underlying, token in (("ETH", "WETH"), ("BTC", "WBTC"))
    }
    return {**{role: manifest.contract(f"gmx.{role}") for role in roles}, "markets": markets}


def premia_pools(manifest: Manifest, *, limit: int = 8) -> list[str]:
    """The Premia pools the agent watches: the nearest maturities first, ``limit`` in all
    (reading every pool of the world costs ~9M gas in one eth_call)."""
    pools = sorted(
        (role.removeprefix("premia.pool."), address)
        for role, address in manifest.contracts.items()
        if role.startswith("premia.pool.")
    )
    return [address for _, address in pools[:limit]]


def _premia(manifest: Manifest, pools: list[str] | None) -> dict[str, Any]:
    return {
        "router": manifest.contract("premia.router"),
        "oracle_adapter": manifest.contract("premia.oracle_adapter"),
        "volatility_oracle": manifest.contract("premia.vol_oracle"),
        "pools": pools or premia_pools(manifest),
    }


def local_document(
    document: Mapping[str, Any],
    manifest: Manifest,
    simulators: SimulatorUrls,
    *,
    premia: list[str] | None = None,
) -> dict[str, Any]:
    """config/local.toml's document with the world's addresses, URLs and keys filled in."""
    filled = copy.deepcopy(dict(document))
    filled["chains"]["local"].update(_chain(manifest))
    venues = filled["venues"]
    venues["chainlink"].update(_chainlink(manifest))
    venues["aave"].update(
        {
            "pool": manifest.contract("aave.pool"),
            "data_provider": manifest.contract("aave.data_provider"),
            "oracle": manifest.contract("aave.oracle"),
        }
    )
    venues["uniswap"].update(_uniswap(manifest))
    venues["gmx"].update(_gmx(manifest))
    venues["premia"].update(_premia(manifest, premia))
    venues["deribit"].update(
        {
            "client_id": SecretStr(DERIBIT_CLIENT_ID),
            "client_secret": SecretStr(DERIBIT_CLIENT_SECRET),
            "endpoint": simulators.deribit,
        }
    )
    venues["hyperliquid"].update(
        {
            "wallet_address": manifest.accounts["agent"],
            "private_key": SecretStr(AGENT_DEV_KEY),
            "endpoint": simulators.hyperliquid,
        }
    )
    return filled


SECOND_CHAIN = "arbitrum"


def move_gmx_to_second_chain(filled: dict[str, Any], second: Manifest) -> dict[str, Any]:
    """A two-chain book: chain ``arbitrum`` (the second world, same settings as ``local``)
    holds GMX with that world's addresses; every other venue stays on ``local``."""
    local = filled["chains"]["local"]
    filled["chains"][SECOND_CHAIN] = {**copy.deepcopy(local), **_chain(second)}
    filled["venues"]["gmx"].update({**_gmx(second), "chain": SECOND_CHAIN})
    return filled
