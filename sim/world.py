"""The local world: anvil, the reference protocols, the market driver and keepers.

``LocalWorld`` is an async context manager: entering starts anvil, deploys and seeds
everything and writes the manifest; leaving stops every task and the anvil process.
``run_chain_up`` is ``ballast chain up``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from connectors.evm.jsonrpc import JsonRpcTransport
from sim.anvil import Anvil, AnvilOptions
from sim.chain import Artifact, Contract, DevChain, attach, attach_all
from sim.deploy.base import FEED_DECIMALS, INITIAL_IMPLIED_VOLS, INITIAL_PRICES, Deployment
from sim.deploy.profiles import ChainProfile
from sim.deploy.world import build_world
from sim.keepers.arbitrageur import Arbitrageur, ArbPool
from sim.keepers.gmx import GmxLiquidator, GmxOrderKeeper
from sim.keepers.liquidator import AaveLiquidator
from sim.keepers.oracles import FeedHeartbeat, VolatilityOracleUpdater
from sim.keepers.settlement import OptionsSettlementKeeper
from sim.manifest import Manifest
from sim.market import MarketDriver, MarketListener
from sim.paths import Keyframe, KeyframePath, MarketPath


@dataclass
class Keepers:
    """The world's keepers, listening after the venues: oracles (Premia's implied vols,
    feed heartbeats), arbitrage, GMX orders, liquidations (Aave, GMX), options settlement."""

    arbitrageur: Arbitrageur
    liquidator: AaveLiquidator
    vol_oracle: VolatilityOracleUpdater
    feed_heartbeat: FeedHeartbeat
    gmx_orders: GmxOrderKeeper
    gmx_liquidator: GmxLiquidator
    settlement: OptionsSettlementKeeper

    @classmethod
    def attach(cls, chain: DevChain, manifest: Manifest) -> Keepers:
        contracts = attach_all(chain, manifest)
        pools = []
        for name, address in manifest.pools.items():
            base, quote, fee = name.split("/")
            pool = Contract(chain, Artifact.load("UniswapV3Pool").abi, address)
            pools.append(ArbPool(pool, base, quote, int(fee)))
        return cls(
            Arbitrageur(manifest, contracts, pools),
            AaveLiquidator(chain, manifest, contracts),
            vol_oracle=VolatilityOracleUpdater.attach(chain, manifest),
            feed_heartbeat=FeedHeartbeat.attach(chain, manifest),
            gmx_orders=GmxOrderKeeper(manifest, contracts),
            gmx_liquidator=GmxLiquidator(manifest, contracts),
            settlement=OptionsSettlementKeeper(chain, manifest),
        )

    def in_order(self) -> list[MarketListener]:
        """Every keeper, in the order they act after a market step."""
        return [
            self.vol_oracle, self.feed_heartbeat, self.arbitrageur, self.gmx_orders,
            self.liquidator, self.gmx_liquidator, self.settlement,
        ]  # fmt: skip

    def listen(self, driver: MarketDriver) -> None:
        for keeper in self.in_order():
            driver.add_listener(keeper)


class ChainOracles:
    """The market driver's hooks into the chain: chain time, then the Chainlink feeds."""

    def __init__(self, chain: DevChain, feeds: Mapping[str, Contract], transmitter: str) -> None:
        self.chain = chain
        self.feeds = dict(feeds)
        self.transmitter = transmitter
        self.held: set[str] = set()  # feeds whose transmitter has stopped (a stale oracle)

    @classmethod
    def attach(cls, chain: DevChain, manifest: Manifest) -> ChainOracles:
        feeds = {u: attach(chain, manifest, f"chainlink.{u}_USD") for u in manifest.feeds}
        return cls(chain, feeds, manifest.accounts["deployer"])

    async def set_time(self, timestamp: int) -> None:
        await self.chain.set_next_timestamp(timestamp)
        await self.chain.mine()

    async def publish_prices(self, prices: Mapping[str, float]) -> None:
        scale = 10**FEED_DECIMALS
        for underlying, feed in self.feeds.items():
            if underlying in prices and underlying not in self.held:
                answer = round(prices[underlying] * scale)
                await feed.send("transmit", answer, sender=self.transmitter)


def flat_path() -> KeyframePath:
    """Prices held at the world's initial values (what ``chain up`` runs with)."""
    return KeyframePath(
        [
            Keyframe(
                0.0, {k: v for k, v in INITIAL_PRICES.items() if k != "USDC"}, INITIAL_IMPLIED_VOLS
            )
        ]
    )


@dataclass
class WorldOptions:
    port: int | None = None
    manifest_path: Path | None = None
    path: MarketPath = field(default_factory=flat_path)
    anvil: AnvilOptions = field(default_factory=AnvilOptions)
    # Seconds between the timestamps of blocks the market driver does not time. 0 keeps
    # every block at the driver's time, so with a fixed ``anvil.timestamp`` the chain
    # does not depend on the wall clock (deterministic scenarios); None: anvil's default.
    block_interval_s: int | None = None
    profile: ChainProfile = ChainProfile.ETHEREUM


class LocalWorld:
    """A running local world. Enter it to start; leave it to stop everything."""

    def __init__(self, options: WorldOptions | None = None) -> None:
        self.options = options or WorldOptions()
        if self.options.port is not None:
            self.options.anvil.port = self.options.port
        self.anvil = Anvil(self.options.anvil)
        self._workdir = tempfile.TemporaryDirectory(prefix="ballast-world-")
        self.transport: JsonRpcTransport | None = None
        self.deployment: Deployment | None = None
        self.manifest: Manifest | None = None
        self.manifest_path = (
            self.options.manifest_path or Path(self._workdir.name) / "manifest.json"
        )
        self.driver: MarketDriver | None = None

    @property
    def chain(self) -> DevChain:
        assert self.deployment is not None, "world not started"
        return self.deployment.chain

    async def __aenter__(self) -> LocalWorld:
        self.anvil.start()
        try:
            self.transport = JsonRpcTransport(self.anvil.url, timeout_s=30.0)
            if self.options.block_interval_s is not None:
                await self.transport.request(
                    "anvil_setBlockTimestampInterval", [self.options.block_interval_s]
                )
            self.deployment = await build_world(
                DevChain(self.transport), self.anvil.url, self.options.profile
            )
            self.manifest = await self.deployment.manifest()
            self.manifest.write(self.manifest_path)
            self.driver = MarketDriver(
                self.options.path,
                start_timestamp=self.manifest.timestamp,
                chain=ChainOracles.attach(self.chain, self.manifest),
            )
            self._start_keepers(self.deployment, self.manifest, self.driver)
        except BaseException:
            await self._close()
            raise
        return self

    def _start_keepers(
        self, deployment: Deployment, manifest: Manifest, driver: MarketDriver
    ) -> None:
        self.keepers = Keepers.attach(deployment.chain, manifest)
        self.keepers.listen(driver)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._close()

    async def _close(self) -> None:
        if self.transport is not None:
            await self.transport.aclose()
        self.anvil.stop()
        self._workdir.cleanup()

    def add_listener(self, listener: MarketListener) -> None:
        assert self.driver is not None, "world not started"
        self.driver.add_listener(listener)


def _describe(manifest: Manifest, manifest_path: Path) -> str:
    lines = [
        f"local world on {manifest.rpc_url} (chain id {manifest.chain_id}, block {manifest.block})",
        f"manifest: {manifest_path}",
        "tokens:",
        *(
            f"  {t.symbol:<5} {t.address}  ({t.decimals} decimals)"
            for t in manifest.tokens.values()
        ),
        "contracts:",
        *(f"  {role:<28} {address}" for role, address in manifest.contracts.items()),
        "pools:",
        *(f"  {name:<28} {address}" for name, address in manifest.pools.items()),
        "accounts:",
        *(f"  {role:<12} {address}" for role, address in manifest.accounts.items()),
    ]
    return "\n".join(lines)


async def _serve(options: WorldOptions, seconds: float | None, heartbeat_s: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with LocalWorld(options) as world:
            assert world.manifest is not None
            assert world.driver is not None
            print(_describe(world.manifest, world.manifest_path), flush=True)
            print("running; Ctrl-C to stop", flush=True)
            deadline = None if seconds is None else loop.time() + seconds
            while not stop.is_set():
                timeout = (
                    heartbeat_s if deadline is None else min(heartbeat_s, deadline - loop.time())
                )
                if timeout <= 0:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout)
                # Keep the feeds fresh in wall-clock time, as real transmitters do.
                await world.driver.publish()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    print("local world stopped", flush=True)


def run_chain_up(
    *, port: int | None, manifest: Path | None, seconds: float | None, profile: str = "ethereum"
) -> int:
    """``ballast chain up``: start, deploy, seed, print, wait; leave nothing running."""
    options = WorldOptions(port=port, manifest_path=manifest, profile=ChainProfile(profile))
    asyncio.run(_serve(options, seconds, heartbeat_s=600.0))
    sys.stdout.flush()
    return 0
