"""EVM snapshot: 100 Aave positions (50 accounts, WETH supplied and USDC borrowed) plus
the Chainlink feeds, read by the connectors in one Multicall3 batch per tick, beside a
naive web3.py read of the same figures (one eth_call per figure, default middleware).

Both read the same contracts on the same anvil in the same run; the printed figures are
the median wall time of a tick and the HTTP requests a tick costs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from eth_utils.address import to_checksum_address
from web3 import AsyncHTTPProvider, AsyncWeb3
from web3.contract import AsyncContract

from bench import Result
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.chainlink import ChainlinkConnector, FeedConfig
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.tokens import TokenConfig
from connectors.evm.venue import ChainSession, EvmVenue
from sim.artifacts import Artifact
from sim.chain import attach
from sim.manifest import Manifest
from sim.world import LocalWorld

ACCOUNTS = 50
TICKS = 30
ASSETS = ("WETH", "USDC", "WBTC")
UNDERLYING = {"WETH": "ETH", "USDC": "USDC", "WBTC": "BTC"}


class CountingProvider(AsyncHTTPProvider):
    """web3's HTTP provider, counting the requests it sends."""

    requests = 0

    async def make_request(self, method: Any, params: Any) -> Any:
        CountingProvider.requests += 1
        return await super().make_request(method, params)


async def open_positions(world: LocalWorld, accounts: int) -> list[str]:
    """``accounts`` fresh addresses, each supplying 1 WETH and borrowing 1,000 USDC."""
    assert world.manifest is not None
    chain, manifest = world.chain, world.manifest
    await chain.rpc.request("anvil_autoImpersonateAccount", [True])
    pool = attach(chain, manifest, "aave.pool")
    weth = attach(chain, manifest, "token.WETH")
    addresses: list[str] = []
    for index in range(accounts):
        address = to_checksum_address("0x" + f"{0xBE0000 + index:040x}")
        await chain.set_balance(address, 10**20)
        await weth.send("deposit", sender=address, value=10**18)
        await weth.send("approve", pool.address, 10**18, sender=address)
        await pool.send("supply", weth.address, 10**18, address, 0, sender=address)
        usdc = manifest.token("USDC").address
        await pool.send("borrow", usdc, 1_000 * 10**6, 2, 0, address, sender=address)
        addresses.append(address)
    return addresses


def _tokens(manifest: Manifest) -> list[TokenConfig]:
    return [
        TokenConfig(s, manifest.token(s).address, manifest.token(s).decimals, UNDERLYING[s])
        for s in ASSETS
    ]


async def ours(world: LocalWorld, accounts: list[str]) -> tuple[list[float], float, int]:
    """(tick times s, requests per tick, positions) through the batched connectors."""
    manifest = world.manifest
    assert manifest is not None
    async with ChainClient([world.anvil.url], chain_id=manifest.chain_id) as client:
        reader = Multicall3Reader(client)
        session = ChainSession(BatchedReader(reader))
        feeds = [
            FeedConfig(f.underlying, f.address, f.heartbeat_s) for f in manifest.feeds.values()
        ]
        chainlink = ChainlinkConnector(feeds)
        await chainlink.discover(reader)
        venues: list[EvmVenue] = [session.register(chainlink)]
        market = AaveV3Connector(
            chain_id=manifest.chain_id, account=accounts[0], assets=_tokens(manifest),
            addresses_provider=manifest.contract("aave.addresses_provider"),
        )  # fmt: skip
        await market.discover(reader)
        for index, account in enumerate(accounts):
            venues.append(session.register(market.for_account(account, f"aave:{index}")))
        positions = 0
        times = []
        before = client.request_count
        for _ in range(TICKS):
            start = time.perf_counter()
            snapshots = await asyncio.gather(*(venue.snapshot() for venue in venues))
            times.append(time.perf_counter() - start)
            positions = sum(len(s.positions) for s in snapshots)
        return times, (client.request_count - before) / TICKS, positions


async def naive(world: LocalWorld, accounts: list[str]) -> tuple[list[float], float]:
    """(tick times s, requests per tick): web3.py, one call per figure, as commonly written."""
    manifest = world.manifest
    assert manifest is not None
    web3 = AsyncWeb3(CountingProvider(world.anvil.url))
    pool = naive_contract(web3, manifest, "aave.pool")
    provider = naive_contract(web3, manifest, "aave.data_provider")
    assets = [manifest.token(s).address for s in ASSETS]
    times = []
    before = CountingProvider.requests
    for _ in range(TICKS // 3):
        start = time.perf_counter()
        for account in accounts:
            await pool.functions.getUserAccountData(account).call()
            for asset in assets:
                await provider.functions.getUserReserveData(asset, account).call()
        times.append(time.perf_counter() - start)
    await web3.provider.disconnect()
    return times, (CountingProvider.requests - before) / (TICKS // 3)


def naive_contract(web3: AsyncWeb3[Any], manifest: Manifest, role: str) -> AsyncContract:
    """The world's contract ``role`` as a plain web3.py contract (the naive peer's view)."""
    source, name = manifest.artifacts[role].split(":")
    address = to_checksum_address(manifest.contract(role))
    return web3.eth.contract(address=address, abi=list(Artifact.load(name, source).abi.raw))


async def _measure() -> list[Result]:
    async with LocalWorld() as world:
        accounts = await open_positions(world, ACCOUNTS)
        our_times, our_requests, positions = await ours(world, accounts)
        naive_times, naive_requests = await naive(world, accounts)
    ours_ms = statistics.median(our_times) * 1e3
    naive_ms = statistics.median(naive_times) * 1e3
    name = f"evm snapshot, {positions} positions"
    return [
        Result(
            name, ours_ms, naive_ms, "web3.py per-call", "ms/tick", "faster", ours_ms < naive_ms
        ),
        Result(
            f"{name}: RPC requests",
            our_requests,
            naive_requests,
            "web3.py per-call",
            "req/tick",
            "2 per tick: the head and the logs in one, one eth_call",
            our_requests == 2.0,
        ),
    ]


def run() -> list[Result]:
    return asyncio.run(_measure())
