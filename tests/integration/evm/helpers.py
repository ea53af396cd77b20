"""Building connectors for the world and sending their transactions from dev accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from agent.intents import Action, Intent
from agent.ports import ChainReader, TxRequest
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.gmx_v2 import GmxAddresses, GmxMarketConfig, GmxV2Connector
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.premia_v3 import PremiaV3Connector, read_pools
from connectors.evm.rpc import ChainClient
from connectors.evm.tokens import TokenConfig
from connectors.evm.uniswap_v3 import PoolConfig, UniswapV3Connector
from connectors.evm.venue import ChainSession, EvmConnector, EvmVenue
from sim.deploy.base import INITIAL_PRICES
from sim.manifest import Manifest
from tests.integration.conftest import World

UNDERLYING = {"WETH": "ETH", "WBTC": "BTC", "USDC": "USDC"}


def token_config(manifest: Manifest, symbol: str) -> TokenConfig:
    info = manifest.token(symbol)
    return TokenConfig(symbol, info.address, info.decimals, UNDERLYING[symbol])


def uniswap_connector(manifest: Manifest, account: str) -> UniswapV3Connector:
    pools = []
    for name, address in manifest.pools.items():
        base, quote, fee = name.split("/")
        price = INITIAL_PRICES[UNDERLYING[base]]
        pools.append(
            PoolConfig(
                address,
                token_config(manifest, base),
                token_config(manifest, quote),
                int(fee),
                quote_size=1.0 if base == "WETH" else 0.05,
                reference_price=price,
            )
        )
    return UniswapV3Connector(
        chain_id=manifest.chain_id,
        account=account,
        router=manifest.contract("uniswap.router"),
        quoter=manifest.contract("uniswap.quoter"),
        pools=pools,
    )


def venue(client: ChainClient, connector: EvmConnector) -> EvmVenue:
    return ChainSession(BatchedReader(Multicall3Reader(client))).register(connector)


async def send_all(
    world: World, sender: str, requests: Sequence[TxRequest], *, gas: int | None = None
) -> list[dict[str, object]]:
    """Send a connector's transactions in order from an unlocked dev account.

    With ``gas`` set, transactions are mined even if they revert (no estimate first).
    """
    return [await world.chain.send(sender, r.to, r.data, value=r.value, gas=gas) for r in requests]


def aave_connector(manifest: Manifest, account: str, name: str = "aave") -> AaveV3Connector:
    """The Aave connector on the world's market by its three addresses: it builds intents
    at once; ``read_aave`` gives one that reads."""
    return AaveV3Connector(
        name=name,
        chain_id=manifest.chain_id,
        account=account,
        pool=manifest.contract("aave.pool"),
        data_provider=manifest.contract("aave.data_provider"),
        oracle=manifest.contract("aave.oracle"),
        assets=_aave_assets(manifest),
    )


def _aave_assets(manifest: Manifest) -> list[TokenConfig]:
    return [token_config(manifest, symbol) for symbol in ("WETH", "USDC", "WBTC")]


async def read_aave(
    manifest: Manifest, account: str, client: ChainClient, name: str = "aave"
) -> AaveV3Connector:
    """The Aave connector found through the market's addresses provider, discovered."""
    connector = AaveV3Connector(
        name=name,
        chain_id=manifest.chain_id,
        account=account,
        addresses_provider=manifest.contract("aave.addresses_provider"),
        assets=_aave_assets(manifest),
    )
    await connector.discover(Multicall3Reader(client))
    return connector


def intent(venue_name: str, action: Action, asset: str, quantity: float, **extra: Any) -> Intent:
    return Intent(
        venue=venue_name,
        action=action,
        asset=asset,
        quantity=quantity,
        reason="test",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        **extra,
    )


def gmx_connector(manifest: Manifest, account: str, **options: Any) -> GmxV2Connector:
    """The GMX connector on the world's ETH and BTC markets (USDC collateral)."""
    usdc = token_config(manifest, "USDC")
    markets = []
    for underlying, symbol in (("ETH", "WETH"), ("BTC", "WBTC")):
        index = token_config(manifest, symbol)
        address = manifest.contract(f"gmx.market.{underlying}")
        markets.append(GmxMarketConfig(address, underlying, index, index, usdc))
    return GmxV2Connector(
        chain_id=manifest.chain_id,
        account=account,
        addresses=GmxAddresses.from_roles(manifest.contracts),
        markets=markets,
        **options,
    )


def premia_pool_addresses(manifest: Manifest) -> list[str]:
    """The world's Premia pools, from their manifest roles (``premia.pool.<name>``)."""
    return [a for role, a in sorted(manifest.contracts.items()) if role.startswith("premia.pool.")]


async def premia_connector(
    manifest: Manifest, account: str, reader: ChainReader, pools: Sequence[str] | None = None
) -> PremiaV3Connector:
    """The Premia connector over the world's pools (or ``pools``), discovered and ready."""
    tokens = [token_config(manifest, s) for s in ("WETH", "USDC")]
    configs = await read_pools(reader, list(pools or premia_pool_addresses(manifest)), tokens)
    connector = PremiaV3Connector(
        chain_id=manifest.chain_id,
        account=account,
        router=manifest.contract("premia.router"),
        oracle_adapter=manifest.contract("premia.oracle_adapter"),
        volatility_oracle=manifest.contract("premia.vol_oracle"),
        pools=configs,
    )
    await connector.discover(reader)
    return connector
